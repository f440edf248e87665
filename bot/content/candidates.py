"""From unanswered questions to training examples (issue 15, point 6).

On the editor's list of questions the assistant could not answer, "this is topic X" stores
the question, redacted again, as a candidate training example of that topic's intent for
the question's locale; a reviewer accepts or rejects it; ``wegwijs nlu candidates`` lists
them and, with ``--export``, writes the accepted ones into ``nlu/<locale>/candidates.yml``
(only when the command is run) for the next training. The audit log keeps the candidate's
number, locale and intent, never the question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.content.editing import NotAllowed, Refused, may_review, roles_of
from bot.db import audit
from bot.db.models import Conversation, Message, NluCandidate
from bot.i18n.locales import LOCALES
from bot.privacy import redact

_INTENT = re.compile(r"^- intent: (\S+)\s*$", re.M)
HEADER = ("# Candidate training examples from questions the assistant could not answer,\n"
          "# accepted by a reviewer in the content editor (wegwijs nlu candidates --export).\n"
          "# Redacted; check them before training.\n")


def intent_of(key: str) -> str:
    """The intent an answer's key answers: ``utter_benefits/zorgtoeslag`` ->
    ``benefits/zorgtoeslag``, ``utter_greet`` -> ``greet``."""
    return key.removeprefix("utter_")


def known_intents(root: Path) -> set[str]:
    """Every intent with training examples in ``nlu/*/*.yml`` under ``root``."""
    out: set[str] = set()
    for path in (root / "nlu").glob("*/*.yml"):
        out.update(_INTENT.findall(path.read_text(encoding="utf-8")))
    return out


def propose(*, session: Session, staff: Any, message_id: int, key: str, intents: set[str],
            now: datetime | None = None, **where: str) -> NluCandidate:
    """"This question is topic ``key``": a candidate example of its intent."""
    now = now or utcnow()
    if not roles_of(staff):
        raise NotAllowed("You may not change this text.")
    intent = intent_of(key)
    if intent not in intents:
        raise Refused([f"{key!r} is not a topic the assistant is trained on"])
    text, locale = _question(session, message_id)
    candidate = NluCandidate(locale=locale, text=text, intent=intent, message_id=message_id,
                             state="proposed", author=getattr(staff, "username", None), created_at=now)
    session.add(candidate)
    session.flush()
    audit.record(session=session, action="nlu_candidate", staff=staff, now=now, **where,
                 detail=f"c{candidate.id} {locale} {intent}")
    return candidate


def slug(title: str) -> str:
    """A key part from a title: ``Parking permit`` -> ``parking_permit`` (ASCII only)."""
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")[:60]


def _question(session: Session, message_id: int) -> tuple[str, str]:
    """(the question redacted, its locale) of an incoming message."""
    row = session.execute(select(Message, Conversation.locale)
                          .join(Conversation, Conversation.id == Message.conversation_id)
                          .where(Message.id == message_id, Message.direction == "in")).first()
    if row is None:
        raise Refused(["that question is no longer there"])
    message, conv_locale = row
    text = redact(message.text or "").strip()
    locale = message.locale or conv_locale or "en"
    if not text or locale not in LOCALES:
        raise Refused(["that question cannot be used"])
    return text, locale


def start_topic(*, session: Session, staff: Any, message_id: int, title: str,
                existing: set[str], now: datetime | None = None, **where: str) -> str:
    """"New topic": a draft English answer under a new key (``utter_new/<title>``), empty
    (so it cannot be published until it is written), its note naming the question that
    asked for it. Returns the key. Training the assistant to recognise the topic stays a
    developer's step (``wegwijs content new-topic``)."""
    from bot.content.editing import save_draft

    part = slug(title)
    if not part:
        raise Refused(["give the new topic a title in English (letters or digits)"])
    key = f"utter_new/{part}"
    if key in existing:
        raise Refused([f"there is already a topic {key!r}"])
    question, locale = _question(session, message_id)
    save_draft(session=session, staff=staff, key=key, locale="source", text="", buttons=[],
               facts=[], note=f"New topic '{title.strip()}', asked in {locale}: {question}",
               now=now, **where)
    return key


def review(*, session: Session, staff: Any, candidate_id: int, accept: bool,
           now: datetime | None = None, **where: str) -> NluCandidate:
    now = now or utcnow()
    if not may_review(staff):
        raise NotAllowed("Only a reviewer may approve and publish.")
    candidate = session.get(NluCandidate, candidate_id)
    if candidate is None or candidate.state != "proposed":
        raise Refused(["this candidate is not waiting for review"])
    candidate.state = "reviewed" if accept else "rejected"
    candidate.reviewer, candidate.reviewed_at = staff.username, now
    audit.record(session=session, action="nlu_candidate_review", staff=staff, now=now, **where,
                 detail=f"c{candidate.id} {candidate.locale} {candidate.state}")
    return candidate


def candidates(*, session: Session, state: str | None = None) -> list[NluCandidate]:
    query = select(NluCandidate).order_by(NluCandidate.id)
    if state is not None:
        query = query.where(NluCandidate.state == state)
    return list(session.execute(query).scalars())


def candidates_yaml(rows: Iterable[NluCandidate]) -> str:
    """Rasa 3 training data: the examples under their intents, sorted, no duplicates."""
    by_intent: dict[str, list[str]] = {}
    for r in rows:
        examples = by_intent.setdefault(r.intent, [])
        if r.text not in examples:
            examples.append(r.text)
    data = {"version": "3.1", "nlu": [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in sorted(texts))}
        for intent, texts in sorted(by_intent.items())]}

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return HEADER + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def export(*, session: Session, root: Path) -> list[Path]:
    """Write the reviewed candidates into ``root/nlu/<locale>/candidates.yml``; returns the
    files written (a locale without reviewed candidates gets none)."""
    per_locale: dict[str, list[NluCandidate]] = {}
    for r in candidates(session=session, state="reviewed"):
        per_locale.setdefault(r.locale, []).append(r)
    written = []
    for locale, rows in sorted(per_locale.items()):
        path = root / "nlu" / locale / "candidates.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(candidates_yaml(rows), encoding="utf-8")
        written.append(path)
    return written

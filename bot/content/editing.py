"""The content workflow over the store: draft, review, publish (now or at a time), history
and rollback; who may do what (``staff.content_roles``); every change in the staff audit log.

- an **editor** saves drafts of the English source (text, buttons, facts, note);
- a **translator** for a locale saves drafts of that locale's translations only;
- a **reviewer** approves a draft of someone else (publishing it now or at a time),
  rejects one, or brings an earlier version back (rollback, live at once).

A draft is checked when it is saved and again when it is approved; a draft with problems
(placeholders, length, links, facts without an https source or date, buttons) cannot be
published. Publishing new English leaves every translation of the older English "needs
review": it is no longer served (the person gets the English, counted) until a translator
saves one for the new English. Functions are keyword-only over a session, as the
repositories are; the audit log keeps the key, locale and version number, never a text
(``where``: the request's ``address`` and the ``secret`` that hashes it, over HTTP).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import as_utc, utcnow
from bot.content.store import fields_of, source_entry, translation
from bot.db import audit
from bot.db import content as store
from bot.db.models import ContentVersion, Staff
from bot.i18n.content import source_messages
from bot.i18n.exchange import SOURCE, SourceEntry, Translation, response_from_entry
from bot.i18n.locales import LOCALES
from bot.i18n.workflow import (
    LocaleStatus,
    button_title_problems,
    is_button_context,
    source_problems,
    text_problems,
)
from bot.roles import EDITOR, REVIEWER, translator, valid_content_role


class NotAllowed(Exception):
    """The account lacks the role for this (a message id of the staff catalog)."""


class Refused(Exception):
    """The change cannot be made as asked; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def roles_of(staff: Any) -> set[str]:
    return set(getattr(staff, "content_roles", None) or [])


def may_edit(staff: Any, locale: str) -> bool:
    """The English source: editors; a translation: that locale's translators."""
    roles = roles_of(staff)
    return EDITOR in roles if locale == SOURCE else translator(locale) in roles


def may_review(staff: Any) -> bool:
    return REVIEWER in roles_of(staff)


def set_content_roles(*, session: Session, username: str, roles: list[str], actor: str,
                      now: datetime | None = None) -> Staff:
    """Give an account exactly these content roles (the command line's ``staff roles``)."""
    bad = [r for r in roles if not valid_content_role(r, LOCALES)]
    if bad:
        raise ValueError(f"not a content role: {', '.join(bad)} (editor, reviewer, "
                         f"translator:<locale> with a locale of {', '.join(LOCALES)})")
    staff = session.execute(select(Staff).where(Staff.username == username.strip().lower())
                            ).scalar_one_or_none()
    if staff is None:
        raise ValueError(f"no staff account {username}")
    staff.content_roles = sorted(set(roles))
    audit.record(session=session, action="content_roles", actor=actor, now=now,
                 detail=f"{staff.username}: {' '.join(staff.content_roles) or '-'}")
    return staff


def _detail(row: ContentVersion, extra: str = "") -> str:
    return f"{row.key} {row.locale} v{row.number}{extra}"


def current_english(*, session: Session, key: str, now: datetime) -> str | None:
    row = store.live_rows(session=session, now=now, locale=SOURCE).get((key, SOURCE))
    return row.text if row is not None else None


def problems_of(*, session: Session, row: ContentVersion, now: datetime) -> list[str]:
    """What blocks publication of a version (empty: nothing)."""
    if row.locale == SOURCE:
        entry = source_entry(row)
        r = response_from_entry(entry)
        out = source_problems(r) + text_problems(r.text, r.text)
        for b in r.buttons:
            out += [f"button {b.id!r}: {p}" for p in text_problems(b.title, b.title)]
        return out
    english = current_english(session=session, key=row.key, now=now)
    if english is None:
        english = _button_source(session=session, context=row.key, now=now)
    if english is None:
        return [f"there is no English answer {row.key!r} to translate"]
    if not row.text.strip():
        return ["the translation is empty"]
    if is_button_context(row.key):
        return text_problems(english, row.text) + button_title_problems(row.text)
    return text_problems(english, row.text)


def _button_source(*, session: Session, context: str, now: datetime) -> str | None:
    """The English title of a ``button:<id>`` or ``<key>:choice`` context."""
    live = store.live_rows(session=session, now=now, locale=SOURCE)
    if context.endswith(":choice"):
        row = live.get((context.removesuffix(":choice"), SOURCE))
        return (row.choice_button or {}).get("title") if row is not None else None
    if context.startswith("button:"):
        wanted = context.removeprefix("button:")
        for row in live.values():
            for b in row.buttons or []:
                if b.get("id") == wanted and b.get("translate", True):
                    return str(b["title"])
    return None


def save_draft(*, session: Session, staff: Any, key: str, locale: str, text: str,
               buttons: list[dict[str, Any]] | None = None,
               facts: list[dict[str, str]] | None = None, note: str | None = None,
               now: datetime | None = None, **where: str) -> tuple[ContentVersion, list[str]]:
    """A new draft of the English source (``locale`` "source") or of one translation;
    returns it and its problems (shown beside the field; they block publication)."""
    now = now or utcnow()
    if not may_edit(staff, locale):
        raise NotAllowed("You may not change this text.")
    live = store.live_rows(session=session, now=now).get((key, locale))
    if locale == SOURCE:
        base = source_entry(live) if live is not None else SourceEntry(key=key, text="")
        item: SourceEntry | Translation = SourceEntry(
            key=key, text=text.strip(), buttons=base.buttons if buttons is None else buttons,
            facts=base.facts if facts is None else facts,
            note=base.note if note is None else note, choice_button=base.choice_button)
    else:
        english = (current_english(session=session, key=key, now=now)
                   or _button_source(session=session, context=key, now=now))
        if english is None:
            raise Refused([f"there is no English answer {key!r} to translate"])
        user = translation(live).user_comments if live is not None else []
        item = Translation(context=key, source=english, text=text.strip(), user_comments=user)
    row = store.add_version(session=session, key=key, locale=locale, state="draft",
                            author=getattr(staff, "username", None),
                            author_id=getattr(staff, "id", None), now=now, fields=fields_of(item))
    audit.record(session=session, action="content_draft", staff=staff, now=now, **where, detail=_detail(row))
    return row, problems_of(session=session, row=row, now=now)


def _draft(session: Session, version_id: int) -> ContentVersion:
    row = session.get(ContentVersion, version_id)
    if row is None or row.state != "draft":
        raise Refused(["this version is not a draft waiting for review"])
    return row


def approve(*, session: Session, staff: Any, version_id: int, publish_at: datetime | None = None,
            now: datetime | None = None, **where: str) -> ContentVersion:
    """A reviewer approves someone else's draft: live now, or from ``publish_at``."""
    now = now or utcnow()
    if not may_review(staff):
        raise NotAllowed("Only a reviewer may approve and publish.")
    row = _draft(session, version_id)
    if row.author_id is not None and row.author_id == getattr(staff, "id", None):
        raise NotAllowed("A change is approved by someone else than its author.")
    problems = problems_of(session=session, row=row, now=now)
    if problems:
        raise Refused(problems)
    when = as_utc(publish_at) or now
    if when < now:
        raise Refused(["the time of publication has passed"])
    row.state, row.publish_at = "published", when
    row.reviewer, row.reviewer_id, row.reviewed_at = staff.username, staff.id, now
    store.bump_version(session=session)
    audit.record(session=session, action="content_publish", staff=staff, now=now, **where,
                 detail=_detail(row, "" if when == now else f" at {when.isoformat()}"))
    return row


def reject(*, session: Session, staff: Any, version_id: int,
           now: datetime | None = None, **where: str) -> ContentVersion:
    now = now or utcnow()
    if not may_review(staff):
        raise NotAllowed("Only a reviewer may approve and publish.")
    row = _draft(session, version_id)
    row.state = "rejected"
    row.reviewer, row.reviewer_id, row.reviewed_at = staff.username, staff.id, now
    audit.record(session=session, action="content_reject", staff=staff, now=now, **where, detail=_detail(row))
    return row


def rollback(*, session: Session, staff: Any, version_id: int,
             now: datetime | None = None, **where: str) -> ContentVersion:
    """A reviewer brings an earlier version back: a new version with its content, live at
    once (history keeps everything in between)."""
    now = now or utcnow()
    if not may_review(staff):
        raise NotAllowed("Only a reviewer may approve and publish.")
    old = session.get(ContentVersion, version_id)
    if old is None or old.state not in ("published",):
        raise Refused(["only a version that was published can be brought back"])
    if as_utc(old.publish_at) is not None and as_utc(old.publish_at) > now:
        raise Refused(["this version is scheduled for later and was never live: cancel it instead"])
    item = source_entry(old) if old.locale == SOURCE else translation(old)
    row = store.add_version(session=session, key=old.key, locale=old.locale, state="published",
                            author=staff.username, author_id=staff.id, now=now, publish_at=now,
                            reviewer=staff.username, reviewer_id=staff.id, fields=fields_of(item))
    store.bump_version(session=session)
    audit.record(session=session, action="content_rollback", staff=staff, now=now, **where,
                 detail=_detail(row, f" = v{old.number}"))
    return row


def cancel(*, session: Session, staff: Any, version_id: int,
           now: datetime | None = None, **where: str) -> ContentVersion:
    """A reviewer calls off a publication scheduled for later (state ``cancelled``): the
    version never goes live. A rollback does not do this: it makes an older text live now,
    and a change scheduled after it still goes live at its time."""
    now = now or utcnow()
    if not may_review(staff):
        raise NotAllowed("Only a reviewer may approve and publish.")
    row = session.get(ContentVersion, version_id)
    when = as_utc(row.publish_at) if row is not None else None
    if row is None or row.state != "published" or when is None or when <= now:
        raise Refused(["only a change scheduled for later can be cancelled"])
    row.state = "cancelled"
    row.reviewer, row.reviewer_id, row.reviewed_at = staff.username, staff.id, now
    store.bump_version(session=session)  # every process forgets the time it was waiting for
    audit.record(session=session, action="content_cancel", staff=staff, now=now, **where,
                 detail=_detail(row, f" at {when.isoformat()}"))
    return row


@dataclass
class ButtonTitle:
    """One button of an answer as a translator edits it on the topic page."""

    id: str
    context: str  # ``button:<id>``: one title for every answer that shows the button
    english: str
    title: str  # the waiting draft's, else the live translation's ("" if none)
    waiting: WaitingDraft | None = None


def button_titles(*, session: Session, key: str, locale: str,
                  now: datetime | None = None) -> list[ButtonTitle]:
    """The translatable buttons of the live English answer ``key`` with ``locale``'s
    titles: a draft waiting for review (with its problems) before the live one."""
    now = now or utcnow()
    english = store.live_rows(session=session, now=now, locale=SOURCE).get((key, SOURCE))
    if english is None or locale == SOURCE:
        return []
    live = store.live_rows(session=session, now=now, locale=locale)
    out = []
    for b in english.buttons or []:
        if not b.get("translate", True):
            continue
        context = f"button:{b['id']}"
        waiting = waiting_drafts(session=session, key=context, now=now).get(locale)
        row = live.get((context, locale))
        title = waiting.text if waiting is not None else (row.text if row is not None else "")
        out.append(ButtonTitle(str(b["id"]), context, str(b["title"]), title, waiting))
    return out


def save_translation(*, session: Session, staff: Any, key: str, locale: str, text: str,
                     titles: dict[str, str] | None = None, now: datetime | None = None,
                     **where: str) -> list[str]:
    """A translator's save on the topic page: the text, and each button title that differs
    from the one shown, each a draft of its own (a button's title is shared by every
    answer with that button). The text is saved when it changed or no title did. Returns
    the problems that block publication."""
    now = now or utcnow()
    if locale == SOURCE or not may_edit(staff, locale):
        raise NotAllowed("You may not change this text.")
    text = text.replace("\r\n", "\n")  # a browser's form sends a text box's lines so
    shown = {b.id: b.title for b in button_titles(session=session, key=key, locale=locale, now=now)}
    changed = {i: t.strip() for i, t in (titles or {}).items()
               if i in shown and t.strip() != shown[i].strip()}
    problems: list[str] = []
    waiting = waiting_drafts(session=session, key=key, now=now).get(locale)
    live = store.live_rows(session=session, now=now, locale=locale).get((key, locale))
    before = waiting.text if waiting is not None else (live.text if live is not None else "")
    if not changed or text.strip() != before.strip():
        problems += save_draft(session=session, staff=staff, key=key, locale=locale, text=text,
                               now=now, **where)[1]
    for ident, title in changed.items():
        found = save_draft(session=session, staff=staff, key=f"button:{ident}", locale=locale,
                           text=title, now=now, **where)[1]
        problems += [f"button {ident!r}: {p}" for p in found]
    return problems


@dataclass
class HistoryEntry:
    id: int
    number: int
    state: str
    author: str | None
    created_at: datetime
    reviewer: str | None
    publish_at: datetime | None
    live: bool
    diff: list[str]  # unified diff of the text against the version before
    text: str = ""
    problems: list[str] | None = None  # a draft's: what blocks its publication
    facts: list[dict[str, str]] | None = None  # the English source's: claim, source, date
    scheduled: bool = False  # published for a time still to come (not live yet)


def history(*, session: Session, key: str, locale: str,
            now: datetime | None = None) -> list[HistoryEntry]:
    """Every version of one text, newest first: who, when, its state, the difference."""
    now = now or utcnow()
    rows = list(session.execute(
        select(ContentVersion).where(ContentVersion.key == key, ContentVersion.locale == locale)
        .order_by(ContentVersion.id)).scalars())
    live = store.live_rows(session=session, now=now, locale=locale).get((key, locale))
    out = []
    previous = ""
    for row in rows:
        diff = list(difflib.unified_diff(previous.splitlines(), row.text.splitlines(),
                                         lineterm="", n=1))[2:]
        out.append(HistoryEntry(
            row.id, row.number, row.state, row.author, as_utc(row.created_at), row.reviewer,
            as_utc(row.publish_at), live is not None and live.id == row.id, diff, row.text,
            problems_of(session=session, row=row, now=now) if row.state == "draft" else None,
            list(row.facts or []) if locale == SOURCE else None,
            row.state == "published" and as_utc(row.publish_at) is not None
            and as_utc(row.publish_at) > now))
        if row.state not in ("rejected", "draft", "cancelled"):
            previous = row.text
    return list(reversed(out))


@dataclass
class WaitingDraft:
    """The newest draft of one text waiting for review, as the editor opens it."""

    id: int
    number: int
    author: str | None
    created_at: datetime
    text: str
    facts: list[dict[str, str]] | None
    buttons: list[dict[str, Any]] | None
    problems: list[str]  # what blocks its publication, shown next to the field


def waiting_drafts(*, session: Session, key: str,
                   now: datetime | None = None) -> dict[str, WaitingDraft]:
    """Per locale (``source`` for the English), the newest draft of ``key`` waiting for
    review, with what blocks its publication (checked again now: the English it
    translates may have changed since it was saved)."""
    now = now or utcnow()
    rows = session.execute(select(ContentVersion).where(
        ContentVersion.key == key, ContentVersion.state == "draft").order_by(ContentVersion.id)).scalars()
    out: dict[str, WaitingDraft] = {}
    for row in rows:  # the newest wins
        source = row.locale == SOURCE
        out[row.locale] = WaitingDraft(
            row.id, row.number, row.author, as_utc(row.created_at) or now, row.text,
            list(row.facts or []) if source else None, list(row.buttons or []) if source else None,
            problems_of(session=session, row=row, now=now))
    return out


def target_of(*, session: Session, version_id: int) -> tuple[str, str] | None:
    """(key, locale) of a version, or None."""
    row = session.get(ContentVersion, version_id)
    return (row.key, row.locale) if row is not None else None


def drafts(*, session: Session) -> list[ContentVersion]:
    """Drafts waiting for review, oldest first."""
    return list(session.execute(select(ContentVersion).where(ContentVersion.state == "draft")
                                .order_by(ContentVersion.id)).scalars())


def needs_review(*, session: Session, now: datetime | None = None) -> dict[str, list[str]]:
    """Per locale, the keys whose live translation is of older English (or marked so)."""
    now = now or utcnow()
    live = store.live_rows(session=session, now=now)
    english = {k: r.text for (k, loc), r in live.items() if loc == SOURCE}
    out: dict[str, list[str]] = {loc: [] for loc in LOCALES}
    for (key, locale), row in live.items():
        if locale == SOURCE:
            continue
        current = english.get(key) or _button_source(session=session, context=key, now=now)
        if row.needs_review or (current is not None and row.source != current):
            out.setdefault(locale, []).append(key)
    return {loc: sorted(keys) for loc, keys in out.items()}


def status(*, session: Session, now: datetime | None = None) -> list[LocaleStatus]:
    """Per locale: translated, missing, needs review (oldest first, since the English
    changed), as ``wegwijs content status`` says of the files."""
    now = now or utcnow()
    live = store.live_rows(session=session, now=now)
    english_rows = {k: r for (k, loc), r in live.items() if loc == SOURCE}
    responses = {k: response_from_entry(source_entry(r)) for k, r in english_rows.items()}
    messages = source_messages(responses)
    out = []
    for locale in LOCALES:
        translated = missing = review = 0
        outdated = []
        for context, english, _comments in messages:
            row = live.get((context, locale))
            if locale == "en":
                translated += 1
            elif row is None or not row.text:
                missing += 1
            elif row.needs_review or row.source != english:
                review += 1
                since = english_rows.get(context.split(":choice")[0])
                when = as_utc(since.publish_at) if since is not None else None
                outdated.append({"key": context, "since": when.date().isoformat() if when else "unknown"})
            else:
                translated += 1
        outdated.sort(key=lambda o: o["since"])
        out.append(LocaleStatus(locale, len(messages), translated, missing, review, outdated))
    return out

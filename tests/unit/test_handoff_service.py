"""The app's side of a handoff (bot/handoff/service.py): notifications of new escalations."""

from __future__ import annotations

from bot.channels.turns import ConversationLocks
from bot.db.models import Escalation
from bot.db.seed import seed
from bot.db.session import Database
from bot.handoff.service import Handoff
from bot.web.ui import UiCatalog


class RecordingMailer:
    """Stands in for SMTP: keeps what it was asked to send; fails for some addresses."""

    configured = True

    def __init__(self, failing: set[str] | None = None) -> None:
        self.failing = failing or set()
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        if to in self.failing:
            raise OSError(f"mail server refused {to}")
        self.sent.append((to, body))


def open_escalations(db: Database, casemanager_ids: list[int | None]) -> list[int]:
    with db.session() as s:
        rows = [Escalation(conversation_id=f"webchat:notify-{i}", kind="handoff", reason="asked",
                           status="open", live=1, urgent=0, casemanager_id=cm, details={})
                for i, cm in enumerate(casemanager_ids)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def notified(db: Database, ids: list[int]) -> dict[int, bool]:
    with db.session() as s:
        return {i: s.get(Escalation, i).notified_at is not None for i in ids}


def handoff(db: Database, mailer: RecordingMailer, content_copy) -> Handoff:  # type: ignore[no-untyped-def]
    _, locales = content_copy
    return Handoff(db=db, rasa=None, renderer=None, locks=ConversationLocks(),  # type: ignore[arg-type]
                   ui=UiCatalog.load(locales), public_url="https://wegwijs.test", mailer=mailer)


async def test_every_new_escalation_is_notified_in_one_round(db: Database, content_copy) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        seed(session=s)
    ids = open_escalations(db, [1, 2, 3])  # Sanne, Yonas, Leila
    mailer = RecordingMailer()
    assert await handoff(db, mailer, content_copy).notify_new() == 3
    assert notified(db, ids) == {i: True for i in ids}
    links = [body for _, body in mailer.sent]
    assert all(any(f"/inbox/escalations/{i}" in b for b in links) for i in ids)


async def test_a_failing_recipient_does_not_hold_up_the_others(db: Database, content_copy) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        seed(session=s)
    ids = open_escalations(db, [1, 3])  # Sanne's mail fails, Leila's works
    mailer = RecordingMailer(failing={"sanne.devries@example.org"})
    assert await handoff(db, mailer, content_copy).notify_new() == 2
    assert notified(db, ids) == {ids[0]: False, ids[1]: True}
    assert [to for to, _ in mailer.sent] == ["leila.haddad@example.org"]

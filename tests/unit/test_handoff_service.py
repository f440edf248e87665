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


# --- Per recipient: recorded, retried with backoff, never repeated, urgent first --------

from datetime import datetime, timedelta, timezone  # noqa: E402

from bot.db.models import Notification  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def team_lead_mails(db: Database) -> list[str]:
    from bot.db.models import Staff
    from bot.roles import Role

    with db.session() as s:
        return [st.email for st in s.query(Staff).filter(Staff.role == Role.TEAMLEAD.value)]


def add_team_lead(db: Database, username: str, email: str) -> None:
    from bot.db.staff import create_staff
    from bot.roles import Role

    with db.session() as s:
        create_staff(session=s, username=username, password="another-lead-2026",
                     display_name="Bram", role=Role.TEAMLEAD, email=email, locale="nl")


async def test_who_got_it_is_not_mailed_again_while_another_recipient_fails(  # type: ignore[no-untyped-def]
    db: Database, content_copy
) -> None:
    with db.session() as s:
        seed(session=s)
    add_team_lead(db, "bram", "bram.lead@example.org")
    [esc] = open_escalations(db, [None])  # the team queue: both team leads are told
    leads = team_lead_mails(db)
    assert len(leads) == 2
    failing = "bram.lead@example.org"
    clock = Clock()
    mailer = RecordingMailer(failing={failing})
    h = handoff(db, mailer, content_copy)
    h.clock = clock
    for _ in range(5):  # the loop runs every few seconds
        await h.notify_new()
        clock.now += timedelta(seconds=2)
    working = [m for m in leads if m != failing]
    assert [to for to, _ in mailer.sent] == working  # once, not every round
    assert notified(db, [esc]) == {esc: False}
    with db.session() as s:
        rows = {(n.recipient, n.channel): n for n in s.query(Notification).filter_by(escalation_id=esc)}
        assert sum(1 for n in rows.values() if n.sent_at is not None) == 1
        failed = [n for n in rows.values() if n.sent_at is None]
        assert len(failed) == 1 and failed[0].attempts >= 1 and failed[0].next_try_at is not None
        assert failed[0].last_error == "OSError"  # the kind only: never an address in the table


async def test_a_failing_recipient_is_retried_with_backoff_until_it_works(  # type: ignore[no-untyped-def]
    db: Database, content_copy
) -> None:
    with db.session() as s:
        seed(session=s)
    [esc] = open_escalations(db, [1])  # Sanne
    clock = Clock()
    mailer = RecordingMailer(failing={"sanne.devries@example.org"})
    h = handoff(db, mailer, content_copy)
    h.clock = clock
    await h.notify_new()
    with db.session() as s:
        first = s.query(Notification).filter_by(escalation_id=esc).one()
        assert first.attempts == 1
        wait_1 = first.next_try_at.replace(tzinfo=timezone.utc) - clock.now
    # Before the backoff has passed nobody is tried again.
    clock.now += wait_1 - timedelta(seconds=1)
    await h.notify_new()
    with db.session() as s:
        assert s.query(Notification).filter_by(escalation_id=esc).one().attempts == 1
    clock.now += timedelta(seconds=2)
    await h.notify_new()
    with db.session() as s:
        second = s.query(Notification).filter_by(escalation_id=esc).one()
        assert second.attempts == 2
        wait_2 = second.next_try_at.replace(tzinfo=timezone.utc) - clock.now
    assert wait_2 > wait_1  # the wait grows
    mailer.failing.clear()  # the mail server is back
    clock.now += wait_2
    await h.notify_new()
    assert [to for to, _ in mailer.sent] == ["sanne.devries@example.org"]
    assert notified(db, [esc]) == {esc: True}


async def test_urgent_escalations_are_notified_first(db: Database, content_copy) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        seed(session=s)
    older, urgent = open_escalations(db, [1, 3])  # Sanne's is older; Leila's is urgent
    with db.session() as s:
        s.get(Escalation, urgent).urgent = 1
    mailer = RecordingMailer()
    await handoff(db, mailer, content_copy).notify_new()
    assert [to for to, _ in mailer.sent] == ["leila.haddad@example.org", "sanne.devries@example.org"]


async def test_an_escalation_nobody_can_be_told_of_is_not_looked_at_again(  # type: ignore[no-untyped-def]
    db: Database, content_copy
) -> None:
    # No mail server and no Telegram: there is nothing to send, so the escalation counts as
    # notified at once (it stays in the inbox) instead of being looked at every round.
    with db.session() as s:
        seed(session=s)
    [esc] = open_escalations(db, [1])
    mailer = RecordingMailer()
    mailer.configured = False  # type: ignore[misc]
    h = handoff(db, mailer, content_copy)
    assert await h.notify_new() == 1
    assert notified(db, [esc]) == {esc: True}
    assert await h.notify_new() == 0
    assert mailer.sent == []


async def test_team_leads_get_at_most_the_hourly_cap_of_team_queue_notices(db: Database, content_copy) -> None:  # type: ignore[no-untyped-def]
    """A flood of unlinked chats must not flood the team leads' mailboxes: over
    WEGWIJS_LIMIT_TEAMLEAD_NOTICES an hour each, a team-queue notice is not sent (and not
    tried again); urgent ones always go; a casemanager's own clients are not capped."""
    from bot.handoff.service import NOT_SENT_OVER_CAP
    from bot.limits import Rule, in_memory

    with db.session() as s:
        seed(session=s)
    [lead] = team_lead_mails(db)
    seconds = [0.0]
    mailer = RecordingMailer()
    h = handoff(db, mailer, content_copy)
    h.limiter, h.teamlead_notices = in_memory(lambda: seconds[0]), Rule("teamlead-notice", 3, 3600)
    team = open_escalations(db, [None] * 5)
    own = open_escalations(db, [1, 1])  # Sanne's clients: mailed to Sanne, not capped
    await h.notify_new()
    assert [to for to, _ in mailer.sent].count(lead) == 3
    assert [to for to, _ in mailer.sent].count("sanne.devries@example.org") == 2
    assert notified(db, team + own) == {i: True for i in team + own}  # nothing left waiting
    with db.session() as s:
        capped = s.query(Notification).filter_by(last_error=NOT_SENT_OVER_CAP).count()
    assert capped == 2
    # Urgent: sent over the cap.
    with db.session() as s:
        s.add(Escalation(conversation_id="webchat:urgent", kind="handoff", reason="urgent",
                         status="open", live=1, urgent=1, casemanager_id=None, details={}))
    await h.notify_new()
    assert [to for to, _ in mailer.sent].count(lead) == 4
    # An hour later the cap is full again.
    seconds[0] += 3600
    open_escalations(db, [None])
    await h.notify_new()
    assert [to for to, _ in mailer.sent].count(lead) == 5

"""Retention (issue #14, point 6): what is older than its period goes, counts stay.

Rows are written with the times they would have had (an injected clock); Rasa's events by
Rasa's own SQL tracker store. The scan of every table (harness.schema_scan) checks that
nothing of an old conversation is left anywhere.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.db import conversations as conv_repo
from bot.db import escalations as esc_repo
from bot.db import pending as pending_repo
from bot.db import retention
from bot.db import telegram as telegram_repo
from bot.db.models import (
    Conversation,
    Escalation,
    LinkAttempt,
    LinkCode,
    Message,
    PendingTurn,
    TelegramOutbox,
    TelegramUpdate,
)
from bot.db.seed import seed
from bot.db.session import Database
from harness.schema_scan import every_value, where

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=200)  # past the transcripts' 180 days
MONTHS = NOW - timedelta(days=60)  # past the technical rows' and attachments' 30 days
RECENT = NOW - timedelta(days=1)
TG_OLD = 7300001111


def tracker_store(db: Database) -> Any:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=db.url.removeprefix("sqlite:///"))


def save_rasa_events(store: Any, sender: str, phrase: str, at: datetime) -> None:
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    t = at.timestamp()
    events = [SessionStarted(timestamp=t), ActionExecuted("action_listen", timestamp=t + 1),
              UserUttered(f"said {phrase}", timestamp=t + 2)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, [])))


def a_conversation(db: Database, conv: str, phrase: str, at: datetime, *,
                   telegram_id: int | None = None, update_id: int = 1) -> None:
    """A conversation whose every row was written at ``at``."""
    channel = conv.split(":", 1)[0]
    with db.session() as s:
        c, _ = conv_repo.get_or_create_conversation(session=s, conversation_id=conv, channel=channel)
        c.created_at = c.updated_at = at
        msg = conv_repo.add_message(session=s, conversation_id=conv, direction="in",
                                    text=f"question {phrase}", kind="photo",
                                    attachment={"type": "photo", "file_id": f"file-{phrase}"})
        out = conv_repo.add_message(session=s, conversation_id=conv, direction="out",
                                    text=f"answer {phrase}")
        msg.created_at = out.created_at = at
        turn, _ = pending_repo.add_pending(session=s, message_id=msg.id, conversation_id=conv,
                                           channel=channel, text=f"turn {phrase}", metadata={},
                                           state=pending_repo.WAITING)
        s.get(PendingTurn, turn.id).created_at = at
        esc = esc_repo.add_request(session=s, conversation_id=conv, client_id=1, casemanager_id=1,
                                   kind="reschedule", details={"why": phrase}, locale="en")
        esc.created_at = esc.updated_at = at
        esc_repo.record_notification(session=s, escalation_id=esc.id, recipient="staff:1",
                                     channel="email", now=at, error=None)
        s.add(LinkAttempt(conversation_id=conv, attempted_at=at, success=0))
        if telegram_id is not None:
            telegram_repo.record_update(session=s, bot_id=1, update_id=update_id,
                                        payload={"message": {"chat": {"id": telegram_id},
                                                             "text": phrase}},
                                        status="received")
            s.get(TelegramUpdate, (1, update_id)).received_at = at
            telegram_repo.add_outgoing(session=s, bot_id=1, chat_id=telegram_id,
                                       conversation_id=conv, text=f"queued {phrase}",
                                       reply_markup=None)
            s.execute(text("UPDATE telegram_outbox SET created_at = :at WHERE chat_id = :c"),
                      {"at": at.replace(tzinfo=None), "c": telegram_id})


@pytest.fixture
def aged(db: Database) -> Database:
    """An old Telegram conversation (200 days), one of two months, one of yesterday."""
    with db.session() as s:
        assert seed(session=s, now=NOW)
        # Used by the old chat (goes with its transcript), unused (goes after 30 days),
        # used by the two-month-old chat (stays while its transcript may).
        s.add(LinkCode(client_id=1, code_hash="a" * 64, created_at=OLD, expires_at=OLD + timedelta(days=1),
                       used_at=OLD, used_by=f"telegram:{TG_OLD}"))
        s.add(LinkCode(client_id=1, code_hash="b" * 64, created_at=MONTHS, expires_at=MONTHS))
        s.add(LinkCode(client_id=1, code_hash="c" * 64, created_at=MONTHS, expires_at=MONTHS,
                       used_at=MONTHS, used_by="webchat:two-months"))
    store = tracker_store(db)
    for conv, phrase, at, tg, update_id in (
        (f"telegram:{TG_OLD}", "Ancient-Walrus-1", OLD, TG_OLD, 11),
        ("webchat:two-months", "Middle-Heron-2", MONTHS, None, 0),
        ("telegram:7300002222", "Fresh-Otter-3", RECENT, 7300002222, 12),
    ):
        a_conversation(db, conv, phrase, at, telegram_id=tg, update_id=update_id)
        save_rasa_events(store, conv, phrase, at)
    store.engine.dispose()
    return db


def test_old_transcripts_and_technical_rows_go_recent_ones_stay(aged: Database) -> None:
    with aged.session() as s:
        counts = retention.run(session=s, now=NOW)
    # Nothing of the 200-day-old conversation is left anywhere.
    assert where(aged, "Ancient-Walrus-1", f"telegram:{TG_OLD}", str(TG_OLD)) == set()
    # Two months: the transcript stays, the technical rows and the attachment's file go.
    middle = where(aged, "Middle-Heron-2")
    assert {("messages", "text"), ("events", "data"), ("escalations", "details")} <= middle
    assert ("messages", "attachment") not in middle
    assert ("pending_turns", "text") not in middle
    assert where(aged, "webchat:two-months") >= {("conversations", "id")}
    # Yesterday: everything stays.
    assert {("messages", "attachment"), ("pending_turns", "text"), ("telegram_outbox", "text"),
            ("telegram_updates", "payload"), ("events", "data")} <= where(aged, "Fresh-Otter-3")
    assert counts["messages"] == 2 and counts["conversations"] == 1
    assert counts["tracker_events"] == 3 and counts["telegram_updates"] == 1
    assert counts["pending_turns"] == 2 and counts["attachments"] == 2
    assert counts["link_codes"] == 2 and counts["escalations"] == 1
    assert ("link_codes", "used_by") in where(aged, "webchat:two-months")
    with aged.session() as s:
        # The message whose pending turn went is marked failed, not left pending.
        statuses = s.execute(select(Message.status).where(
            Message.conversation_id == "webchat:two-months", Message.direction == "in")).scalars()
        assert list(statuses) == ["failed"]
        # What stays of the deleted messages: numbers per day, channel, direction and kind.
        day = OLD.date().isoformat()
        assert retention.message_counts(session=s) == [
            (day, "telegram", "in", "photo", 1), (day, "telegram", "out", "text", 1)]


def test_counts_add_up_over_runs(aged: Database) -> None:
    with aged.session() as s:
        retention.run(session=s, now=NOW)
    with aged.session() as s:  # a year later the other two go as well
        retention.run(session=s, now=NOW + timedelta(days=365))
        assert sum(row[-1] for row in retention.message_counts(session=s)) == 6
        assert s.execute(select(Message)).first() is None
        assert s.execute(select(Conversation)).first() is None
        assert s.execute(text("SELECT count(*) FROM events")).scalar_one() == 0


def test_dry_run_counts_the_same_and_deletes_nothing(aged: Database) -> None:
    before = sorted(every_value(aged))
    with aged.session() as s:
        dry = retention.run(session=s, now=NOW, dry_run=True)
    assert sorted(every_value(aged)) == before
    with aged.session() as s:
        assert retention.run(session=s, now=NOW) == dry


def test_the_periods_are_the_settings(aged: Database) -> None:
    from bot.settings import Settings

    settings = Settings(retention_transcript_days=30, retention_technical_days=400,
                        retention_attachment_days=400)
    with aged.session() as s:
        counts = retention.run(session=s, now=NOW, periods=retention.Periods.from_settings(settings))
    assert counts["messages"] == 4 and counts["pending_turns"] == 0  # transcripts of 30 days
    assert counts["attachments"] == 0 and counts["telegram_updates"] == 0
    assert where(aged, "Middle-Heron-2") == set() and where(aged, "Fresh-Otter-3")


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings, SettingsError

    monkeypatch.setenv("WEGWIJS_RETENTION_TRANSCRIPT_DAYS", "90")
    monkeypatch.setenv("WEGWIJS_RETENTION_TECHNICAL_DAYS", "7")
    periods = retention.Periods.from_settings(Settings.from_env())
    assert (periods.transcripts.days, periods.technical.days, periods.attachments.days) == (90, 7, 30)
    monkeypatch.setenv("WEGWIJS_RETENTION_TECHNICAL_DAYS", "0")
    with pytest.raises(SettingsError, match="WEGWIJS_RETENTION_TECHNICAL_DAYS"):
        Settings.from_env()


async def test_the_app_runs_retention_once_a_day(aged: Database) -> None:
    from bot.housekeeping import Housekeeping

    clock = [NOW]
    job = Housekeeping(db=aged, retention=functools.partial(retention.run), clock=lambda: clock[0])
    assert (await job.retention_if_due())["messages"] == 2
    clock[0] = NOW + timedelta(hours=23)
    assert await job.retention_if_due() is None  # not again within the day
    clock[0] = NOW + timedelta(days=150)  # the two-month-old conversation is old now too
    assert (await job.retention_if_due())["messages"] == 2
    await job.tick()  # erasure and retention together: nothing more to do today
    with aged.session() as s:
        assert s.execute(select(Escalation)).scalars().all() != []  # yesterday's stays


def test_the_command_prints_counts_and_no_personal_data(aged: Database, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", aged.url)
    get_settings.cache_clear()
    try:
        before = sorted(every_value(aged))
        assert main(["retention", "run", "--dry-run"]) == 0
        dry = capsys.readouterr().out
        assert sorted(every_value(aged)) == before
        assert "dry run" in dry and "would go" in dry
        assert main(["retention", "run"]) == 0
        done = capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    for out in (dry, done):
        assert "Walrus" not in out and str(TG_OLD) not in out and "webchat:" not in out
    assert [line.split()[:2] for line in dry.splitlines()[1:]] == \
        [line.split()[:2] for line in done.splitlines()[1:]]
    assert where(aged, "Ancient-Walrus-1") == set()
    with aged.session() as s:
        assert s.execute(select(TelegramOutbox)).scalars().all()  # yesterday's stays

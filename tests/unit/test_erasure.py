"""Erasure on request (issue #14, point 7): nothing of the person's chats is left anywhere.

The scan reads every table of the schema (SQLAlchemy inspection, Rasa's ``events``
included), so a table added later is covered without changing this test.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.db import clients as clients_repo
from bot.db import conversations as conv_repo
from bot.db import erasure
from bot.db import escalations as esc_repo
from bot.db import pending as pending_repo
from bot.db import telegram as telegram_repo
from bot.db.models import Appointment, Client, LinkCode, Staff
from bot.db.seed import seed
from bot.db.session import Database
from harness.schema_scan import where

SECRET = "s3cret"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
# The person: a web chat linked to client 1, and a Telegram chat linked to the same client.
WEB = "webchat:amal-session-9f3c"
TG_ID = 7300004411
TG = f"telegram:{TG_ID}"
PHRASE = "Zebulon-Quartz-7731"  # something only this person wrote
# Someone else, whose data must stay.
OTHER = "webchat:someone-else-4e1"
OTHER_PHRASE = "Marigold-Harbour-5512"


def tracker_store(db: Database) -> Any:
    """Rasa's own SQL tracker store on the test database (its ``events`` table)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=db.url.removeprefix("sqlite:///"))


def save_rasa_events(store: Any, sender: str, phrase: str) -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [SessionStarted(timestamp=1000.0), ActionExecuted("action_listen", timestamp=1001.0),
              UserUttered(f"hello, {phrase}", timestamp=1002.0),
              BotUttered("hi", timestamp=1003.0)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, [])))


def link(db: Database, conv: str, client_id: int) -> None:
    with db.session() as s:
        code = clients_repo.create_link_code(session=s, client_id=client_id, secret=SECRET,
                                             ttl=timedelta(hours=24), now=NOW)
    with db.session() as s:
        status = clients_repo.redeem_link_code(session=s, conversation_id=conv, code=code,
                                               secret=SECRET, now=NOW, peer="10.0.0.7").status
    assert status == "linked"


def a_conversation(db: Database, conv: str, phrase: str, *, telegram_id: int | None = None) -> None:
    """Everything a chat leaves behind: messages, a pending turn, a handoff with a
    casemanager's reply, note and notification, Telegram updates and outbox rows."""
    channel = conv.split(":", 1)[0]
    with db.session() as s:
        conv_repo.get_or_create_conversation(session=s, conversation_id=conv, channel=channel)
        msg = conv_repo.add_message(session=s, conversation_id=conv, direction="in",
                                    text=f"my question about {phrase}",
                                    attachment={"type": "photo", "file_id": f"file-{phrase}"})
        conv_repo.add_replies(session=s, conversation_id=conv,
                              replies=[{"text": f"about {phrase}: see the answer", "locale": "en"}])
        pending_repo.add_pending(session=s, message_id=msg.id, conversation_id=conv,
                                 channel=channel, text=f"later {phrase}",
                                 metadata={"channel": channel}, state=pending_repo.WAITING)
        esc = esc_repo.open_live(session=s, conversation_id=conv, client_id=1, casemanager_id=1,
                                 channel=channel, locale="en", reason="asked", urgent=False)
        esc.details = {"question": phrase}
        esc_repo.set_note(session=s, esc=esc, note=f"called about {phrase}")
        staff = s.execute(select(Staff).order_by(Staff.id)).scalars().first()
        esc_repo.add_staff_reply(session=s, esc=esc, staff=staff, text=f"re {phrase}")
        esc_repo.record_notification(session=s, escalation_id=esc.id, recipient="staff:1",
                                     channel="email", now=NOW, error=None)
        esc_repo.add_request(session=s, conversation_id=conv, client_id=1, casemanager_id=1,
                             kind="reschedule", details={"why": phrase}, locale="en")
        clients_repo.redeem_link_code(session=s, conversation_id=conv, code="WRONG-CODE",
                                      secret=SECRET, now=NOW)
        if telegram_id is not None:
            payload = {"update_id": telegram_id % 1000,
                       "message": {"from": {"id": telegram_id}, "chat": {"id": telegram_id},
                                   "text": f"stuck {phrase}"}}
            # One handled (content dropped), one stuck in processing with its payload.
            telegram_repo.record_update(session=s, bot_id=1, update_id=telegram_id % 1000,
                                        payload=payload, status="processing")
            telegram_repo.record_update(session=s, bot_id=1, update_id=telegram_id % 1000 + 1,
                                        payload=payload, status="processing")
            telegram_repo.finish_update(session=s, bot_id=1, update_id=telegram_id % 1000 + 1)
            # And one the webhook accepted that was not handled yet.
            telegram_repo.record_update(session=s, bot_id=1, update_id=telegram_id % 1000 + 2,
                                        payload=payload, status="received")
            telegram_repo.add_outgoing(session=s, bot_id=1, chat_id=telegram_id,
                                       conversation_id=conv, text=f"queued {phrase}",
                                       reply_markup=None)


@pytest.fixture
def world(db: Database) -> Database:
    with db.session() as s:
        assert seed(session=s, now=NOW)
    link(db, WEB, 1)
    link(db, TG, 1)
    link(db, OTHER, 2)
    store = tracker_store(db)
    for conv, phrase, tg in ((WEB, PHRASE, None), (TG, PHRASE, TG_ID), (OTHER, OTHER_PHRASE, 4400)):
        a_conversation(db, conv, phrase, telegram_id=tg)
        save_rasa_events(store, conv, phrase)
    store.engine.dispose()
    return db


def erase(db: Database, conversation_id: str) -> None:
    """What forget_me does: a request, carried out."""
    with db.session() as s:
        request_id = erasure.request_erasure(session=s, conversation_id=conversation_id, now=NOW)
    with db.session() as s:
        assert erasure.carry_out(session=s, request_id=request_id, now=NOW)


PERSON = (WEB, TG, str(TG_ID), PHRASE)


def test_the_scan_sees_every_table(world: Database) -> None:
    """The scan finds the person in each kind of place (so its 'nowhere' means nowhere)."""
    places = where(world, *PERSON)
    for table in ("messages", "conversations", "channel_identities", "link_codes",
                  "link_attempts", "pending_turns", "escalations", "telegram_updates",
                  "telegram_outbox", "events"):
        assert table in {t for t, _ in places}, table


def test_erasure_leaves_nothing_of_the_person_anywhere(world: Database) -> None:
    erase(world, WEB)
    assert where(world, *PERSON) == set()
    # Someone else's data stays, as does the client's case file kept by the city.
    others = {t for t, _ in where(world, OTHER, OTHER_PHRASE)}
    assert {"messages", "events", "telegram_outbox", "escalations", "link_codes"} <= others
    with world.session() as s:
        assert s.get(Client, 1) is not None
        assert s.execute(select(Appointment).where(Appointment.client_id == 1)).first()
        # The person's link codes stay used (never redeemable again), by nobody named.
        codes = s.execute(select(LinkCode).where(LinkCode.client_id == 1)).scalars().all()
        assert codes and all(c.used_at is not None and c.used_by is None for c in codes)


def test_erasure_from_telegram_reaches_the_web_chat_too(world: Database) -> None:
    erase(world, TG)
    assert where(world, *PERSON) == set()
    assert where(world, OTHER_PHRASE)
    with world.session() as s:
        statuses = dict(s.execute(text(
            "SELECT update_id, status FROM telegram_updates WHERE update_id BETWEEN 411 AND 413")).all())
    # Ids stay (replays are ignored); one not handled yet never will be; the one being
    # handled (the confirming turn's) is left to its handler, which marks it done once
    # the confirmation went out.
    assert statuses == {411: "processing", 412: "done", 413: "done"}


def test_an_unlinked_chat_is_erased_alone(world: Database) -> None:
    lonely = "webchat:nobody-linked-77"
    with world.session() as s:
        conv_repo.get_or_create_conversation(session=s, conversation_id=lonely, channel="webchat")
        conv_repo.add_message(session=s, conversation_id=lonely, direction="in", text="Lonely-Fig-19")
    erase(world, lonely)
    assert where(world, lonely, "Lonely-Fig-19") == set()
    assert where(world, WEB) and where(world, OTHER)  # linked people are untouched


def test_the_scan_reads_rasas_events(world: Database, tmp_path: Path) -> None:
    """Guard against a scan that silently misses a table: the tracker's text is found."""
    assert ("events", "data") in where(world, PHRASE)


# The confirming turn, and the job that retries ------------------------------------------


class ForgettingRasa:
    """Stands in for Rasa's REST channel: on "yes" the forget_me action records the
    request (as actions/privacy.py does) and Rasa writes the turn to its tracker store;
    ``fail`` makes the turn fail after that (Rasa answers nothing)."""

    def __init__(self, db: Database, store: Any, fail: bool = False) -> None:
        self.db, self.store, self.fail = db, store, fail

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        from actions.privacy import request_erasure

        if text == "/session_start":
            return []
        if text == "yes":
            assert request_erasure(sender)
        await asyncio.to_thread(save_rasa_events, self.store, sender, text)
        return [] if self.fail else [{"text": "forgotten" if text == "yes" else "ok"}]

    async def replies_in_tracker(self, sender: str, message_id: int) -> list[dict] | None:
        return None


def a_gateway(db: Database, content_copy: tuple[Path, Path], rasa: Any) -> Any:
    from bot.channels.gateway import Gateway
    from bot.channels.turns import TurnState
    from bot.i18n.catalogs import Catalogs
    from bot.i18n.content import ContentSource
    from bot.i18n.render import Renderer

    content, locales = content_copy
    with db.session() as s:  # the world's turns were answered, its handoffs closed, long ago
        s.execute(text("DELETE FROM pending_turns"))
        s.execute(text("UPDATE escalations SET status = 'closed'"))
    return Gateway(rasa=rasa, renderer=Renderer(ContentSource(content), Catalogs(locales)),
                   db=db, turns=TurnState(), session_turns=0)


async def test_the_confirming_turn_erases_and_the_confirmation_still_goes_out(
    world: Database, content_copy: tuple[Path, Path]
) -> None:
    from bot.channels.gateway import Incoming

    store = tracker_store(world)
    gateway = a_gateway(world, content_copy, ForgettingRasa(world, store))
    queued: list[tuple[str, list[str]]] = []
    gateway.deliveries["telegram"] = lambda session, conv, replies: queued.append(
        (conv, [r.text for r in replies]))
    replies = await gateway.handle(Incoming(TG, "telegram", "yes"))
    assert [r.text for r in replies] == ["forgotten"]
    # Queued for Telegram (the outbox row goes once sent); everything else is gone.
    assert queued == [(TG, ["forgotten"])]
    assert where(world, *PERSON) == set()
    with world.session() as s:
        assert erasure.pending_count(session=s) == 0
    store.engine.dispose()


async def test_a_failed_confirming_turn_is_erased_by_the_job(
    world: Database, content_copy: tuple[Path, Path]
) -> None:
    from bot.channels.gateway import Incoming
    from bot.housekeeping import Housekeeping

    store = tracker_store(world)
    gateway = a_gateway(world, content_copy, ForgettingRasa(world, store, fail=True))
    await gateway.handle(Incoming(WEB, "webchat", "yes"))
    assert where(world, *PERSON)  # the turn failed: nothing erased yet
    clock = [datetime.now(timezone.utc)]
    job = Housekeeping(db=world, clock=lambda: clock[0])
    assert await job.erase_due() == 0  # not while the turn may still be written
    clock[0] += erasure.GRACE + timedelta(seconds=1)
    assert await job.erase_due() == 1
    assert where(world, *PERSON) == set()
    assert await job.erase_due() == 0  # once
    store.engine.dispose()


async def test_an_erasure_that_fails_is_tried_again_until_it_succeeds(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.housekeeping import Housekeeping

    with world.session() as s:
        erasure.request_erasure(session=s, conversation_id=WEB, now=NOW)
    real = erasure.erase_person
    failures = [2]

    def locked(**kwargs: Any) -> dict[str, int]:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("DELETE", {}, Exception("database is locked"))
        return real(**kwargs)

    monkeypatch.setattr(erasure, "erase_person", locked)
    clock = [NOW + erasure.GRACE]
    job = Housekeeping(db=world, clock=lambda: clock[0])
    assert await job.erase_due() == 0
    with world.session() as s:
        row = s.execute(select(erasure.ErasureRequest)).scalar_one()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "OperationalError")
    assert await job.erase_due() == 0  # waits before the next try
    clock[0] += timedelta(seconds=erasure.RETRY_S)
    assert await job.erase_due() == 0  # fails again; now waits twice as long
    clock[0] += timedelta(seconds=erasure.RETRY_S)
    assert await job.erase_due() == 0
    clock[0] += timedelta(seconds=erasure.RETRY_S)
    assert await job.erase_due() == 1
    assert where(world, *PERSON) == set()
    with world.session() as s:
        row = s.execute(select(erasure.ErasureRequest)).scalar_one()
        # What stays of the request: that it was done, when, and numbers.
        assert row.status == "done" and row.conversation_id is None and row.done_at
        assert row.counts["messages"] >= 4 and all(isinstance(v, int) for v in row.counts.values())


async def test_the_job_runs_in_the_background_until_stopped(world: Database) -> None:
    from bot.housekeeping import Housekeeping
    from harness.waiting import eventually

    with world.session() as s:
        erasure.request_erasure(session=s, conversation_id=TG, now=NOW)
    job = Housekeeping(db=world, clock=lambda: NOW + erasure.GRACE, interval_s=0.05)
    job.start()
    try:
        await eventually(lambda: not where(world, *PERSON), what="the erasure")
    finally:
        await job.stop()
    assert job._task is None


async def test_the_job_waits_for_a_turn_in_any_of_the_persons_chats(world: Database) -> None:
    from bot.channels.turns import ConversationLocks
    from bot.housekeeping import Housekeeping
    from harness.waiting import eventually

    with world.session() as s:
        erasure.request_erasure(session=s, conversation_id=TG, now=NOW)
    locks = ConversationLocks()
    job = Housekeeping(db=world, locks=locks, clock=lambda: NOW + erasure.GRACE)
    async with locks(WEB):  # a turn of the person's web chat is running
        erasing = asyncio.create_task(job.erase_due())
        await eventually(lambda: locks(WEB)._waiters, what="the job waiting for the web chat's turn")
        assert where(world, *PERSON)  # nothing erased under a running turn
    assert await erasing == 1
    assert where(world, *PERSON) == set()

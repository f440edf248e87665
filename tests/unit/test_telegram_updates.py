"""Telegram updates (bot.channels.telegram.updates, bot.db.telegram): one chat cannot hold
the shared slots, and an update whose handling or ``finish`` failed is handled again —
never one whose message was stored."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Update

from bot.channels.telegram.updates import PerChatOrder, UpdateLog
from bot.clock import utcnow
from bot.db import telegram as repo
from bot.db.models import TelegramUpdate
from harness.waiting import eventually


def text_update(update_id: int, chat_id: int, text: str = "hoi") -> Update:
    return Update.de_json({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "text": text,
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "A"}},
    }, None)


def status_of(db, update_id: int) -> str:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(TelegramUpdate, (1, update_id)).status


async def test_one_chats_flood_never_holds_every_slot(db) -> None:  # type: ignore[no-untyped-def]
    log = UpdateLog(db)
    log.bot_id = 1
    order = PerChatOrder(log, max_concurrent_updates=2)
    release = asyncio.Event()
    handled: list[int] = []

    async def slow(update_id: int) -> None:  # a turn of chat 10 while Rasa is slow
        await release.wait()
        handled.append(update_id)

    async def quick(update_id: int) -> None:
        handled.append(update_id)

    # python-telegram-bot calls process_update for each update as it arrives.
    flood = [asyncio.create_task(order.process_update(text_update(i, 10), slow(i)))
             for i in range(1, 9)]
    other = asyncio.create_task(order.process_update(text_update(100, 20), quick(100)))
    # Another chat is answered while chat 10's first update is still being handled.
    await eventually(lambda: 100 in handled, timeout=10, what="the other chat's update handled")
    assert handled == [100]
    release.set()
    await asyncio.gather(*flood, other)
    assert handled == [100, *range(1, 9)]  # chat 10's in order
    assert {status_of(db, i) for i in range(1, 9)} == {"done"}


async def test_an_update_whose_message_was_not_stored_is_given_back_then_taken_again(db) -> None:  # type: ignore[no-untyped-def]
    log = UpdateLog(db, settle_s=0)
    log.bot_id = 1
    order = PerChatOrder(log)
    update = text_update(5, 10)

    async def not_stored() -> None:
        assert log.failed(5)  # the first failure: the person is told
        assert not log.failed(5)  # not again

    await order.process_update(update, not_stored())
    assert status_of(db, 5) == "received"
    assert await log.to_retry(set()) == [update.to_dict()]
    assert await log.to_retry({5}) == []  # in hand in this process: not queued twice

    async def stored() -> None:
        with db.session() as s:  # the gateway's transaction that stores the message
            log.stored_marker(5)(s)

    await order.process_update(text_update(5, 10), stored())
    assert status_of(db, 5) == "done"
    assert await log.to_retry(set()) == []


def test_an_update_left_processing_is_taken_again_after_the_lease_a_stored_one_never(db) -> None:  # type: ignore[no-untyped-def]
    lease = timedelta(seconds=60)
    now = utcnow()
    later = now + timedelta(seconds=61)
    with db.session() as s:
        for update_id in (1, 2):
            assert repo.claim_update(session=s, bot_id=1, update_id=update_id,
                                     payload={"update_id": update_id}, now=now, lease=lease) == repo.NEW
        repo.mark_stored(session=s, bot_id=1, update_id=2)
        # Within the lease: being handled; nothing to retry.
        assert repo.claim_update(session=s, bot_id=1, update_id=1, payload={}, now=now,
                                 lease=lease) == repo.DUPLICATE
        assert repo.updates_to_retry(session=s, bot_id=1, now=now, lease=lease,
                                     settle=timedelta(0)) == ([], 0)
        # After it: the one left processing again (its handler or finish failed); the
        # stored one is done (the pending turns answer it), never handled again.
        assert repo.updates_to_retry(session=s, bot_id=1, now=later, lease=lease,
                                     settle=timedelta(0)) == ([{"update_id": 1}], 0)
        assert s.get(TelegramUpdate, (1, 2)).status == "done"
        assert repo.claim_update(session=s, bot_id=1, update_id=2, payload={}, now=later,
                                 lease=lease) == repo.DUPLICATE
        assert repo.claim_update(session=s, bot_id=1, update_id=1, payload={}, now=later,
                                 lease=lease) == repo.NEW
        assert s.get(TelegramUpdate, (1, 1)).attempts == 2


def test_an_update_that_fails_every_time_is_given_up(db) -> None:  # type: ignore[no-untyped-def]
    lease = timedelta(seconds=1)
    now = utcnow()
    with db.session() as s:
        for attempt in range(repo.MAX_UPDATE_ATTEMPTS):
            assert repo.claim_update(session=s, bot_id=1, update_id=9, payload={"update_id": 9},
                                     now=now + attempt * 2 * lease, lease=lease) == repo.NEW
        end = now + repo.MAX_UPDATE_ATTEMPTS * 2 * lease
        assert repo.updates_to_retry(session=s, bot_id=1, now=end, lease=lease,
                                     settle=timedelta(0)) == ([], 1)
        row = s.get(TelegramUpdate, (1, 9))
        assert (row.status, row.payload) == ("done", None)


async def test_a_handler_that_failed_gives_its_update_back_and_tells_the_person_once(db) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from bot.channels.gateway import Reply
    from bot.channels.telegram.handlers import Handlers

    told: list[str] = []

    class Gateway:
        async def locale_of(self, conv: str, hint: str | None = None) -> str:
            return "nl"

        def render_app_message(self, key: str, locale: str) -> Reply:
            return Reply(key, [], locale)

    class Outbox:
        async def deliver(self, chat_id: int, conv: str, replies: list[Reply]) -> None:
            told.extend(r.text for r in replies)

    log = UpdateLog(db, settle_s=0)
    log.bot_id = 1
    handlers = Handlers(Gateway(), db, Outbox(), None, updates=log)  # type: ignore[arg-type]
    order = PerChatOrder(log)
    update = text_update(21, 10)
    context = SimpleNamespace(error=RuntimeError("boom"))

    async def failing() -> None:  # python-telegram-bot hands the error to on_error
        await handlers.on_error(update, context)  # type: ignore[arg-type]

    await order.process_update(update, failing())
    assert status_of(db, 21) == "received" and told == ["app_error"]
    # Taken again by the retry loop; fails again: given back again, not told again.
    assert await log.to_retry(set()) == [update.to_dict()]
    await order.process_update(text_update(21, 10), failing())
    assert status_of(db, 21) == "received" and told == ["app_error"]


async def test_a_crisis_message_does_not_wait_for_a_free_slot(db) -> None:  # type: ignore[no-untyped-def]
    log = UpdateLog(db)
    log.bot_id = 1
    order = PerChatOrder(log, max_concurrent_updates=1,
                         urgent=lambda update: "help me" in (update.effective_message.text or ""))
    release = asyncio.Event()
    handled: list[int] = []

    async def slow(update_id: int) -> None:
        await release.wait()
        handled.append(update_id)

    async def quick(update_id: int) -> None:
        handled.append(update_id)

    busy = asyncio.create_task(order.process_update(text_update(1, 10), slow(1)))
    await eventually(lambda: order.slots.locked(), timeout=10, what="the only slot taken")
    waiting = asyncio.create_task(order.process_update(text_update(2, 20), quick(2)))
    crisis = asyncio.create_task(order.process_update(text_update(3, 30, "help me"), quick(3)))
    await eventually(lambda: 3 in handled, timeout=10, what="the crisis message handled")
    assert handled == [3]  # the ordinary message of another chat still waits for the slot
    release.set()
    await asyncio.gather(busy, waiting, crisis)
    assert sorted(handled) == [1, 2, 3]


async def test_a_chat_whose_line_is_full_leaves_the_rest_in_the_log_for_later(db) -> None:  # type: ignore[no-untyped-def]
    log = UpdateLog(db, settle_s=0)
    log.bot_id = 1
    order = PerChatOrder(log, per_chat_line=1)
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    async def never() -> None:
        raise AssertionError("not handled now")

    first = asyncio.create_task(order.process_update(text_update(31, 10), slow()))
    await eventually(lambda: 31 in order.in_hand, timeout=10, what="the first in the line")
    await order.process_update(text_update(32, 10), never())  # the line is full
    assert status_of(db, 32) == "received"
    assert await log.to_retry(set(order.in_hand)) == [text_update(32, 10).to_dict()]
    release.set()
    await first

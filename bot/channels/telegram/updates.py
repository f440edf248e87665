"""The durable update log and per-chat order.

Each update is stored before it is handled (the webhook stores it before answering 200;
polling when it is taken), so one Telegram handed over survives a crash and is handled at
the next start. :class:`PerChatOrder` (python-telegram-bot's update processor) keeps one
line per chat: the updates of one chat are handled one at a time, in order, different
chats side by side, and an update takes one of the shared slots only once it is its turn
in its chat's line — so one person sending many messages while Rasa is slow holds one
slot, never all of them. An ``update_id`` seen before (a replayed webhook, a repeated
``getUpdates``) is dropped. Once handled, the update's content is dropped and its id kept.

An update whose handling failed before its message was stored (the database stayed
locked) is given back; one whose handler or ``finish`` failed otherwise stays
``processing``: :meth:`UpdateLog.to_retry` hands both out again after a while (the
channel's retry loop), never one whose message was stored (``stored``: the pending turns
answer it), so nothing is answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.clock import utcnow
from bot.db import telegram as repo
from bot.db.session import Database
from bot.lru import LruDict

logger = logging.getLogger(__name__)


class UpdateLog:
    """The ``telegram_updates`` table for one bot (``bot_id`` is known once connected)."""

    def __init__(self, db: Database, lease_s: float = 120.0, settle_s: float = 10.0) -> None:
        self.db = db
        self.bot_id = 0
        # An update left "processing" this long is taken again; one given back (or never
        # queued) is queued again once it has been "received" this long.
        self.lease = timedelta(seconds=lease_s)
        self.settle = timedelta(seconds=settle_s)
        # Updates whose handling failed before anything of them was stored: given back.
        self._failed: set[int] = set()
        # Updates whose person was told that their message could not be taken in yet.
        self._told: LruDict[int, bool] = LruDict(10_000)

    async def record(self, update_id: int, payload: dict[str, Any]) -> str:
        """Stored as received: ``repo.NEW``, or ``repo.DUPLICATE`` for a replay."""
        return await self.db.run(
            repo.record_update, bot_id=self.bot_id, update_id=update_id, payload=payload,
            status="received",
        )

    async def claim(self, update: Update) -> bool:
        """Taken for handling now; False when it is being handled or was handled."""
        self._failed.discard(update.update_id)
        status = await self.db.run_retrying(
            repo.claim_update, bot_id=self.bot_id, update_id=update.update_id,
            payload=update.to_dict(), now=utcnow(), lease=self.lease,
        )
        return status == repo.NEW

    def stored_marker(self, update_id: int) -> Callable[..., None]:
        """Marks the update ``stored`` in the transaction that stores its message."""

        def mark(session: Any) -> None:
            repo.mark_stored(session=session, bot_id=self.bot_id, update_id=update_id)

        return mark

    def failed(self, update_id: int) -> bool:
        """Its message could not be stored: give the update back when its handler ends.
        True the first time (the person is told once, not at every retry)."""
        self._failed.add(update_id)
        first = update_id not in self._told
        self._told[update_id] = True
        return first

    async def finish(self, update: Update) -> None:
        """Done — or, when its message could not be stored, given back for a retry. A
        failure here leaves it for :meth:`to_retry` (logged, not raised)."""
        given_back = update.update_id in self._failed
        self._failed.discard(update.update_id)
        try:
            if given_back:
                await self.db.run(repo.release_update, bot_id=self.bot_id, update_id=update.update_id)
                logger.warning("telegram update %s not stored: given back for a retry",
                               update.update_id)
            else:
                await self.db.run_retrying(repo.finish_update, bot_id=self.bot_id,
                                           update_id=update.update_id)
        except Exception as exc:  # noqa: BLE001 - the retry loop takes it up after the lease
            logger.error("telegram update %s: marking it %s failed (%s); retried later",
                         update.update_id, "received" if given_back else "done", type(exc).__name__)

    async def unhandled(self) -> list[dict[str, Any]]:
        """Accepted before the app stopped, never handled."""
        return await self.db.run(repo.unhandled_updates, bot_id=self.bot_id)

    async def to_retry(self, in_hand: set[int]) -> list[dict[str, Any]]:
        """Updates to handle again (see :func:`repo.updates_to_retry`)."""
        payloads, given_up = await self.db.run(
            repo.updates_to_retry, bot_id=self.bot_id, now=utcnow(), lease=self.lease,
            settle=self.settle, skip=set(in_hand),
        )
        if given_up:
            logger.error("%d telegram updates failed %d times: given up", given_up,
                         repo.MAX_UPDATE_ATTEMPTS)
        return payloads


# Updates in hand at once, all chats together (waiting in their chat's line or handled);
# more are left in the update log (received) and queued again by the retry loop.
MAX_IN_HAND = 5_000
# Updates of one chat waiting in its line; more are left in the log the same way.
PER_CHAT_LINE = 50


class PerChatOrder(BaseUpdateProcessor):
    """One line per chat: its updates one at a time and in order, different chats side by
    side; an update takes one of ``max_concurrent_updates`` slots only when it is its
    turn in its chat's line. An update seen before (replayed webhook, repeated
    getUpdates) is dropped.

    python-telegram-bot's own semaphore (taken before :meth:`do_process_update`) is made
    as large as ``MAX_IN_HAND`` so that it never holds an update back: before, an update
    took one of the 64 slots and then waited for its chat's lock, so one chat's flood
    held every slot while Rasa was slow. ``urgent(update)`` (a crisis phrase) skips the
    wait for a slot (never for its own chat's earlier messages: their order matters)."""

    def __init__(self, log: UpdateLog, max_concurrent_updates: int = 64,
                 urgent: Callable[[Update], bool] | None = None,
                 per_chat_line: int = PER_CHAT_LINE) -> None:
        super().__init__(MAX_IN_HAND)
        self.log = log
        self.slots = asyncio.Semaphore(max_concurrent_updates)
        self.urgent = urgent
        self.per_chat_line = per_chat_line
        # chat id -> (lock, updates of that chat in hand)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        # update ids in hand in this process (waiting in a line or being handled)
        self.in_hand: set[int] = set()
        # Called with an update the database could not take in (claim failed): queue it
        # again later (the channel sets it).
        self.requeue: Callable[[Update], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self.slots:
                await coroutine
            return
        if update.update_id in self.in_hand:
            coroutine.close()  # type: ignore[attr-defined]
            return  # queued twice (the retry loop): the first is enough
        chat = update.effective_chat
        key = chat.id if chat else 0
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        if users >= self.per_chat_line:
            # A flood from one chat: the rest stays in the update log and is queued again.
            coroutine.close()  # type: ignore[attr-defined]
            await self._leave_for_later(update)
            return
        self._locks[key] = (lock, users + 1)
        self.in_hand.add(update.update_id)
        try:
            async with lock:
                if self.urgent is not None and self.urgent(update):
                    await self._handle(update, coroutine)
                else:
                    async with self.slots:
                        await self._handle(update, coroutine)
        finally:
            self.in_hand.discard(update.update_id)
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _handle(self, update: Update, coroutine: Awaitable[Any]) -> None:
        try:
            claimed = await self.log.claim(update)
        except Exception as exc:  # noqa: BLE001 - the database could not take it: later
            coroutine.close()  # type: ignore[attr-defined]
            logger.error("telegram update %s could not be taken (%s): queued again later",
                         update.update_id, type(exc).__name__)
            if self.requeue is not None:
                self.requeue(update)
            return
        if not claimed:
            coroutine.close()  # type: ignore[attr-defined]
            logger.info("telegram update %s seen before: ignored", update.update_id)
            return
        try:
            await coroutine
        finally:
            await self.log.finish(update)

    async def _leave_for_later(self, update: Update) -> None:
        logger.warning("telegram update %s: its chat's line is full; handled later",
                       update.update_id)
        with contextlib.suppress(Exception):
            await self.log.record(update.update_id, update.to_dict())

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

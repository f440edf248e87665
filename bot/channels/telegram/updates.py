"""The durable update log and per-chat order.

Each update is stored before it is handled (the webhook stores it before answering 200;
polling when it is taken), so one Telegram handed over survives a crash and is handled at
the next start. :class:`PerChatOrder` (python-telegram-bot's update processor) handles the
updates of one chat one at a time, in order, different chats side by side; an
``update_id`` seen before (a replayed webhook, a repeated ``getUpdates``) is dropped.
Once handled, the update's content is dropped and its id kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.db import telegram as repo
from bot.db.session import Database

logger = logging.getLogger(__name__)


class UpdateLog:
    """The ``telegram_updates`` table for one bot (``bot_id`` is known once connected)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.bot_id = 0

    async def record(self, update_id: int, payload: dict[str, Any]) -> str:
        """Stored as received: ``repo.NEW``, or ``repo.DUPLICATE`` for a replay."""
        return await self.db.run(
            repo.record_update, bot_id=self.bot_id, update_id=update_id, payload=payload,
            status="received",
        )

    async def claim(self, update: Update) -> bool:
        """Taken for handling now; False when it is being handled or was handled."""
        status = await self.db.run(
            repo.claim_update, bot_id=self.bot_id, update_id=update.update_id,
            payload=update.to_dict(),
        )
        return status == repo.NEW

    async def finish(self, update: Update) -> None:
        await self.db.run(repo.finish_update, bot_id=self.bot_id, update_id=update.update_id)

    async def unhandled(self) -> list[dict[str, Any]]:
        """Accepted before the app stopped, never handled."""
        return await self.db.run(repo.unhandled_updates, bot_id=self.bot_id)


class PerChatOrder(BaseUpdateProcessor):
    """Updates of one chat one at a time and in order; different chats side by side.
    An update seen before (replayed webhook, repeated getUpdates) is dropped."""

    def __init__(self, log: UpdateLog, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self.log = log
        # chat id -> (lock, updates of that chat in hand)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        chat = update.effective_chat
        key = chat.id if chat else 0
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                if not await self.log.claim(update):
                    coroutine.close()  # type: ignore[attr-defined]
                    logger.info("telegram update %s seen before: ignored", update.update_id)
                    return
                try:
                    await coroutine
                finally:
                    await self.log.finish(update)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

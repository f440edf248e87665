"""Answers the pending turns (``pending_turns``) once Rasa and the action server are up.

A turn is pending when a part was down as the message came in (not started yet, crashed,
restarting) or when the app stopped mid-turn. Every second, while any turn is pending
and both parts answer, each waiting conversation is taken under its lock (so a new
message of that person waits behind it) and its turns are answered oldest first through
:meth:`Gateway.answer_turn`; the replies go out through the channel's pusher: the web chat
to every open tab of the session (with no tab open they are kept and shown when a tab
connects), Telegram through the outbox (queued with the stored replies). A part that goes down again stops the round; the rest waits for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.channels.gateway import Gateway, Reply
from bot.clock import utcnow
from bot.db import pending as repo
from bot.db.conversations import conversation_locale
from bot.i18n.locales import to_locale
from bot.privacy import log_id
from bot.rasa_client import Readiness

logger = logging.getLogger(__name__)

Pusher = Callable[[str, list[Reply]], Awaitable[None]]
INTERVAL_S = 1.0
# What the app waits before it takes a turn another process may be answering (seconds).
PENDING_GRACE_S = 5.0


@dataclass
class Channel:
    push: Pusher
    # False while the channel cannot send yet (Telegram before it connected).
    ready: Callable[[], bool] = lambda: True


@dataclass
class PendingTurns:
    gateway: Gateway
    readiness: Readiness
    channels: dict[str, Channel]
    interval_s: float = INTERVAL_S
    # A turn younger than this is left alone: the app process that received it may be
    # answering it right now (several app processes share the database; the conversation
    # lock is per process). A turn that is pending because a part was down is older by the
    # time the part is back; one left by a process that stopped mid-turn is taken after it.
    grace_s: float = 0.0
    _task: asyncio.Task | None = field(default=None, init=False)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.answer_waiting()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("pending turns")
            await asyncio.sleep(self.interval_s)

    async def answer_waiting(self) -> int:
        """One round: answer what waits, if the parts are up. Returns turns answered."""
        db = self.gateway.db
        if not await db.run(repo.any_pending):
            return 0
        missing = await self.readiness.missing(fresh=True)
        if missing:
            return 0
        answered = 0
        older_than = utcnow() - timedelta(seconds=self.grace_s) if self.grace_s else None
        for conv in await db.run(repo.conversations_waiting, older_than=older_than):
            turns_done = await self._answer_conversation(conv)
            if turns_done is None:
                if await self.readiness.missing(fresh=True):
                    break  # a part went down again: the next round
                continue  # only this conversation's turn failed: the others go on
            answered += turns_done
        if answered:
            left = await db.run(repo.pending_count)
            logger.info("answered %d pending turns (%d still pending)", answered, left)
        return answered

    async def _answer_conversation(self, conv: str) -> int | None:
        db = self.gateway.db
        answered = 0
        async with self.gateway.locks(conv):
            for turn in await db.run(repo.pending_of, conversation_id=conv):
                channel = self.channels.get(turn.channel)
                if channel is None or not channel.ready():
                    return answered  # this channel cannot send yet: kept for later
                # The conversation's locale, else the hint the message came with.
                locale = (
                    await db.run(conversation_locale, conversation_id=conv)
                    or to_locale(turn.metadata.get("language"))
                    or self.gateway.default_locale
                )
                replies = await self.gateway.answer_turn(turn, locale)
                if replies is None:
                    return None
                answered += 1
                try:
                    await channel.push(conv, replies)
                except Exception:  # noqa: BLE001 - stored; the person sees it next time
                    logger.exception("pushing a pending turn's answer to %s", log_id(conv))
        return answered

"""The app's housekeeping job: erasure requests that were not carried out yet, and retention.

Every ``interval_s`` (30 s) it carries out the erasure requests the gateway could not
(the confirming turn failed, the app stopped): each under the locks of all the person's
chats, so no turn of theirs runs meanwhile; a failure is retried with a growing wait
(``bot.db.erasure``). Once a day (and at start) it deletes what is older than the
retention periods (``bot.db.retention``). Times come from ``clock`` (tests inject one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels.turns import ConversationLocks
from bot.clock import utcnow
from bot.db import erasure
from bot.db.session import Database

logger = logging.getLogger(__name__)

INTERVAL_S = 30.0
RETENTION_EVERY = timedelta(days=1)


@dataclass
class Housekeeping:
    db: Database
    locks: ConversationLocks = field(default_factory=ConversationLocks)
    # ``retention(session=…, now=…)`` -> counts (bot.db.retention.run with the settings'
    # periods); None: no retention.
    retention: Callable[..., dict[str, int]] | None = None
    clock: Callable[[], datetime] = utcnow
    interval_s: float = INTERVAL_S
    _task: asyncio.Task | None = field(default=None, init=False)
    _next_retention: datetime | None = field(default=None, init=False)

    async def erase_due(self) -> int:
        """Carry out the due erasure requests; how many were done."""
        done = 0
        for request_id, conversation_id in await self.db.run(erasure.due_requests, now=self.clock()):
            identities = await self.db.run(erasure.identities_of, conversation_id=conversation_id)
            async with contextlib.AsyncExitStack() as held:
                # Every chat of the person, in one order (no turn of theirs runs meanwhile).
                for identity in sorted(identities):
                    await held.enter_async_context(self.locks(identity))
                try:
                    counts = await self.db.run(erasure.carry_out, request_id=request_id,
                                               now=self.clock())
                except Exception as exc:  # noqa: BLE001 - retried later, the others go on
                    logger.error("erasure request %s failed (%s): tried again later",
                                 request_id, type(exc).__name__)
                    with contextlib.suppress(Exception):
                        await self.db.run(erasure.failed, request_id=request_id,
                                          now=self.clock(), error=type(exc).__name__)
                    continue
            if counts is not None:
                logger.info("erasure request %s carried out by the job: %s", request_id, counts)
                done += 1
        return done

    async def retention_if_due(self) -> dict[str, int] | None:
        """Run retention once a day (the first time at once)."""
        now = self.clock()
        if self.retention is None or (self._next_retention is not None and now < self._next_retention):
            return None
        counts = await self.db.run(self.retention, now=now)
        self._next_retention = now + RETENTION_EVERY
        logger.info("retention: %s", counts)
        return counts

    async def tick(self) -> None:
        await self.erase_due()
        await self.retention_if_due()

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
                await self.tick()
            except Exception as exc:  # noqa: BLE001 - the loop must go on
                logger.error("housekeeping failed (%s)", type(exc).__name__)
            await asyncio.sleep(self.interval_s)

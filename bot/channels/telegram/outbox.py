"""No reply lost: replies go into ``telegram_outbox`` first, then to Telegram, in order per
chat. 429 waits ``retry_after``; 5xx and network errors are retried with backoff; what
still cannot go waits in the outbox for the retry loop (every few seconds)."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.gateway import Reply
from bot.channels.telegram.compose import compose
from bot.channels.turns import REMEMBERED
from bot.clock import as_utc, utcnow
from bot.db import telegram as repo
from bot.db.session import Database
from bot.lru import LruDict
from bot.metrics import Metrics
from bot.privacy import log_id

logger = logging.getLogger(__name__)

# Send attempts within one turn before a message waits for the retry loop.
INLINE_ATTEMPTS = 4
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)
# A retry_after longer than this is not waited for inside the turn.
MAX_INLINE_WAIT_S = 30.0
RETRY_LOOP_S = 5.0


class Outbox:
    """The outbox of one bot (``bot_id`` is known once connected)."""

    def __init__(self, db: Database, bot: Any, metrics: Metrics | None = None) -> None:
        self.db = db
        self.bot = bot
        self.metrics = metrics or Metrics()
        self.bot_id = 0
        # One lock per chat being sent to; idle ones are forgotten (bounded).
        self._send_locks: LruDict[int, asyncio.Lock] = LruDict(
            REMEMBERED, keep=lambda lock: lock.locked()
        )

    def enqueue(self, session: Any, conv: str, replies: list[Reply]) -> None:
        """Queue a turn's replies in the transaction that stores them (the gateway calls
        this: a reply is stored and queued together, or neither); :meth:`flush` sends."""
        messages = [(m.text, m.reply_markup) for m in compose(replies)]
        _enqueue(session=session, bot_id=self.bot_id, chat_id=chat_of(conv), conv=conv,
                 messages=messages)

    async def deliver(self, chat_id: int, conv: str, replies: list[Reply]) -> None:
        """Put the replies in the outbox (so they survive failures), then send them."""
        messages = [(m.text, m.reply_markup) for m in compose(replies)]
        await self.db.run(_enqueue, bot_id=self.bot_id, chat_id=chat_id, conv=conv,
                          messages=messages)
        await self.flush(chat_id)

    async def flush(self, chat_id: int) -> None:
        """Send what waits for one chat, oldest first; stop at the first that must wait."""
        lock = self._send_locks.get_or_create(chat_id, asyncio.Lock)
        async with lock:
            pending = await self.db.run(repo.pending_for_chat, bot_id=self.bot_id, chat_id=chat_id)
            now = utcnow()
            for row in pending:
                due = as_utc(row.next_attempt_at)
                if due is not None and due > now:
                    return
                if not await self._send_with_retries(row):
                    return

    async def _send_with_retries(self, row: Any) -> bool:
        """True when Telegram took the message (or it can never be delivered)."""
        markup = InlineKeyboardMarkup.de_json(row.reply_markup, self.bot) if row.reply_markup else None
        parse_mode: str | None = ParseMode.HTML
        text = row.text
        error = ""
        for attempt in range(INLINE_ATTEMPTS):
            try:
                await self.bot.send_message(
                    row.chat_id, text, parse_mode=parse_mode, reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                await self.db.run(repo.delivered, outbox_id=row.id)
                return True
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                error = f"429 retry after {wait}s"
                self.metrics.telegram_retry("rate_limited")
                if wait > MAX_INLINE_WAIT_S:
                    await self._later(row.id, wait, error)
                    return False
                await asyncio.sleep(wait)
            except Forbidden as exc:
                # Blocked by the person, or the chat is gone: nothing will ever arrive.
                logger.warning("telegram chat %s refuses messages: %s", log_id(f"telegram:{row.chat_id}"), exc)
                await self.db.run(repo.delivered, outbox_id=row.id)
                return True
            except BadRequest as exc:
                if parse_mode is not None and "parse" in str(exc).lower():
                    # Should not happen (everything is escaped), but never lose the text.
                    logger.error("telegram rejected HTML, sending plain text: %s", exc)
                    parse_mode, text = None, html.unescape(text)
                    continue
                logger.error("telegram refused message %s: %s", row.id, exc)
                self.metrics.error("telegram_refused")
                await self._later(row.id, 300.0, f"400 {exc}")
                return False
            except NetworkError as exc:  # 5xx, time-outs, connection errors
                error = f"network: {exc}"
                logger.warning("telegram send failed (attempt %d): %s", attempt + 1, exc)
                self.metrics.telegram_retry("network")
                self.metrics.error("telegram_send")
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
        await self._later(row.id, RETRY_LOOP_S, error)
        return False

    async def _later(self, outbox_id: int, seconds: float, error: str) -> None:
        self.metrics.telegram_retry("deferred")
        await self.db.run(repo.retry_later, outbox_id=outbox_id,
                          delay=timedelta(seconds=seconds), error=error)

    async def retry_loop(self) -> None:
        """Sends what is waiting in the outbox (after a 429, an outage, a restart)."""
        while True:
            try:
                for chat_id in await self.db.run(repo.chats_due, bot_id=self.bot_id, now=utcnow()):
                    await self.flush(chat_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("telegram retry loop")
            await asyncio.sleep(RETRY_LOOP_S)


def chat_of(conv: str) -> int:
    """The private chat of ``telegram:<user id>`` (a private chat's id is the user's)."""
    return int(conv.split(":", 1)[1])


def _enqueue(*, session: Any, bot_id: int, chat_id: int, conv: str,
             messages: list[tuple[str, dict[str, Any] | None]]) -> None:
    for text, markup in messages:
        repo.add_outgoing(session=session, bot_id=bot_id, chat_id=chat_id, conversation_id=conv,
                          text=text, reply_markup=markup)


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)

"""The Telegram channel's life cycle: connect (retrying while Telegram cannot be reached),
the command menu, the webhook or polling, the updates left from before a restart, the
outbox's retry loop; and what the rest of the app asks of Telegram (push a reply, fetch a
file, tell a staff member)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError
from telegram.ext import Application, ApplicationBuilder

from bot.channels.gateway import Gateway, Reply
from bot.channels.telegram.compose import escaped
from bot.channels.telegram.handlers import CHANNEL, Handlers, StartHook
from bot.channels.telegram.outbox import Outbox, chat_of
from bot.channels.telegram.updates import PerChatOrder, UpdateLog
from bot.db import telegram as repo
from bot.db.session import Database
from bot.i18n.locales import LOCALES
from bot.settings import Settings

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "channel_post",
]
# How often updates to handle again are looked for.
RETRY_INTERVAL_S = 5.0
MENU = ("start", "language", "help", "casemanager", "forget")
# Telegram's language_code for setMyCommands (ISO 639-1) per locale.
TELEGRAM_LANGUAGE = {"ar": "ar", "ti": "ti", "fa_AF": "fa", "en": "en", "nl": "nl"}


class TelegramChannel:
    def __init__(self, settings: Settings, gateway: Gateway, db: Database,
                 start_hook: StartHook | None = None) -> None:
        self.settings = settings
        self.gateway = gateway
        self.updates = UpdateLog(db, lease_s=settings.telegram_update_lease_s)
        self.processor = PerChatOrder(self.updates, settings.telegram_concurrency,
                                      urgent=self._urgent)
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
            .concurrent_updates(self.processor)
        )
        if settings.telegram_mode != "polling":
            builder = builder.updater(None)
        self.application: Application = builder.build()
        self.outbox = Outbox(db, self.application.bot, gateway.metrics)
        # The gateway queues every reply of a Telegram turn in the outbox as it stores it.
        gateway.deliveries[CHANNEL] = self.outbox.enqueue
        Handlers(gateway, db, self.outbox, self.application.bot, start_hook,
                 updates=self.updates).register(self.application)
        self.ready = False
        self._tasks: list[asyncio.Task] = []

    @property
    def bot(self) -> Any:
        return self.application.bot

    @property
    def webhook_secret(self) -> str:
        return self.settings.webhook_secret

    # Life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to Telegram, retrying while it cannot be reached; the web chat keeps
        working meanwhile."""
        delay = 1.0
        while True:
            try:
                await self._start_once()
                return
            except (NetworkError, OSError) as exc:
                logger.warning("Telegram not reachable (%s); retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _start_once(self) -> None:
        app = self.application
        await app.initialize()  # getMe; does nothing when it already succeeded
        self.updates.bot_id = self.outbox.bot_id = app.bot.id
        await self._set_commands()
        if self.settings.telegram_mode == "polling":
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=self.settings.telegram_poll_timeout_s,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        else:
            if self.settings.telegram_webhook_url:
                await app.bot.set_webhook(
                    url=self.settings.telegram_webhook_url,
                    secret_token=self.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
            else:
                logger.warning("TELEGRAM_WEBHOOK_URL is not set: the webhook is not registered")
        await app.start()
        self.ready = True
        for payload in await self.updates.unhandled():
            await app.update_queue.put(Update.de_json(payload, app.bot))
        loop = asyncio.get_running_loop()
        self.processor.requeue = lambda update: loop.call_later(
            RETRY_INTERVAL_S, app.update_queue.put_nowait, update)
        self._tasks.append(asyncio.create_task(self.outbox.retry_loop()))
        self._tasks.append(asyncio.create_task(self._retry_updates()))
        logger.info(
            "Telegram channel ready (%s) as @%s", self.settings.telegram_mode, app.bot.username
        )

    def _urgent(self, update: Update) -> bool:
        """A message with a crisis phrase: it does not wait for a free slot."""
        message = update.effective_message
        text = (message.text or message.caption or "") if message is not None else ""
        return bool(text) and self.gateway.is_crisis(text)

    async def _retry_updates(self) -> None:
        """Every few seconds: updates given back after a failure, left ``processing``
        past the lease, or never queued, are queued again (:meth:`UpdateLog.to_retry`)."""
        while True:
            await asyncio.sleep(RETRY_INTERVAL_S)
            try:
                for payload in await self.updates.to_retry(self.processor.in_hand):
                    await self.application.update_queue.put(Update.de_json(payload, self.bot))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must survive (a busy database)
                logger.error("telegram update retry round failed: %s", type(exc).__name__)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        app = self.application
        with contextlib.suppress(Exception):
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
        with contextlib.suppress(Exception):
            if app.running:
                await app.stop()
        with contextlib.suppress(Exception):
            await app.shutdown()
        self.ready = False

    async def _set_commands(self) -> None:
        """The command menu in every locale (and English for everyone else)."""
        for locale in (None, *LOCALES):
            render_in = locale or "en"
            commands = [
                BotCommand(
                    name,
                    self.gateway.render_app_message(f"telegram_command_{name}", render_in).text[:256],
                )
                for name in MENU
            ]
            await self.bot.set_my_commands(
                commands, language_code=TELEGRAM_LANGUAGE[locale] if locale else None
            )

    # Receiving -------------------------------------------------------------------------

    async def receive_webhook(self, payload: dict[str, Any]) -> str:
        """An update from the webhook route: stored first, then queued. Returns
        ``new`` or ``duplicate``."""
        update = Update.de_json(payload, self.bot)
        status = await self.updates.record(update.update_id, payload)
        if status == repo.NEW:
            await self.application.update_queue.put(update)
        else:
            logger.info("telegram update %s replayed: ignored", update.update_id)
        return status

    # What the rest of the app asks ---------------------------------------------------------

    async def push(self, conv: str, replies: list[Reply]) -> None:
        """A message that is not an answer to an update (a casemanager's reply)."""
        user_id = int(conv.split(":", 1)[1])
        await self.outbox.deliver(user_id, conv, replies)

    async def send_queued(self, conv: str, replies: list[Reply]) -> None:
        """Send what waits in the outbox for this conversation (the gateway queued the
        replies of a pending turn when it stored them)."""
        await self.outbox.flush(chat_of(conv))

    async def fetch_file(self, file_id: str) -> bytes:
        """A file a person sent (photo of a letter, document), for the inbox."""
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    async def notify_staff(self, chat_id: int, text: str) -> None:
        """A notice to a casemanager's own Telegram (not a conversation)."""
        await self.bot.send_message(chat_id, escaped(text), parse_mode=ParseMode.HTML)

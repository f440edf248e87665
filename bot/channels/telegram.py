"""Telegram, with python-telegram-bot 22: webhook (production) or polling (development).

Every update goes the same way, whatever brought it:

1. the webhook route checks Telegram's secret header and stores the update (status
   ``received``) before it answers 200, so an update Telegram handed over survives a crash;
   polling stores it when it is taken;
2. :class:`PerChatOrder` (PTB's update processor) handles the updates of one chat one at a
   time, in order, different chats side by side; an ``update_id`` seen before is a replay
   and is dropped;
3. the handlers below turn the update into an :class:`Incoming` for the gateway (the same
   path as the web chat: ``telegram:<user id>``, the same linking and locale rules);
4. the replies go into the outbox first and are then sent in order; 429 (``retry_after``),
   5xx and network errors are retried with backoff, and what still fails stays in the
   outbox for the retry loop, so no reply is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import logging
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.concurrency import run_in_threadpool
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.gateway import Gateway, Incoming, Reply
from bot.db import telegram as repo
from bot.db.clients import find_code
from bot.db.conversations import recent_buttons
from bot.db.session import session_scope
from bot.db.staff import STAFF_CODE_PREFIX, link_telegram
from bot.i18n.locales import LOCALES
from bot.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "channel_post",
]
# Menu commands → the payload the bot understands (the channel vouches for these).
COMMANDS = {
    "language": "/set_language",
    "help": "/help",
    "casemanager": "/talk_to_casemanager",
    "forget": "/forget_me",
}
MENU = ("start", "language", "help", "casemanager", "forget")
# Telegram's language_code for setMyCommands (ISO 639-1) per locale.
TELEGRAM_LANGUAGE = {"ar": "ar", "ti": "ti", "fa_AF": "fa", "en": "en", "nl": "nl"}
NOOP = "noop"
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
# Send attempts within one turn before a message waits for the retry loop.
INLINE_ATTEMPTS = 4
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)
# A retry_after longer than this is not waited for inside the turn.
MAX_INLINE_WAIT_S = 30.0
RETRY_LOOP_S = 5.0


def conversation_id(user_id: int) -> str:
    return f"{CHANNEL}:{user_id}"


# Composing messages -------------------------------------------------------------------


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into parts of at most ``limit``: at paragraphs, else lines, else words."""
    if telegram_length(text) <= limit:
        return [text]
    for sep in ("\n\n", "\n", " "):
        pieces = text.split(sep)
        if len(pieces) == 1:
            continue
        parts: list[str] = []
        current = ""
        for piece in pieces:
            candidate = f"{current}{sep}{piece}" if current else piece
            if telegram_length(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            current = piece
        parts.append(current)
        # A piece may still be too long: cut it at the next finer boundary.
        return [p for part in parts for p in split_text(part, limit) if p]
    # One unbroken run of characters: cut hard, never inside a surrogate pair.
    parts, current = [], ""
    for ch in text:
        if telegram_length(current + ch) > limit:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current] if current else parts


def button_token(payload: str) -> str:
    """``callback_data`` for a button: short (Telegram allows 64 bytes) and opaque; the
    payload itself is looked up among the buttons this person was offered."""
    return "b:" + hashlib.sha256(payload.encode()).hexdigest()[:24]


def keyboard(buttons: list[dict[str, str]]) -> dict[str, Any] | None:
    """An inline keyboard: two buttons a row when the titles are short, else one."""
    if not buttons:
        return None
    items = [{"text": b["title"], "callback_data": button_token(b["payload"])} for b in buttons]
    per_row = 2 if all(len(b["title"]) <= 16 for b in buttons) else 1
    return {"inline_keyboard": [items[i : i + per_row] for i in range(0, len(items), per_row)]}


@dataclass
class OutMessage:
    text: str  # HTML, escaped
    reply_markup: dict[str, Any] | None = None


def compose(replies: list[Reply], limit: int = TEXT_LIMIT) -> list[OutMessage]:
    """The replies of one turn as few Telegram messages as fit.

    Rasa's REST channel splits a text at blank lines; here the paragraphs are joined again,
    up to ``limit`` characters, so one answer reads as one message. A reply with buttons
    ends a message (the keyboard belongs under its text). Everything is escaped for HTML.
    """
    out: list[OutMessage] = []
    paragraphs: list[str] = []

    def flush(markup: dict[str, Any] | None) -> None:
        text = "\n\n".join(paragraphs)
        paragraphs.clear()
        if not text:
            return
        parts = split_text(text, limit)
        out.extend(OutMessage(p) for p in parts[:-1])
        out.append(OutMessage(parts[-1], markup))

    for reply in replies:
        escaped = html.escape(reply.text.strip(), quote=False)
        joined = "\n\n".join([*paragraphs, escaped]) if escaped else "\n\n".join(paragraphs)
        if paragraphs and telegram_length(joined) > limit:
            flush(None)
        if escaped:
            paragraphs.append(escaped)
        if reply.buttons:
            if not paragraphs:
                paragraphs.append("…")
            flush(keyboard(reply.buttons))
    flush(None)
    return out


# What kind of message a person sent ---------------------------------------------------

ATTACHMENT_KINDS = (
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "sticker",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


def describe(message: Any) -> tuple[str, dict[str, Any] | None]:
    """(kind, attachment) of a non-text Telegram message; attachment holds the file_id."""
    for kind in ATTACHMENT_KINDS:
        value = getattr(message, kind, None)
        if not value:
            continue
        if kind == "photo":  # sizes, smallest first
            value = value[-1]
        attachment: dict[str, Any] = {"type": kind}
        for attr in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size"):
            if getattr(value, attr, None) is not None:
                attachment[attr] = getattr(value, attr)
        return kind, attachment
    return "unsupported", None


# Update processing --------------------------------------------------------------------


class PerChatOrder(BaseUpdateProcessor):
    """Updates of one chat one at a time and in order; different chats side by side.
    An update seen before (replayed webhook, repeated getUpdates) is dropped."""

    def __init__(self, channel: TelegramChannel, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self.channel = channel
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
                if not await self.channel.claim(update):
                    coroutine.close()  # type: ignore[attr-defined]
                    logger.info("telegram update %s seen before: ignored", update.update_id)
                    return
                try:
                    await coroutine
                finally:
                    await self.channel.finish(update)
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


@dataclass
class TelegramChannel:
    settings: Settings
    gateway: Gateway
    application: Application = field(init=False)
    ui: Any = None  # bot.web.ui.UiCatalog, for staff-facing texts
    bot_id: int = 0
    ready: bool = False
    _send_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    def __post_init__(self) -> None:
        builder = (
            ApplicationBuilder()
            .token(self.settings.telegram_token)
            .base_url(self.settings.telegram_api_base_url)
            .base_file_url(self.settings.telegram_api_base_url.replace("/bot", "/file/bot"))
            .concurrent_updates(PerChatOrder(self))
        )
        if self.settings.telegram_mode != "polling":
            builder = builder.updater(None)
        self.application = builder.build()
        self._add_handlers()

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
        self.bot_id = app.bot.id
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
        for payload in await run_in_threadpool(self._unhandled):
            await app.update_queue.put(Update.de_json(payload, app.bot))
        self._tasks.append(asyncio.create_task(self._retry_loop()))
        logger.info(
            "Telegram channel ready (%s) as @%s", self.settings.telegram_mode, app.bot.username
        )

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
                    self.gateway.renderer.render(f"telegram_command_{name}", render_in).text[:256],
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
        status = await run_in_threadpool(self._record, update.update_id, payload)
        if status == repo.NEW:
            await self.application.update_queue.put(update)
        else:
            logger.info("telegram update %s replayed: ignored", update.update_id)
        return status

    def _record(self, update_id: int, payload: dict[str, Any]) -> str:
        with session_scope() as s:
            return repo.record_update(
                session=s, bot_id=self.bot_id, update_id=update_id, payload=payload,
                status="received",
            )

    async def claim(self, update: Update) -> bool:
        def _claim() -> bool:
            with session_scope() as s:
                return (
                    repo.claim_update(
                        session=s, bot_id=self.bot_id, update_id=update.update_id,
                        payload=update.to_dict(),
                    )
                    == repo.NEW
                )

        return await run_in_threadpool(_claim)

    async def finish(self, update: Update) -> None:
        def _finish() -> None:
            with session_scope() as s:
                repo.finish_update(session=s, bot_id=self.bot_id, update_id=update.update_id)

        await run_in_threadpool(_finish)

    def _unhandled(self) -> list[dict[str, Any]]:
        with session_scope() as s:
            return repo.unhandled_updates(session=s, bot_id=self.bot_id)

    # Handlers --------------------------------------------------------------------------

    def _add_handlers(self) -> None:
        private = filters.ChatType.PRIVATE
        app = self.application
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(
            MessageHandler(
                ~private & (filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS),
                self.on_group,
            )
        )
        app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, self.on_edited))
        app.add_handler(CommandHandler("start", self.on_start, filters=private))
        app.add_handler(CommandHandler(list(COMMANDS), self.on_command, filters=private))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(private, self.on_other))
        app.add_error_handler(self.on_error)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, or /start <link code> from a deep link t.me/<bot>?start=<code>."""
        conv = conversation_id(update.effective_user.id)
        hint = update.effective_user.language_code
        argument = " ".join(context.args or [])[:64]
        if argument.startswith(STAFF_CODE_PREFIX):
            await self._link_staff(update, argument.removeprefix(STAFF_CODE_PREFIX))
            return
        code = find_code(argument)
        if await self.gateway.is_new(conv) or not code:
            await self._turn(update, Incoming(conv, CHANNEL, "/start", "command", hint))
        if code:
            await self._turn(update, Incoming(conv, CHANNEL, code, "text", hint))

    async def _link_staff(self, update: Update, code: str) -> None:
        """A casemanager links their own Telegram for notifications (not a conversation
        with the bot: nothing is stored as one)."""
        chat_id = update.effective_chat.id

        def _link() -> tuple[bool, str]:
            with session_scope() as s:
                staff = link_telegram(session=s, code=code, chat_id=chat_id,
                                      secret=self.settings.secret_key,
                                      now=datetime.now(timezone.utc))
                return (staff is not None), (staff.locale if staff else "nl") or "nl"

        linked, locale = await run_in_threadpool(_link)
        text = self.ui.gettext(
            locale,
            "Linked: new requests in your inbox will be announced here."
            if linked else "This code is not valid (any more). Make a new one in the inbox.",
        )
        await self._quietly(self.bot.send_message(chat_id, html.escape(text, quote=False),
                                                  parse_mode=ParseMode.HTML))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/language, /help, /casemanager, /forget from the menu."""
        name = update.message.text.split()[0].lstrip("/").split("@")[0].lower()
        user = update.effective_user
        await self._turn(
            update,
            Incoming(conversation_id(user.id), CHANNEL, COMMANDS[name], "command",
                     user.language_code),
        )

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything typed (an unknown /command too: the gateway treats it as text)."""
        user = update.effective_user
        await self._turn(
            update,
            Incoming(conversation_id(user.id), CHANNEL, update.message.text, "text",
                     user.language_code),
        )

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice notes, photos, files, stickers, locations, contacts, …: stored, answered."""
        user = update.effective_user
        kind, attachment = describe(update.message)
        await self._turn(
            update,
            Incoming(
                conversation_id(user.id), CHANNEL, update.message.caption or "", kind,
                user.language_code, attachment,
            ),
        )

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A changed message: stored, not re-read; the person is asked to send it again."""
        user = update.effective_user
        message = update.edited_message
        await self._turn(
            update,
            Incoming(conversation_id(user.id), CHANNEL, message.text or message.caption or "",
                     "edited", user.language_code),
        )

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tapped inline button: answered at once, handled as the button's payload."""
        query = update.callback_query
        user = update.effective_user
        conv = conversation_id(user.id)
        if query.data == NOOP:
            await self._quietly(query.answer())
            return
        button = await run_in_threadpool(self._offered_button, conv, query.data or "")
        if button is None:
            locale = await self.gateway.locale_of(conv, user.language_code)
            note = self.gateway.renderer.render("app_button_expired", locale).text
            await self._quietly(query.answer(text=note[:200]))
            return
        await self._quietly(query.answer())
        if query.message is not None:
            # Keep only the chosen button, so the choice stays visible and cannot repeat.
            chosen = InlineKeyboardMarkup(
                [[InlineKeyboardButton("✓ " + button["title"], callback_data=NOOP)]]
            )
            await self._quietly(query.edit_message_reply_markup(reply_markup=chosen))
        await self._turn(
            update, Incoming(conv, CHANNEL, button["payload"], "button", user.language_code)
        )

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot is for private chats: in a group it says so and leaves; a channel it
        just leaves. Nothing of the group is stored."""
        chat = update.effective_chat
        if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            await self._say_private_only(chat.id, update.effective_user)
        await self._quietly(self.bot.leave_chat(chat.id))

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group: leave. Blocked by a person: stop sending to them."""
        change = update.my_chat_member
        chat = change.chat
        status = change.new_chat_member.status
        if chat.type == ChatType.PRIVATE:
            if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
                logger.info("telegram user blocked the bot: %s", conversation_id(chat.id))
            return
        if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
            if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
                await self._say_private_only(chat.id, change.from_user)
            await self._quietly(self.bot.leave_chat(chat.id))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One place for every failure: log it, and tell the person in their language."""
        logger.error("telegram update failed: %r", context.error, exc_info=context.error)
        if not isinstance(update, Update) or update.effective_user is None:
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        conv = conversation_id(update.effective_user.id)
        with contextlib.suppress(Exception):
            locale = await self.gateway.locale_of(conv, update.effective_user.language_code)
            await self.deliver(chat.id, conv, [self.gateway.render_app_message("app_error", locale)])

    # One turn ----------------------------------------------------------------------------

    async def _turn(self, update: Update, incoming: Incoming) -> None:
        chat_id = update.effective_chat.id
        async with self._typing(chat_id):
            replies = await self.gateway.handle(incoming)
        await self.deliver(chat_id, incoming.conversation_id, replies)

    @contextlib.asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        """'typing…' while the bot thinks (Telegram shows it for about 5 seconds)."""

        async def keep_typing() -> None:
            while True:
                await self._quietly(self.bot.send_chat_action(chat_id, ChatAction.TYPING))
                await asyncio.sleep(4.5)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _say_private_only(self, chat_id: int, user: Any) -> None:
        locale = self.gateway.default_locale
        if user is not None:
            locale = await self.gateway.locale_of(
                conversation_id(user.id), user.language_code
            )
        text = self.gateway.renderer.render("app_private_only", locale).text
        await self._quietly(self.bot.send_message(chat_id, html.escape(text, quote=False),
                                                  parse_mode=ParseMode.HTML))

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> Any:
        """For calls whose failure must not stop a turn (typing, answering a tap)."""
        try:
            return await call
        except TelegramError as exc:
            logger.warning("telegram call failed (ignored): %s", exc)
            return None

    def _offered_button(self, conv: str, token: str) -> dict[str, str] | None:
        with session_scope() as s:
            for b in recent_buttons(session=s, conversation_id=conv):
                if button_token(b["payload"]) == token:
                    return b
        return None

    # Sending -----------------------------------------------------------------------------

    async def push(self, conv: str, replies: list[Reply]) -> None:
        """A message that is not an answer to an update (a casemanager's reply)."""
        user_id = int(conv.split(":", 1)[1])
        await self.deliver(user_id, conv, replies)

    async def fetch_file(self, file_id: str) -> bytes:
        """A file a person sent (photo of a letter, document), for the inbox."""
        file = await self.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    async def notify_staff(self, chat_id: int, text: str) -> None:
        """A notice to a casemanager's own Telegram (not a conversation)."""
        await self.bot.send_message(chat_id, html.escape(text, quote=False),
                                    parse_mode=ParseMode.HTML)

    async def deliver(self, chat_id: int, conv: str, replies: list[Reply]) -> None:
        """Put the replies in the outbox (so they survive failures), then send them."""
        messages = compose(replies)

        def _enqueue() -> None:
            with session_scope() as s:
                for m in messages:
                    repo.add_outgoing(
                        session=s, bot_id=self.bot_id, chat_id=chat_id, conversation_id=conv,
                        text=m.text, reply_markup=m.reply_markup,
                    )

        await run_in_threadpool(_enqueue)
        await self.flush(chat_id)

    async def flush(self, chat_id: int) -> None:
        """Send what waits for one chat, oldest first; stop at the first that must wait."""
        lock = self._send_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            pending = await run_in_threadpool(self._pending, chat_id)
            now = datetime.now(timezone.utc)
            for row in pending:
                due = row.next_attempt_at
                if due is not None and due.replace(tzinfo=due.tzinfo or timezone.utc) > now:
                    return
                if not await self._send_with_retries(row):
                    return

    def _pending(self, chat_id: int) -> list[Any]:
        with session_scope() as s:
            return repo.pending_for_chat(session=s, bot_id=self.bot_id, chat_id=chat_id)

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
                await run_in_threadpool(self._delivered, row.id)
                return True
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                error = f"429 retry after {wait}s"
                if wait > MAX_INLINE_WAIT_S:
                    await run_in_threadpool(self._later, row.id, wait, error)
                    return False
                await asyncio.sleep(wait)
            except Forbidden as exc:
                # Blocked by the person, or the chat is gone: nothing will ever arrive.
                logger.warning("telegram chat %s refuses messages: %s", row.chat_id, exc)
                await run_in_threadpool(self._delivered, row.id)
                return True
            except BadRequest as exc:
                if parse_mode is not None and "parse" in str(exc).lower():
                    # Should not happen (everything is escaped), but never lose the text.
                    logger.error("telegram rejected HTML, sending plain text: %s", exc)
                    parse_mode, text = None, html.unescape(text)
                    continue
                logger.error("telegram refused message %s: %s", row.id, exc)
                await run_in_threadpool(self._later, row.id, 300.0, f"400 {exc}")
                return False
            except NetworkError as exc:  # 5xx, time-outs, connection errors
                error = f"network: {exc}"
                logger.warning("telegram send failed (attempt %d): %s", attempt + 1, exc)
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
        await run_in_threadpool(self._later, row.id, RETRY_LOOP_S, error)
        return False

    def _delivered(self, outbox_id: int) -> None:
        with session_scope() as s:
            repo.delivered(session=s, outbox_id=outbox_id)

    def _later(self, outbox_id: int, seconds: float, error: str) -> None:
        with session_scope() as s:
            repo.retry_later(
                session=s, outbox_id=outbox_id, delay=timedelta(seconds=seconds), error=error
            )

    async def _retry_loop(self) -> None:
        """Sends what is waiting in the outbox (after a 429, an outage, a restart)."""
        while True:
            try:
                def _due() -> list[int]:
                    with session_scope() as s:
                        return repo.chats_due(
                            session=s, bot_id=self.bot_id, now=datetime.now(timezone.utc)
                        )

                for chat_id in await run_in_threadpool(_due):
                    await self.flush(chat_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("telegram retry loop")
            await asyncio.sleep(RETRY_LOOP_S)


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)

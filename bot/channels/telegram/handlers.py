"""The handlers: each kind of update becomes an :class:`Incoming` for the gateway (the
same path as the web chat: ``telegram:<user id>``, the same linking and locale rules), and
the replies go to the outbox. Groups and channels are left; one error handler logs and
tells the person."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.gateway import Gateway, Incoming, NotStored
from bot.channels.telegram.compose import button_token, escaped
from bot.channels.telegram.outbox import Outbox
from bot.channels.telegram.updates import UpdateLog
from bot.db.conversations import recent_buttons
from bot.db.session import Database
from bot.linkcodes import find_code
from bot.privacy import log_id

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
# Menu commands → the payload the bot understands (the channel vouches for these).
COMMANDS = {
    "language": "/set_language",
    "help": "/help",
    "casemanager": "/talk_to_casemanager",
    "forget": "/forget_me",
}
NOOP = "noop"
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
# Called with the argument of ``/start <argument>`` and the chat id before the bot sees it;
# returns the text to answer when it took the argument (a staff member linking their own
# Telegram), else None.
StartHook = Callable[[str, int], Awaitable[str | None]]


def conversation_id(user_id: int) -> str:
    return f"{CHANNEL}:{user_id}"


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


async def quietly(call: Awaitable[Any]) -> Any:
    """For calls whose failure must not stop a turn (typing, answering a tap)."""
    try:
        return await call
    except TelegramError as exc:
        logger.warning("telegram call failed (ignored): %s", exc)
        return None


class Handlers:
    def __init__(self, gateway: Gateway, db: Database, outbox: Outbox, bot: Any,
                 start_hook: StartHook | None = None, updates: UpdateLog | None = None) -> None:
        self.updates = updates
        self.gateway = gateway
        self.db = db
        self.outbox = outbox
        self.bot = bot
        self.start_hook = start_hook

    def register(self, app: Application) -> None:
        private = filters.ChatType.PRIVATE
        # Before every other handler (group -1): who sent it must be whose chat it is.
        app.add_handler(TypeHandler(Update, self.check_sender), group=-1)
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

    async def check_sender(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A private chat's updates come from the person whose chat it is (``chat.id ==
        from.id``). Any other is dropped before a handler sees it: otherwise one person's
        name and appointments could be sent to another's chat, or ``/forget`` erase them."""
        if not sender_is_chat(update):
            # Only the update id and its kind: no user or chat id, no text.
            logger.warning("telegram update %s dropped: the sender is not the chat (%s)",
                           update.update_id, _kind(update))
            raise ApplicationHandlerStop

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, or /start <link code> from a deep link t.me/<bot>?start=<code>."""
        conv = conversation_id(update.effective_user.id)
        hint = update.effective_user.language_code
        argument = " ".join(context.args or [])[:64]
        if argument and self.start_hook is not None:
            answer = await self.start_hook(argument, update.effective_chat.id)
            if answer is not None:
                # Not a conversation with the bot: nothing is stored as one.
                await quietly(self.bot.send_message(update.effective_chat.id, escaped(answer),
                                                    parse_mode=ParseMode.HTML))
                return
        code = find_code(argument)
        if await self.gateway.is_new(conv) or not code:
            await self._turn(update, Incoming(conv, CHANNEL, "/start", "command", hint))
        if code:
            await self._turn(update, Incoming(conv, CHANNEL, code, "text", hint))

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
            await quietly(query.answer())
            return
        button = await self.db.run(_offered_button, conv=conv, token=query.data or "")
        if button is None:
            locale = await self.gateway.locale_of(conv, user.language_code)
            note = self.gateway.render_app_message("app_button_expired", locale).text
            await quietly(query.answer(text=note[:200]))
            return
        await quietly(query.answer())
        if query.message is not None:
            # Keep only the chosen button, so the choice stays visible and cannot repeat.
            chosen = InlineKeyboardMarkup(
                [[InlineKeyboardButton("✓ " + button["title"], callback_data=NOOP)]]
            )
            await quietly(query.edit_message_reply_markup(reply_markup=chosen))
        await self._turn(
            update, Incoming(conv, CHANNEL, button["payload"], "button", user.language_code)
        )

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot is for private chats: in a group it says so and leaves; a channel it
        just leaves. Nothing of the group is stored."""
        chat = update.effective_chat
        if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            await self._say_private_only(chat.id, update.effective_user)
        await quietly(self.bot.leave_chat(chat.id))

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group: leave. Blocked by a person: stop sending to them."""
        change = update.my_chat_member
        chat = change.chat
        status = change.new_chat_member.status
        if chat.type == ChatType.PRIVATE:
            if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
                logger.info("telegram user blocked the bot: %s", log_id(conversation_id(chat.id)))
            return
        if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
            if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
                await self._say_private_only(chat.id, change.from_user)
            await quietly(self.bot.leave_chat(chat.id))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One place for every failure: log it, and tell the person in their language.
        The update is given back and handled again later — unless its message was stored
        (then its pending turn answers it): the person is told once, not at every retry."""
        logger.error("telegram update failed: %r", context.error, exc_info=context.error)
        if not isinstance(update, Update):
            return
        first = self.updates.failed(update.update_id) if self.updates is not None else True
        if update.effective_user is None or not first:
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        conv = conversation_id(update.effective_user.id)
        with contextlib.suppress(Exception):
            locale = await self.gateway.locale_of(conv, update.effective_user.language_code)
            await self.outbox.deliver(chat.id, conv,
                                      [self.gateway.render_app_message("app_error", locale)])

    # One turn ----------------------------------------------------------------------------

    async def _turn(self, update: Update, incoming: Incoming) -> None:
        chat_id = update.effective_chat.id
        if self.updates is not None:
            # Once its message is stored the update is never handled again.
            incoming.on_stored = self.updates.stored_marker(update.update_id)
            incoming.retried = True
        try:
            async with self._typing(chat_id):
                # The gateway stores the replies and puts them in the outbox together.
                await self.gateway.handle(incoming)
        except NotStored as exc:
            # The database stayed locked: nothing was kept. The update is given back and
            # handled again later; the person is told now, straight (the outbox is in
            # the database too).
            if self.updates is not None and not self.updates.failed(update.update_id):
                return  # told at its first failure; not again at every retry
            for reply in exc.replies:
                await quietly(self.bot.send_message(chat_id, escaped(reply.text),
                                                    parse_mode=ParseMode.HTML))
            return
        await self.outbox.flush(chat_id)

    @contextlib.asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        """'typing…' while the bot thinks (Telegram shows it for about 5 seconds).

        Stopped by an event as well as by cancelling: a cancel that arrives while the
        chat action is on its way can be swallowed by the HTTP client (about 1 in 200
        here), and a turn that waited for the task then never ended — nor did every later
        update of that chat. The turn does not wait for the task at all."""
        stop = asyncio.Event()

        async def keep_typing() -> None:
            while not stop.is_set():
                await quietly(self.bot.send_chat_action(chat_id, ChatAction.TYPING))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 4.5)

        task = asyncio.create_task(keep_typing())
        task.add_done_callback(_retrieve)
        try:
            yield
        finally:
            stop.set()
            task.cancel()

    async def _say_private_only(self, chat_id: int, user: Any) -> None:
        locale = self.gateway.default_locale
        if user is not None:
            locale = await self.gateway.locale_of(conversation_id(user.id), user.language_code)
        text = self.gateway.render_app_message("app_private_only", locale).text
        await quietly(self.bot.send_message(chat_id, escaped(text), parse_mode=ParseMode.HTML))


def _retrieve(task: asyncio.Task) -> None:
    """A finished background task's exception is looked at (and logged), never lost."""
    if not task.cancelled() and task.exception() is not None:
        logger.warning("typing indicator failed: %r", task.exception())


def sender_is_chat(update: Update) -> bool:
    """False for an update in a private chat whose sender is not that chat's person (or
    has no sender); True otherwise (groups and channels are left by their handlers)."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return True
    user = update.effective_user
    return user is not None and user.id == chat.id


def _kind(update: Update) -> str:
    for name in ("message", "edited_message", "callback_query", "my_chat_member"):
        if getattr(update, name, None) is not None:
            return name
    return "other"


def _offered_button(*, session: Any, conv: str, token: str) -> dict[str, str] | None:
    for b in recent_buttons(session=session, conversation_id=conv):
        if button_token(b["payload"]) == token:
            return b
    return None

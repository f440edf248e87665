"""The common path of every user message, whatever the channel.

1. clean the text (control characters, length) and neutralise ``/intent{...}`` that the
   app did not offer as a button;
2. store the message (nothing a person sends is lost, even when Rasa is down);
3. pass it to Rasa's REST channel with the locale hint in ``metadata``;
4. store and return the replies; when Rasa fails, answer in the person's locale.

Messages of one conversation are handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.db import conversations as repo
from bot.db.clients import erase_conversation, find_code, redact_codes, redeem_link_code
from bot.db.escalations import live_escalation
from bot.db.session import session_scope
from bot.i18n.locales import LOCALES, direction, to_locale
from bot.i18n.render import Renderer
from bot.rasa_client import RasaClient, RasaUnavailable
from nlu.text import strip_control

logger = logging.getLogger(__name__)

START_PAYLOAD = "/start"
# Payloads any client may send: first contact and the language picker of every channel.
ALWAYS_ALLOWED = {START_PAYLOAD} | {
    '/set_language{"language": "' + locale + '"}' for locale in LOCALES
}


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    locale: str = "en"
    # The name of the casemanager who wrote it; None for the bot.
    sender: str | None = None

    @property
    def direction(self) -> str:
        return direction(self.locale)


# What a person typed or tapped. "command" is a payload the channel itself vouches for (a
# Telegram menu command it translated); "button" is a tapped button's payload.
TEXT_KINDS = {"text", "command", "button"}
# The app's own answer to what it cannot read; anything else gets app_unsupported_content.
APP_ANSWER_FOR_KIND = {
    "photo": "app_photo",
    "document": "app_photo",
    "voice": "app_voice",
    "audio": "app_voice",
    "video_note": "app_voice",
    "edited": "app_edited_message",
}


@dataclass
class Incoming:
    conversation_id: str
    channel: str
    text: str = ""
    # text, command, button, or what it is instead: photo, voice, sticker, document,
    # location, contact, edited, unsupported, …
    kind: str = "text"
    locale_hint: str | None = None
    # Where the content of a non-text message can be found (e.g. a Telegram file_id).
    attachment: dict[str, Any] | None = None


def clean_text(text: str, max_chars: int) -> tuple[str, bool]:
    """Control characters out, white space trimmed, cut at ``max_chars``."""
    cleaned = strip_control(text).strip()
    if len(cleaned) > max_chars:
        return cleaned[:max_chars], True
    return cleaned, False


def neutralise_command(text: str, offered: set[str]) -> str:
    """Keep ``/intent{...}`` only when it is a payload the bot offered to this person."""
    if not text.startswith("/") or text in offered or text in ALWAYS_ALLOWED:
        return text
    return text.lstrip("/ ").strip() or "?"


@dataclass
class Gateway:
    rasa: RasaClient
    renderer: Renderer
    default_locale: str = "en"
    max_message_chars: int = 2000
    secret_key: str = "change-me-secret-key"
    # Filled by the NLG endpoint while Rasa answers: conversation id -> response keys.
    rendered_keys: dict[str, list[str]] = field(default_factory=dict)
    # Called with the conversation id after every message: relayed to a casemanager, or
    # answered by the bot (which may have opened an escalation).
    on_message: Callable[[str], None] | None = None
    # A new Rasa session after this many bot turns (slots are carried over), so the
    # tracker Rasa reloads, serialises and sends with every call stays short. 0: never.
    session_turns: int = 10
    # Filled by the NLG endpoint: conversations in the middle of a form (no new session).
    in_form: dict[str, bool] = field(default_factory=dict)
    _turns: OrderedDict[str, int] = field(default_factory=OrderedDict)
    _locks: OrderedDict[str, asyncio.Lock] = field(default_factory=OrderedDict)

    def lock(self, conversation_id: str) -> asyncio.Lock:
        """Messages of one conversation, in and out, one at a time."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
            while len(self._locks) > 10_000:
                oldest, old_lock = next(iter(self._locks.items()))
                if old_lock.locked():
                    break
                self._locks.pop(oldest)
        else:
            self._locks.move_to_end(conversation_id)
        return lock

    def render_app_message(self, key: str, locale: str, **arguments: Any) -> Reply:
        rendered = self.renderer.render(key, locale, arguments)
        return Reply(rendered.text, rendered.buttons, locale)

    async def start(self, *, conversation_id: str, channel: str, locale_hint: str | None) -> list[Reply]:
        """First contact: the welcome, in the hinted locale."""
        return await self.handle(
            Incoming(conversation_id, channel, START_PAYLOAD, "command", locale_hint)
        )

    async def locale_of(self, conversation_id: str, hint: str | None = None) -> str:
        """The conversation's locale, else the client's hint, else the default."""
        known = await run_in_threadpool(self._conversation_locale, conversation_id)
        return known or to_locale(hint) or self.default_locale

    async def is_new(self, conversation_id: str) -> bool:
        def _check() -> bool:
            with session_scope() as s:
                from bot.db.models import Conversation

                return s.get(Conversation, conversation_id) is None

        return await run_in_threadpool(_check)

    async def handle(self, msg: Incoming) -> list[Reply]:
        async with self.lock(msg.conversation_id):
            return await self._handle(msg)

    async def _handle(self, msg: Incoming) -> list[Reply]:
        text, truncated = clean_text(msg.text, self.max_message_chars)
        # A one-time link code is redeemed here and never stored or passed on in clear.
        code = find_code(text) if msg.kind == "text" else None
        stored_text = redact_codes(text) if code else text
        stored_id, locale, offered, live = await run_in_threadpool(
            self._store_incoming, msg, stored_text
        )
        locale = locale or to_locale(msg.locale_hint) or self.default_locale

        if live:
            # A casemanager has this conversation: everything goes to the inbox, the bot
            # stays quiet (and a code typed now is not redeemed; it is stored redacted).
            if self.on_message is not None:
                self.on_message(msg.conversation_id)
            return []

        if msg.kind not in TEXT_KINDS or not text:
            key = APP_ANSWER_FOR_KIND.get(msg.kind, "app_unsupported_content")
            replies = [self.render_app_message(key, locale)]
            await run_in_threadpool(self.store_replies, msg.conversation_id, replies)
            return replies

        metadata: dict[str, Any] = {"channel": msg.channel}
        if code:
            metadata["link_status"] = await run_in_threadpool(
                self._redeem, msg.conversation_id, code
            )
            rasa_text = "/link_account"
        else:
            rasa_text = text if msg.kind == "command" else neutralise_command(text, offered)
        hint = to_locale(msg.locale_hint)
        if hint:
            metadata["language"] = hint
        try:
            await self._rotate_session(msg.conversation_id, metadata)
            bot_messages = await self.rasa.send_message(
                sender=msg.conversation_id, text=rasa_text, metadata=metadata
            )
        except RasaUnavailable as exc:
            logger.error("Rasa failed for %s: %s", msg.conversation_id, exc)
            await run_in_threadpool(self._mark_failed, stored_id)
            replies = [self.render_app_message("app_error", locale)]
            await run_in_threadpool(self.store_replies, msg.conversation_id, replies)
            return replies

        # The NLG endpoint stored the locale it rendered in; read it back.
        locale = await run_in_threadpool(self._conversation_locale, msg.conversation_id) or locale
        keys = self.rendered_keys.pop(msg.conversation_id, [])
        if keys:
            await run_in_threadpool(self._mark_answered, stored_id, keys)
        replies = [
            Reply(m.get("text") or "", _buttons(m.get("buttons")), locale)
            for m in bot_messages
            if m.get("text") or m.get("buttons")
        ]
        if not replies:
            # Rasa answered nothing: an action failed (its events are lost). Say so.
            logger.error("Rasa returned no reply for %s", msg.conversation_id)
            await run_in_threadpool(self._mark_failed, stored_id)
            replies = [self.render_app_message("app_error", locale)]
        if truncated:
            replies.insert(0, self.render_app_message("app_too_long", locale))
        await run_in_threadpool(self.store_replies, msg.conversation_id, replies)
        await run_in_threadpool(self._erase_if_requested, msg.conversation_id)
        if self.on_message is not None:
            self.on_message(msg.conversation_id)
        return replies

    async def _rotate_session(self, conversation_id: str, metadata: dict[str, Any]) -> None:
        """Start a new Rasa session every ``session_turns`` turns, never inside a form.

        Rasa reloads the current session's events for every message and sends them all
        with every action and NLG call, so without this each turn costs more than the
        last. ``action_session_start`` carries the slots (language, …) over.
        """
        turns = self._turns.pop(conversation_id, 0) + 1
        if self.session_turns and turns > self.session_turns and not self.in_form.get(conversation_id):
            await self.rasa.send_message(
                sender=conversation_id, text="/session_start", metadata=metadata
            )
            logger.info("new Rasa session for %s after %d turns", conversation_id, turns - 1)
            turns = 1
        self._turns[conversation_id] = turns
        while len(self._turns) > 10_000:
            self._turns.popitem(last=False)

    def record_form(self, conversation_id: str, active_loop: Any) -> None:
        """Called by the NLG endpoint with the tracker's active loop."""
        name = active_loop.get("name") if isinstance(active_loop, dict) else None
        if name:
            self.in_form[conversation_id] = True
        else:
            self.in_form.pop(conversation_id, None)
        while len(self.in_form) > 10_000:
            self.in_form.pop(next(iter(self.in_form)))

    # Database work (run in a thread) ------------------------------------------------

    def _store_incoming(
        self, msg: Incoming, text: str
    ) -> tuple[int, str | None, set[str], bool]:
        with session_scope() as s:
            conv, _ = repo.get_or_create_conversation(
                session=s, conversation_id=msg.conversation_id, channel=msg.channel
            )
            offered = repo.recent_button_payloads(session=s, conversation_id=conv.id)
            stored = repo.add_message(
                session=s,
                conversation_id=conv.id,
                direction="in",
                text=text,
                kind=msg.kind,
                locale=conv.locale,
                attachment=msg.attachment,
            )
            live = live_escalation(session=s, conversation_id=conv.id) is not None
            return stored.id, conv.locale, offered, live

    def store_replies(self, conversation_id: str, replies: list[Reply]) -> None:
        with session_scope() as s:
            for r in replies:
                repo.add_message(
                    session=s,
                    conversation_id=conversation_id,
                    direction="out",
                    text=r.text,
                    buttons=r.buttons or None,
                    locale=r.locale,
                )

    def _redeem(self, conversation_id: str, code: str) -> str:
        from datetime import datetime, timezone

        with session_scope() as s:
            result = redeem_link_code(
                session=s,
                conversation_id=conversation_id,
                code=code,
                secret=self.secret_key,
                now=datetime.now(timezone.utc),
            )
        logger.info("link attempt for %s: %s", conversation_id, result.status)
        return result.status

    def _erase_if_requested(self, conversation_id: str) -> None:
        """``forget_me`` confirmed during this turn: erase now that Rasa is done with it."""
        from bot.db.models import Conversation

        with session_scope() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None or not conv.erase_requested:
                return
            counts = erase_conversation(session=s, conversation_id=conversation_id)
        logger.info("erased conversation %s: %s", conversation_id, counts)

    def record_rendered(self, conversation_id: str, key: str) -> None:
        keys = self.rendered_keys.setdefault(conversation_id, [])
        if len(keys) < 50:
            keys.append(key)
        while len(self.rendered_keys) > 10_000:
            self.rendered_keys.pop(next(iter(self.rendered_keys)))

    def _mark_answered(self, message_id: int, keys: list[str]) -> None:
        from bot.db.models import Message

        with session_scope() as s:
            msg = s.get(Message, message_id)
            if msg is not None:
                msg.answered_with = keys

    def _mark_failed(self, message_id: int) -> None:
        with session_scope() as s:
            repo.set_message_status(session=s, message_id=message_id, status="failed")

    def _conversation_locale(self, conversation_id: str) -> str | None:
        from bot.db.models import Conversation

        with session_scope() as s:
            conv = s.get(Conversation, conversation_id)
            return conv.locale if conv else None


def _buttons(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw
        if isinstance(b, dict)
    ]

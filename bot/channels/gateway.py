"""The common path of every user message, whatever the channel.

1. clean the text (control characters, length) and neutralise ``/intent{...}`` that the
   app did not offer as a button;
2. store the message (nothing a person sends is lost, even when Rasa is down);
3. pass it to Rasa's REST channel with the locale hint in ``metadata``;
4. store and return the replies.

While Rasa or the action server is down (not started yet, crashed, restarting) the
message stays a *pending turn* (``pending_turns``): the person is told once, in their
language, that the bot will answer shortly (crisis phrases still get the emergency numbers
at once), and :class:`bot.channels.pending.PendingTurns` answers it when the part is back.
A turn Rasa may already have answered (the app stopped mid-turn) is looked up in Rasa's
tracker first, so no answer comes twice. Messages of one conversation are handled one at a
time, in order: while one is pending, the next waits behind it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.turns import REMEMBERED, ConversationLocks, TurnState
from bot.clock import utcnow
from bot.db import conversations as repo
from bot.db import erasure
from bot.db import pending as pending_repo
from bot.db.clients import redeem_link_code
from bot.db.escalations import live_escalation, make_urgent
from bot.db.session import Database, DatabaseBusy
from bot.i18n.locales import LOCALES, direction, to_locale
from bot.i18n.render import Renderer
from bot.limits import Limiter, Rules
from bot.linkcodes import find_code, redact_codes
from bot.lru import LruDict
from bot.metrics import Metrics
from bot.privacy import log_id
from bot.rasa_client import MESSAGE_ID, RasaClient, RasaTimeout, RasaUnavailable, Readiness
from nlu.crisis import CrisisMatcher
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
    # The network address it came from (web chat), for limits; None on Telegram.
    peer: str | None = None
    # Run in the transaction that stores the message (Telegram: marks its update
    # "stored", so it is never handled again once its message is kept).
    on_stored: Callable[[Session], None] | None = field(default=None, repr=False)
    # The channel hands the message in again by itself when it could not be stored
    # (Telegram gives the update back); otherwise the person is asked to send it again.
    retried: bool = False
    # Set by the gateway: it went to a casemanager's inbox (a live handoff), not to Rasa.
    relayed: bool = False
    # Set by the gateway: what the message ended as (bot.metrics.OUTCOMES).
    outcome: str = ""


class NotStored(Exception):
    """The message could not be stored: the database stayed busy or locked through every
    retry. Nothing of it was kept, so the channel must keep it (Telegram: the update is
    given back and handled again; web chat: the page is told and keeps the text).
    ``replies`` tell the person, in their language (the emergency numbers first for a
    crisis phrase)."""

    def __init__(self, replies: list[Reply]) -> None:
        super().__init__("message not stored: the database stayed busy")
        self.replies = replies


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


# Queues a turn's replies for a channel that delivers them itself (Telegram's outbox), in
# the transaction that stores them: called with the session, the conversation id and the
# replies. A reply is then stored and queued together, or neither.
DeliveryWriter = Callable[[Session, str, "list[Reply]"], None]
# Sends to Rasa of one turn before the app gives up on it while Rasa is up (a message
# that makes Rasa fail every time must not hold up the person's later messages).
MAX_SEND_ATTEMPTS = 5


def as_rows(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as the conversations repository stores them."""
    return [{"text": r.text, "buttons": r.buttons, "locale": r.locale} for r in replies]


@dataclass
class Gateway:
    rasa: RasaClient
    renderer: Renderer
    db: Database
    # What the NLG endpoint learns during a turn (rendered keys, an active form).
    turns: TurnState = field(default_factory=TurnState)
    locks: ConversationLocks = field(default_factory=ConversationLocks)
    default_locale: str = "en"
    max_message_chars: int = 2000
    secret_key: str = "change-me-secret-key"
    link_attempts_per_ip: int = 20
    # Called with the conversation id after every message: relayed to a casemanager, or
    # answered by the bot (which may have opened an escalation).
    on_message: Callable[[str], None] | None = None
    # A new Rasa session after this many bot turns (slots are carried over), so the
    # tracker Rasa reloads, serialises and sends with every call stays short. 0: never.
    session_turns: int = 10
    _turn_counts: LruDict[str, int] = field(default_factory=lambda: LruDict(REMEMBERED))
    # The crisis phrase lists (content/crisis): in the pipeline they force urgent_help;
    # here they still give the emergency numbers when Rasa is not asked (a person has the
    # conversation) or cannot answer.
    crisis: CrisisMatcher | None = None
    # Which parts are up; None: assume they are (a failure still makes the turn pending).
    readiness: Readiness | None = None
    # channel -> how its replies are queued with them (a channel registers itself).
    deliveries: dict[str, DeliveryWriter] = field(default_factory=dict)
    # Abuse limits (messages per conversation and per network address); None: no limits.
    limiter: Limiter | None = None
    rules: Rules | None = None
    # A turn Rasa did not answer in time may still be answered late: for this long it is
    # only looked up in Rasa's tracker, never sent again (Rasa would run it twice).
    late_grace_s: float = 120.0
    # message id -> when Rasa's answer to it did not come in time (time.monotonic)
    _late: LruDict[int, float] = field(default_factory=lambda: LruDict(REMEMBERED))
    # Operators' metrics (turns, errors, fallbacks, urgent turns); the app shares one.
    metrics: Metrics = field(default_factory=Metrics)

    def is_crisis(self, text: str) -> bool:
        """``text`` holds a crisis phrase (for channels that must not make it wait)."""
        return self._crisis_in(text) is not None

    def _crisis_in(self, text: str) -> str | None:
        """The category of a crisis phrase in ``text`` (never the text), or None."""
        if self.crisis is None or not text:
            return None
        hit = self.crisis.find(text)
        return hit.category if hit else None

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
        known = await self.db.run(repo.conversation_locale, conversation_id=conversation_id)
        return known or to_locale(hint) or self.default_locale

    async def is_new(self, conversation_id: str) -> bool:
        return not await self.db.run(repo.conversation_exists, conversation_id=conversation_id)

    async def store_replies(self, conversation_id: str, replies: list[Reply], channel: str) -> None:
        await self.db.run_retrying(_store_replies, conversation_id=conversation_id, replies=replies,
                          deliver=self.deliveries.get(channel))

    async def take_undelivered(self, conversation_id: str) -> list[Reply]:
        """Replies that were answered while no tab of the person was open (web chat)."""
        async with self.locks(conversation_id):
            rows = await self.db.run(repo.take_undelivered, conversation_id=conversation_id)
        return [self._missed_reply(r) for r in rows]

    def _missed_reply(self, row: dict[str, Any]) -> Reply:
        locale = row["locale"] or self.default_locale
        sender = row.get("sender")
        if not sender:
            return Reply(row["text"], row["buttons"], locale)
        # A casemanager's reply, labelled as when it is pushed (bot.handoff.service).
        label = self.render_app_message("app_staff_label", locale, name=sender).text
        return Reply(f"{label}:\n{row['text']}", [], locale, sender=sender)

    async def handle(self, msg: Incoming) -> list[Reply]:
        started = time.perf_counter()
        try:
            # Limits first, before the lock and before anything is stored: a flood waits
            # for nothing and costs no turn.
            if not await self.within_limits(msg):
                msg.outcome = "throttled"
                return await self._throttled(msg)
            async with self.locks(msg.conversation_id):
                return await self._handle(msg)
        except NotStored:
            msg.outcome = "not_stored"
            self.metrics.error("message_not_stored")
            raise
        finally:
            self.metrics.turn(msg.channel, msg.outcome or "failed", time.perf_counter() - started)

    async def within_limits(self, msg: Incoming) -> bool:
        """Takes a token for the conversation and for its network address (web chat)."""
        if self.limiter is None or self.rules is None:
            return True
        if not await self.limiter.take(msg.conversation_id, self.rules.messages_per_conversation):
            return False
        return msg.peer is None or await self.limiter.take(msg.peer, self.rules.messages_per_ip)

    async def may_open_session(self, peer: str | None) -> bool:
        """A new web chat conversation (its welcome is a Rasa turn) from this address."""
        if self.limiter is None or self.rules is None or peer is None:
            return True
        return await self.limiter.take(peer, self.rules.sessions_per_ip)

    async def _throttled(self, msg: Incoming) -> list[Reply]:
        """A message over a limit is not read, stored or passed on; the person is told to
        send it again in a minute (once every 30 s, not for every message of a flood). A
        crisis phrase still gets the emergency numbers, and is stored, so that it is in
        the transcript, and makes a live escalation urgent."""
        assert self.limiter is not None and self.rules is not None
        text = clean_text(msg.text, self.max_message_chars)[0] if msg.kind == "text" else ""
        crisis = self._crisis_in(text)
        notice = await self.limiter.take(msg.conversation_id, self.rules.throttle_notices)
        logger.info("message of %s over the limits: not read", log_id(msg.conversation_id))
        if crisis is None and not notice:
            return []  # told less than 30 s ago; nothing is read, stored or answered
        locale = await self.locale_of(msg.conversation_id, msg.locale_hint)
        replies = []
        if crisis is not None:
            logger.warning("crisis phrase (%s) in a message over the limits", crisis)
            self.metrics.urgent_turn(locale)
            replies.append(self.render_app_message("utter_urgent_help", locale))
        if notice:
            replies.append(self.render_app_message("app_slow_down", locale))
        async with self.locks(msg.conversation_id):
            await self.db.run(_store_throttled, msg=msg, text=redact_codes(text) if crisis else None,
                              replies=replies, deliver=self.deliveries.get(msg.channel))
        if crisis is not None and self.on_message is not None:
            self.on_message(msg.conversation_id)
        return replies

    async def _handle(self, msg: Incoming) -> list[Reply]:
        text, truncated = clean_text(msg.text, self.max_message_chars)
        # A one-time link code is redeemed here and never stored or passed on in clear.
        code = find_code(text) if msg.kind == "text" else None
        stored_text = redact_codes(text) if code else text
        # The pending turn is stored with the message (one transaction): a message that
        # came in is answered even if the app stops right after.
        try:
            stored = await self.db.run_retrying(
                _store_incoming, msg=msg, text=stored_text, has_code=code is not None,
            )
        except DatabaseBusy:
            raise NotStored(await self._not_stored_replies(msg, text)) from None
        locale, live, turn = stored.locale, stored.live, stored.turn
        msg.relayed = live
        msg.outcome = "relayed" if live else ""
        locale = locale or to_locale(msg.locale_hint) or self.default_locale

        # Crisis phrases are looked up only where Rasa does not see the message (its own
        # pipeline checks them on every message it parses).
        is_text = msg.kind == "text"
        if live:
            # A casemanager has this conversation: everything goes to the inbox, the bot
            # stays quiet (and a code typed now is not redeemed; it is stored redacted) —
            # except for a crisis: the person may be alone with it outside office hours.
            replies = []
            crisis = self._crisis_in(text) if is_text else None
            if crisis is not None:
                logger.warning("crisis phrase (%s) in a conversation a person has", crisis)
                self.metrics.urgent_turn(locale)
                await self.db.run(make_urgent, conversation_id=msg.conversation_id)
                replies = [self.render_app_message("utter_urgent_help", locale)]
                await self.store_replies(msg.conversation_id, replies, msg.channel)
            if self.on_message is not None:
                self.on_message(msg.conversation_id)
            return replies

        if msg.kind not in TEXT_KINDS or not text:
            msg.outcome = "app_answer"
            key = APP_ANSWER_FOR_KIND.get(msg.kind, "app_unsupported_content")
            replies = [self.render_app_message(key, locale)]
            await self.store_replies(msg.conversation_id, replies, msg.channel)
            return replies

        assert turn is not None  # stored for every text, command or button
        if code:
            status = await self._redeem(msg.conversation_id, code, msg.peer)
            turn = await self.db.run(pending_repo.add_metadata, pending_id=turn.id,
                                     metadata={"link_status": status})
        earlier = stored.earlier
        missing = await self.readiness.missing() if self.readiness is not None else []
        replies = None
        if not earlier and not missing:
            before = [self.render_app_message("app_too_long", locale)] if truncated else []
            replies = await self.answer_turn(turn, locale, before=before)
            msg.outcome = "answered"
        if replies is None:
            msg.outcome = "pending"
            # A part is down, or an earlier message waits: answered when it is back.
            logger.warning(
                "turn pending for %s (missing: %s)", log_id(msg.conversation_id),
                ", ".join(missing) or ("an earlier turn" if earlier else "a part failed"),
            )
            crisis_waits = is_text and self._crisis_in(text) is not None
            if crisis_waits:
                self.metrics.urgent_turn(locale)
            replies = self._waiting_replies(
                locale, first=not earlier, crisis=crisis_waits, slow=self.was_late(turn.message_id),
            )
            try:
                await self.store_replies(msg.conversation_id, replies, msg.channel)
            except DatabaseBusy:
                # The message and its turn are stored: it is answered when the database
                # and the parts are back; this note is said, not kept.
                logger.error("waiting note for %s not stored: the database is busy",
                             log_id(msg.conversation_id))
            if self.on_message is not None:
                self.on_message(msg.conversation_id)
            return replies
        return replies

    def _still_late(self, message_id: int) -> bool:
        """Rasa did not answer this message in time, less than ``late_grace_s`` ago."""
        since = self._late.get(message_id)
        if since is None:
            return False
        if time.monotonic() - since < self.late_grace_s:
            return True
        self._late.pop(message_id, None)
        logger.warning("no late answer from Rasa within %.0fs: the turn is sent again", self.late_grace_s)
        return False

    def was_late(self, message_id: int) -> bool:
        """Rasa did not answer this message in time (and has not yet)."""
        return message_id in self._late

    async def _not_stored_replies(self, msg: Incoming, text: str) -> list[Reply]:
        """What a person is told when their message could not be stored: in the
        conversation's locale if it can be read (reads still work while SQLite is locked
        for writing), else the hint; a crisis phrase gets the emergency numbers first."""
        logger.error("message of %s not stored: the database stayed busy",
                     log_id(msg.conversation_id))
        locale = to_locale(msg.locale_hint) or self.default_locale
        with contextlib.suppress(Exception):
            locale = await self.locale_of(msg.conversation_id, msg.locale_hint)
        key = "app_not_stored_retrying" if msg.retried else "app_not_stored"
        replies = [self.render_app_message(key, locale)]
        if msg.kind == "text" and self._crisis_in(text) is not None:
            logger.warning("crisis phrase in a message that could not be stored")
            self.metrics.urgent_turn(locale)
            replies.insert(0, self.render_app_message("utter_urgent_help", locale))
        return replies

    def _waiting_replies(self, locale: str, *, first: bool, crisis: bool,
                         slow: bool = False) -> list[Reply]:
        """While a part is down: "one moment, please" once (not again while a turn of
        this conversation is still pending) — or, when Rasa got the message but did not
        answer in time, that it takes longer than usual; a crisis gets the emergency
        numbers first."""
        key = "app_slow" if slow else "app_waiting"
        replies = [self.render_app_message(key, locale)] if first else []
        if crisis:
            # Without Rasa no person can be called in, but the numbers come at once.
            logger.warning("crisis phrase while the bot cannot answer")
            replies.insert(0, self.render_app_message("utter_urgent_help", locale))
        return replies

    async def answer_turn(
        self, turn: pending_repo.Turn, locale: str, before: list[Reply] | None = None
    ) -> list[Reply] | None:
        """Rasa's answer to one pending turn, stored (and the turn no longer pending); None
        while Rasa or the action server is down (the turn stays pending). Called under
        the conversation's lock, by the gateway and by :class:`PendingTurns`. ``before``:
        the app's own notes that come first (the message was cut)."""
        conv = turn.conversation_id
        bot_messages = None
        sent = False
        try:
            if turn.state == pending_repo.SENT:
                # Rasa may have answered it before the app stopped: never answer twice.
                bot_messages = await self.rasa.replies_in_tracker(conv, turn.message_id)
                if bot_messages:
                    logger.info("turn %s of %s: answer found in Rasa's tracker", turn.id, log_id(conv))
                    self._late.pop(turn.message_id, None)
                elif self._still_late(turn.message_id):
                    return None  # Rasa is still at it: its answer is awaited, not asked twice
            if not bot_messages:
                await self.db.run(pending_repo.mark_sent, pending_id=turn.id)
                sent = True
                await self._rotate_session(
                    conv, {k: v for k, v in turn.metadata.items() if k != MESSAGE_ID}
                )
                bot_messages = await self.rasa.send_message(
                    sender=conv, text=turn.text, metadata=turn.metadata
                )
        except RasaTimeout as exc:
            # Rasa has the message and may still answer it: wait for its answer in the
            # tracker (PendingTurns) instead of sending it again.
            logger.error("Rasa slow for %s: %s", log_id(conv), exc)
            self.metrics.error("rasa_timeout")
            self._late[turn.message_id] = time.monotonic()
            return None
        except RasaUnavailable as exc:
            logger.error("Rasa failed for %s: %s", log_id(conv), exc)
            self.metrics.error("rasa_unavailable")
            if self.readiness is not None:
                self.readiness.stale()
                if (sent and turn.attempts + 1 >= MAX_SEND_ATTEMPTS
                        and not await self.readiness.missing(fresh=True)):
                    # Rasa is up but fails on this message every time: say so, go on.
                    return await self._give_up(turn, locale)
            return None
        keys = self.turns.take_rendered(conv, turn.message_id)
        if not any(m.get("text") or m.get("buttons") for m in bot_messages):
            # Rasa answered nothing: an action failed (its events are lost). While the
            # action server is down, the turn waits for it; otherwise say so.
            if self.readiness is not None and "action_server" in await self.readiness.missing(fresh=True):
                logger.error("action server down during a turn of %s", log_id(conv))
                self.metrics.error("action_server_down")
                return None
            logger.error("Rasa returned no reply for %s", log_id(conv))
            self.metrics.error("rasa_no_reply")
            return await self._give_up(turn, locale)
        # The NLG endpoint stored the locale it rendered in; read it back.
        locale = await self.db.run(repo.conversation_locale, conversation_id=conv) or locale
        self.metrics.rendered(keys, locale)
        replies = [
            Reply(m.get("text") or "", _buttons(m.get("buttons")), locale)
            for m in bot_messages
            if m.get("text") or m.get("buttons")
        ]
        replies = [*(before or []), *replies]
        deliver = self.deliveries.get(turn.channel)
        if not await self._erase_if_requested(turn, replies, deliver):
            try:
                await self.db.run_retrying(_finish_turn, turn=turn, replies=replies, keys=keys,
                                           status="ok", deliver=deliver)
            except DatabaseBusy:
                # Rasa's answer is in its tracker: the turn stays pending and is answered
                # from there once the database takes writes again (never asked twice).
                logger.error("answer for %s not stored: the database is busy", log_id(conv))
                self.metrics.error("answer_not_stored")
                return None
        if self.on_message is not None:
            self.on_message(conv)
        return replies

    async def _erase_if_requested(
        self, turn: pending_repo.Turn, replies: list[Reply], deliver: DeliveryWriter | None
    ) -> bool:
        """``forget_me`` was confirmed in this turn: erase the person now that Rasa has
        written the turn, and send the confirmation (Telegram: through the outbox; the row
        goes once sent). True when done; when it fails the housekeeping job does it."""
        request_id = await self.db.run(erasure.pending_request, conversation_id=turn.conversation_id)
        if request_id is None:
            return False
        try:
            counts = await self.db.run(_finish_with_erasure, turn=turn, replies=replies,
                                       request_id=request_id, deliver=deliver)
        except Exception as exc:  # noqa: BLE001 - the job retries; the turn must still end
            logger.error("erasure request %s failed (%s): the housekeeping job retries it",
                         request_id, type(exc).__name__)
            with contextlib.suppress(Exception):
                await self.db.run(erasure.failed, request_id=request_id, now=utcnow(),
                                  error=type(exc).__name__)
            return False
        logger.info("erasure request %s carried out: %s", request_id, counts)
        return True

    async def _give_up(self, turn: pending_repo.Turn, locale: str) -> list[Reply]:
        """The turn failed for good: the person is told, in their locale."""
        self.metrics.error("turn_failed")
        replies = [self.render_app_message("app_error", locale)]
        await self.db.run(_finish_turn, turn=turn, replies=replies, keys=[], status="failed",
                          deliver=self.deliveries.get(turn.channel))
        return replies

    async def _rotate_session(self, conversation_id: str, metadata: dict[str, Any]) -> None:
        """Start a new Rasa session every ``session_turns`` turns, never inside a form.

        Rasa reloads the current session's events for every message and sends them all
        with every action and NLG call, so without this each turn costs more than the
        last. ``action_session_start`` carries the slots (language, …) over.
        """
        turns = self._turn_counts.pop(conversation_id, 0) + 1
        if self.session_turns and turns > self.session_turns and not self.turns.in_form(conversation_id):
            await self.rasa.send_message(
                sender=conversation_id, text="/session_start", metadata=metadata
            )
            logger.info("new Rasa session for %s after %d turns", log_id(conversation_id), turns - 1)
            turns = 1
        self._turn_counts[conversation_id] = turns

    async def _redeem(self, conversation_id: str, code: str, peer: str | None) -> str:
        result = await self.db.run(
            redeem_link_code, conversation_id=conversation_id, code=code,
            secret=self.secret_key, now=utcnow(), peer=peer, per_peer=self.link_attempts_per_ip,
        )
        logger.info("link attempt for %s: %s", log_id(conversation_id), result.status)
        return result.status


# Work on one session (run with Database.run) ------------------------------------------


@dataclass
class Stored:
    """What :func:`_store_incoming` stored and found."""

    id: int
    locale: str | None  # the conversation's
    live: bool  # a casemanager has the conversation
    turn: pending_repo.Turn | None  # for Rasa (texts, commands, buttons)
    earlier: int  # turns of this conversation that were pending before this one


def _store_incoming(*, session: Session, msg: Incoming, text: str, has_code: bool = False) -> Stored:
    """Store what came in and, when it is for Rasa, its pending turn: the text Rasa gets
    (``/intent{…}`` neutralised unless offered; ``/link_account`` for a link code) and
    Rasa's metadata (channel, locale hint, the message id)."""
    conv, _ = repo.get_or_create_conversation(
        session=session, conversation_id=msg.conversation_id, channel=msg.channel
    )
    if msg.on_stored is not None:
        msg.on_stored(session)
    stored = repo.add_message(
        session=session,
        conversation_id=conv.id,
        direction="in",
        text=text,
        kind=msg.kind,
        locale=conv.locale,
        attachment=msg.attachment,
    )
    live = live_escalation(session=session, conversation_id=conv.id) is not None
    if live or msg.kind not in TEXT_KINDS or not text:
        return Stored(stored.id, conv.locale, live, None, 0)
    if has_code:
        rasa_text = "/link_account"
    elif msg.kind == "command":
        rasa_text = text
    else:
        offered = repo.recent_button_payloads(session=session, conversation_id=conv.id)
        rasa_text = neutralise_command(text, offered)
    metadata: dict[str, Any] = {"channel": msg.channel, MESSAGE_ID: stored.id}
    hint = to_locale(msg.locale_hint)
    if hint:
        metadata["language"] = hint
    turn, earlier = pending_repo.add_pending(
        session=session, message_id=stored.id, conversation_id=conv.id, channel=msg.channel,
        text=rasa_text, metadata=metadata, state=pending_repo.WAITING,
    )
    return Stored(stored.id, conv.locale, live, turn, earlier)


def _store_throttled(
    *, session: Session, msg: Incoming, text: str | None, replies: list[Reply],
    deliver: DeliveryWriter | None,
) -> None:
    """What the app answered to a message over the limits (and the message, when it
    held a crisis phrase: ``text``); a live escalation becomes urgent."""
    conv, _ = repo.get_or_create_conversation(
        session=session, conversation_id=msg.conversation_id, channel=msg.channel
    )
    if text is not None:
        repo.add_message(session=session, conversation_id=conv.id, direction="in", text=text,
                         kind=msg.kind, locale=conv.locale, attachment=msg.attachment)
        make_urgent(session=session, conversation_id=conv.id)
    _store_replies(session=session, conversation_id=conv.id, replies=replies, deliver=deliver)


def _store_replies(
    *, session: Session, conversation_id: str, replies: list[Reply],
    deliver: DeliveryWriter | None,
) -> None:
    repo.add_replies(session=session, conversation_id=conversation_id, replies=as_rows(replies))
    if deliver is not None and replies:
        deliver(session, conversation_id, replies)


def _finish_turn(
    *, session: Session, turn: pending_repo.Turn, replies: list[Reply], keys: list[str],
    status: str, deliver: DeliveryWriter | None = None,
) -> None:
    """The answer stored (and queued for its channel) and the turn no longer pending, in
    one transaction."""
    if keys:
        repo.mark_answered(session=session, message_id=turn.message_id, keys=keys)
    _store_replies(session=session, conversation_id=turn.conversation_id, replies=replies,
                   deliver=deliver)
    pending_repo.finish(session=session, pending_id=turn.id, message_id=turn.message_id,
                        status=status)


def _finish_with_erasure(
    *, session: Session, turn: pending_repo.Turn, replies: list[Reply], request_id: int,
    deliver: DeliveryWriter | None,
) -> dict[str, int] | None:
    """The person erased (their pending turn with them) and the confirmation queued for
    the channel, in one transaction; nothing of the turn is stored."""
    counts = erasure.carry_out(session=session, request_id=request_id)
    if deliver is not None and replies:
        deliver(session, turn.conversation_id, replies)
    return counts


def _buttons(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw
        if isinstance(b, dict)
    ]

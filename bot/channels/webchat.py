"""Web chat over socket.io, speaking the protocol of Rasa's socketio channel.

``session_request {session_id}`` → ``session_confirm {session_id}`` (and, for a new
conversation, the welcome); ``user_uttered {message, session_id, customData}`` →
``bot_uttered {text, quick_replies: [{content_type, title, payload}], metadata}``.
``customData.language`` may carry the browser's locale as a first guess. So the
standard rasa-webchat widget, or any client of that protocol, works.

Sessions are issued by the server (:class:`SessionTokens`): ``session_confirm`` carries a
token ``<id>.<signature>`` — ``<id>`` random (``secrets.token_urlsafe(24)``), the signature
an HMAC of it with a key derived from ``WEGWIJS_SECRET_KEY``. The page keeps the token
where it kept its session id (the widget's storage, ``localStorage``) and sends it back in
``session_request {session_id}`` when it connects again; only a token this server signed
resumes a conversation (``webchat:<id>``). Anything else — an id the client made up, an
old-style id, a conversation id read somewhere, a token with a wrong signature — gets a
fresh session with the ordinary welcome. The conversation id (stored, shown to staff,
hashed in logs) never carries the signature, so knowing it does not let anyone in.

Beyond Rasa's protocol (other clients ignore these events), for the app's own page:

- ``history {messages: [{id, from, text, locale, dir, state, at, name?}], quick_replies}``
  before ``session_confirm`` when a token resumes a conversation: what was said so far
  (``from`` user, bot or staff; ``state`` see :mod:`bot.db.history`). Replies no tab has
  shown yet follow as ``bot_uttered`` with ``metadata.missed`` (the stock widget shows
  them too).
- ``chat_state {linked_as}`` before a resumed session's ``session_confirm`` and whenever it changes: the first
  name of the client the chat is linked to, or null.
- ``message_state {client_id, state}``: the person's message (the page's own id for it)
  reached the casemanager's inbox (``delivered``) or was read (``seen``: to the whole
  session, without ``client_id``, when a casemanager opens the conversation).
- ``sign_out {}`` from the page: the session is signed out on this device (its token
  resumes nothing any more, the chat is unlinked); every tab of it gets ``signed_out``
  and starts a new session. ``chat_cleared`` tells the tabs that the conversation was
  erased (``forget_me``) and its messages must go from the screen.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from typing import Any

import socketio

from bot.channels.gateway import (
    ALWAYS_ALLOWED,
    START_PAYLOAD,
    Gateway,
    Incoming,
    NotStored,
    Reply,
)
from bot.channels.turns import ConversationLocks
from bot.clock import utcnow
from bot.db import history as history_repo
from bot.db.conversations import mark_last_undelivered
from bot.i18n.locales import NATIVE_NAMES, direction, to_locale
from bot.privacy import log_id

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
# What the stock rasa-webchat widget sends once when a new session opens: its
# initPayload — none by default (a user_uttered without "message"), or the "/get_started"
# of Rasa's examples. The welcome was already given on session_request: nothing to say.
WIDGET_INIT_PAYLOAD = "/get_started"
# <id>.<signature>: token_urlsafe(24) gives 32 characters, the signature 43.
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$")


class SessionTokens:
    """Issues web chat sessions and checks the tokens pages bring back."""

    def __init__(self, secret_key: str) -> None:
        # A key of its own, so a token is never valid as any other signature of the app.
        self._key = hmac.new(secret_key.encode(), b"wegwijs-webchat-session", hashlib.sha256).digest()

    def _sign(self, session_id: str) -> str:
        digest = hmac.new(self._key, session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self) -> tuple[str, str]:
        """A new session: (its id, the token the page keeps)."""
        session_id = secrets.token_urlsafe(24)
        return session_id, f"{session_id}.{self._sign(session_id)}"

    def verify(self, token: Any) -> str | None:
        """The session id of a token this server signed, else None."""
        if not isinstance(token, str):
            return None
        match = _TOKEN.match(token)
        if match is None:
            return None
        session_id, signature = match.groups()
        if not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        return session_id


def conversation_id(session_id: str) -> str:
    return f"{CHANNEL}:{session_id}"


def bot_uttered(reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": reply.text,
        "metadata": {"locale": reply.locale, "dir": reply.direction},
    }
    if reply.sender:
        data["metadata"]["from"] = "staff"
        data["metadata"]["name"] = reply.sender
    if reply.buttons:
        data["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]}
            for b in reply.buttons
        ]
    return data


def history_messages(
    entries: list[history_repo.Entry], gateway: Gateway
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The history as the page shows it, and the quick replies still open (those of the
    last reply, when the person has not written since)."""
    # What the person tapped is shown by its title, as the page showed it then.
    titles = {p: NATIVE_NAMES[p.split('"')[-2]] for p in ALWAYS_ALLOWED if p != START_PAYLOAD}
    out: list[dict[str, Any]] = []
    quick: list[dict[str, str]] = []
    for e in entries:
        locale = e.locale or gateway.default_locale
        item: dict[str, Any] = {"id": e.id, "locale": locale, "dir": direction(locale),
                                "state": e.state, "at": e.at.isoformat()}
        if e.direction == "in":
            text = e.text
            if text.startswith("/"):
                if text == START_PAYLOAD or text not in titles:
                    continue  # a payload the person never saw as text
                text = titles[text]
            if not text:
                continue
            item.update({"from": "user", "text": text})
            quick = []
        elif e.kind == "staff":
            label = gateway.render_app_message("app_staff_label", locale, name=e.sender).text
            item.update({"from": "staff", "text": f"{label}:\n{e.text}", "name": e.sender,
                         "dir": "auto"})
            quick = []
        else:
            item.update({"from": "bot", "text": e.text})
            if e.buttons:
                quick = e.buttons
        for b in e.buttons:
            titles.setdefault(b.get("payload", ""), b.get("title", ""))
        out.append(item)
    quick_replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]}
                     for b in quick]
    return out, quick_replies


def make_webchat_pusher(sio: socketio.AsyncServer):  # type: ignore[no-untyped-def]
    """Messages that are not an answer to a turn (a casemanager's reply): to every tab of
    the session, then ``bot_turn_done``."""

    async def push(conversation_id: str, replies: list[Reply]) -> None:
        room = conversation_id.split(":", 1)[1]
        for reply in replies:
            await sio.emit("bot_uttered", bot_uttered(reply), room=room)
        await sio.emit("bot_turn_done", {"messages": len(replies)}, room=room)

    return push


def make_seen_pusher(sio: socketio.AsyncServer):  # type: ignore[no-untyped-def]
    """A casemanager opened the conversation: the person's messages so far are read."""

    async def seen(conversation_id: str) -> None:
        room = conversation_id.split(":", 1)[1]
        await sio.emit("message_state", {"client_id": None, "state": history_repo.SEEN}, room=room)

    return seen


def make_pending_pusher(sio: socketio.AsyncServer, gateway: Gateway):  # type: ignore[no-untyped-def]
    """Answers to pending turns (a part was down; the app restarted): to every open tab of
    the session; with no tab open they are kept as undelivered and shown when one
    connects. Called under the conversation's lock, right after the replies were stored."""
    push_to_tabs = make_webchat_pusher(sio)

    async def push(conversation_id: str, replies: list[Reply]) -> None:
        room = conversation_id.split(":", 1)[1]
        if any(True for _ in sio.manager.get_participants("/", room)):
            await push_to_tabs(conversation_id, replies)
        elif replies:
            await gateway.db.run(mark_last_undelivered, conversation_id=conversation_id,
                                 count=len(replies))

    return push


def create_socketio_server(
    gateway: Gateway, tokens: SessionTokens, cors_allowed_origins: Any = None,
    max_bytes: int = 64_000,
) -> socketio.AsyncServer:
    """``cors_allowed_origins`` as python-socketio takes it (the app passes the check of
    ``bot.web.origins``). ``max_bytes`` (max_http_buffer_size): a larger packet (polling
    body or WebSocket frame) is refused before it is parsed."""
    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=cors_allowed_origins,
                               max_http_buffer_size=max_bytes)

    emit_order = ConversationLocks()

    async def emit_replies(replies: list[Reply], room: str, missed: bool = False) -> None:
        for reply in replies:
            data = bot_uttered(reply)
            if missed:
                data["metadata"]["missed"] = True
            await sio.emit("bot_uttered", data, room=room)
        # Not part of Rasa's protocol (clients ignore it): the bot's turn is complete.
        await sio.emit("bot_turn_done", {"messages": len(replies)}, room=room)

    @sio.event
    async def connect(sid: str, environ: dict, auth: Any = None) -> None:
        logger.debug("web chat connected: %s", sid)

    async def send_chat_state(sid_or_room: str, conv_id: str) -> str | None:
        name = await gateway.db.run(history_repo.linked_first_name, conversation_id=conv_id)
        await sio.emit("chat_state", {"linked_as": name}, room=sid_or_room)
        return name

    @sio.event
    async def session_request(sid: str, data: Any) -> None:
        """Confirm (or create) the session; greet a new conversation; give a resumed one
        its history and what was answered while no tab of it was open."""
        data = data if isinstance(data, dict) else {}
        offered = data.get("session_id")
        session_id = tokens.verify(offered)
        if session_id is not None and await gateway.db.run(
            history_repo.is_signed_out, conversation_id=conversation_id(session_id)
        ):
            # Signed out on its device: the token resumes nothing any more.
            logger.info("web chat: a signed-out session token; new session")
            session_id = None
            offered = None
        if session_id is None:
            # No token, or one this server did not sign: a fresh session, greeted as
            # any new one (nothing alarming for a person whose stored session was old).
            if offered:
                logger.info("web chat: a session token that is not ours; new session")
            session_id, token = tokens.issue()
        else:
            token = offered
        await sio.enter_room(sid, session_id)
        conv_id = conversation_id(session_id)
        new = await gateway.is_new(conv_id)
        if not new:
            # What was said so far, to this tab only; then what was answered while no
            # tab was open (the app had restarted, a casemanager replied), before the
            # confirmation, so the tab's next message comes after them.
            async with gateway.locks(conv_id):
                entries = await gateway.db.run(history_repo.history, conversation_id=conv_id)
            messages, quick_replies = history_messages(entries, gateway)
            await sio.emit("history", {"messages": messages, "quick_replies": quick_replies},
                           room=sid)
            missed = await gateway.take_undelivered(conv_id)
            if missed:
                await emit_replies(missed, session_id, missed=True)
        linked = await send_chat_state(sid, conv_id) if not new else None
        await sio.emit("session_confirm", {"session_id": token}, room=sid)
        await sio.save_session(sid, {"session_id": session_id, "linked_as": linked})
        if new:
            hint = _language_hint(data.get("customData"))
            if not await gateway.may_open_session(_peer(sio.get_environ(sid))):
                # Too many new conversations from this address: no welcome (no Rasa
                # turn); what the person types is still answered within the limits.
                logger.info("new web chat sessions over the limit for an address")
                locale = to_locale(hint) or gateway.default_locale
                await emit_replies([gateway.render_app_message("app_too_many_chats", locale)], session_id)
                return
            replies = await gateway.start(
                conversation_id=conv_id, channel=CHANNEL, locale_hint=hint
            )
            await emit_replies(replies, session_id)

    @sio.event
    async def sign_out(sid: str, data: Any = None) -> None:
        """"Sign out of this chat on this device": the session's token resumes nothing
        any more and the chat is unlinked; every tab of it starts over."""
        session = await sio.get_session(sid)
        session_id = session.get("session_id") if session else None
        if session_id is None:
            return
        conv_id = conversation_id(session_id)
        async with gateway.locks(conv_id):
            await gateway.db.run(history_repo.sign_out, conversation_id=conv_id, now=utcnow())
        logger.info("web chat session signed out: %s", log_id(conv_id))
        await sio.emit("signed_out", {}, room=session_id)
        for other in list(sio.manager.get_participants("/", session_id)):
            other_sid = other[0] if isinstance(other, tuple) else other
            await sio.leave_room(other_sid, session_id)
            await sio.save_session(other_sid, {})

    @sio.event
    async def user_uttered(sid: str, data: Any) -> None:
        """One message from the person; the replies go to every tab of the session."""
        data = data if isinstance(data, dict) else {}
        session = await sio.get_session(sid)
        session_id = session.get("session_id") if session else None
        if session_id is None:
            # The client skipped session_request: a session of this socket only.
            session_id, _ = tokens.issue()
            await sio.enter_room(sid, session_id)
            await sio.save_session(sid, {"session_id": session_id})
        message = data.get("message")
        if "message" not in data or message == WIDGET_INIT_PAYLOAD:
            await sio.emit("bot_turn_done", {"messages": 0}, room=sid)
            return
        kind = "text" if isinstance(message, str) else "unsupported"
        conv_id = conversation_id(session_id)
        incoming = Incoming(
            conversation_id=conv_id,
            channel=CHANNEL,
            text=message if isinstance(message, str) else "",
            kind=kind,
            locale_hint=_language_hint(data.get("customData")),
            peer=_peer(sio.get_environ(sid)),
        )
        # Nothing awaited before the gateway takes the conversation's lock: the messages
        # of one conversation keep their order.
        try:
            replies = await gateway.handle(incoming)
        except NotStored as exc:
            # The database stayed locked: nothing was kept. The person is asked to send
            # it again, and this tab gets its text back (``message_not_stored``): the page
            # puts it back in the composer; the widget still shows it.
            await sio.emit("message_not_stored",
                           {"message": message if isinstance(message, str) else ""}, room=sid)
            await emit_replies(exc.replies, session_id)
            return
        # Taken at once (nothing awaited in between), so the turns of a session go out in
        # the order the gateway answered them, whatever after_turn waits for.
        async with emit_order(session_id):
            await after_turn(sid, session_id, session or {}, data, replies, incoming.relayed)

    async def after_turn(sid: str, session_id: str, session: dict, data: dict,
                         replies: list[Reply], relayed: bool) -> None:
        """The replies to every tab of the session, and what changed with the turn."""
        conv_id = conversation_id(session_id)
        if replies and await gateway.is_new(conv_id):
            # The turn erased the conversation (forget_me): off every screen of it.
            await sio.emit("chat_cleared", {}, room=session_id)
        if not any(True for _ in sio.manager.get_participants("/", session_id)):
            # Every tab closed while the bot was answering: shown when one comes back.
            if replies:
                async with gateway.locks(conv_id):
                    await gateway.db.run(mark_last_undelivered, conversation_id=conv_id,
                                         count=len(replies))
            return
        if relayed:
            client_id = data.get("client_id")
            await sio.emit("message_state", {"client_id": client_id if isinstance(client_id, str)
                                              else None, "state": history_repo.DELIVERED}, room=sid)
        linked = await gateway.db.run(history_repo.linked_first_name, conversation_id=conv_id)
        if linked != session.get("linked_as"):
            await sio.emit("chat_state", {"linked_as": linked}, room=session_id)
            await sio.save_session(sid, {**session, "session_id": session_id, "linked_as": linked})
        await emit_replies(replies, session_id)

    return sio


def _peer(environ: dict | None) -> str | None:
    """The client's address (behind a reverse proxy: the one uvicorn read from
    X-Forwarded-For, trusting only FORWARDED_ALLOW_IPS)."""
    client = ((environ or {}).get("asgi.scope") or {}).get("client")
    return str(client[0]) if client else None


def _language_hint(custom: Any) -> str | None:
    if isinstance(custom, dict) and isinstance(custom.get("language"), str):
        return custom["language"][:20]
    return None

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

from bot.channels.gateway import Gateway, Incoming, NotStored, Reply
from bot.db.conversations import mark_last_undelivered
from bot.i18n.locales import to_locale

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


def make_webchat_pusher(sio: socketio.AsyncServer):  # type: ignore[no-untyped-def]
    """Messages that are not an answer to a turn (a casemanager's reply): to every tab of
    the session, then ``bot_turn_done``."""

    async def push(conversation_id: str, replies: list[Reply]) -> None:
        room = conversation_id.split(":", 1)[1]
        for reply in replies:
            await sio.emit("bot_uttered", bot_uttered(reply), room=room)
        await sio.emit("bot_turn_done", {"messages": len(replies)}, room=room)

    return push


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

    async def emit_replies(replies: list[Reply], room: str) -> None:
        for reply in replies:
            await sio.emit("bot_uttered", bot_uttered(reply), room=room)
        # Not part of Rasa's protocol (clients ignore it): the bot's turn is complete.
        await sio.emit("bot_turn_done", {"messages": len(replies)}, room=room)

    @sio.event
    async def connect(sid: str, environ: dict, auth: Any = None) -> None:
        logger.debug("web chat connected: %s", sid)

    @sio.event
    async def session_request(sid: str, data: Any) -> None:
        """Confirm (or create) the session; greet a new conversation; show what was
        answered while no tab of it was open."""
        data = data if isinstance(data, dict) else {}
        offered = data.get("session_id")
        session_id = tokens.verify(offered)
        if session_id is None:
            # No token, or one this server did not sign: a fresh session, greeted as
            # any new one (nothing alarming for a person whose stored session was old).
            if offered:
                logger.info("web chat: a session token that is not ours; new session")
            session_id, token = tokens.issue()
        else:
            token = offered
        await sio.enter_room(sid, session_id)
        await sio.save_session(sid, {"session_id": session_id})
        conv_id = conversation_id(session_id)
        new = await gateway.is_new(conv_id)
        if not new:
            # Answered while no tab was open (the app had restarted, say): shown now,
            # before the confirmation, so the tab's next message comes after them.
            missed = await gateway.take_undelivered(conv_id)
            if missed:
                await emit_replies(missed, session_id)
        await sio.emit("session_confirm", {"session_id": token}, room=sid)
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
        try:
            replies = await gateway.handle(
                Incoming(
                    conversation_id=conversation_id(session_id),
                    channel=CHANNEL,
                    text=message if isinstance(message, str) else "",
                    kind=kind,
                    locale_hint=_language_hint(data.get("customData")),
                    peer=_peer(sio.get_environ(sid)),
                )
            )
        except NotStored as exc:
            # The database stayed locked: nothing was kept. The person is asked to send
            # it again, and this tab gets its text back (``message_not_stored``) so that
            # a page can put it back in the composer; the widget still shows it.
            await sio.emit("message_not_stored",
                           {"message": message if isinstance(message, str) else ""}, room=sid)
            await emit_replies(exc.replies, session_id)
            return
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

"""Web chat over socket.io, speaking the protocol of Rasa's socketio channel.

``session_request {session_id}`` → ``session_confirm {session_id}`` (and, for a new
conversation, the welcome); ``user_uttered {message, session_id, customData}`` →
``bot_uttered {text, quick_replies: [{content_type, title, payload}], metadata}``.
``customData.language`` may carry the browser's locale as a first guess. So the
standard rasa-webchat widget, or any client of that protocol, works.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import socketio

from bot.channels.gateway import Gateway, Incoming, Reply
from bot.db.conversations import mark_last_undelivered
from bot.i18n.locales import to_locale

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_\-]{8,100}$")


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


def create_socketio_server(gateway: Gateway, max_bytes: int = 64_000) -> socketio.AsyncServer:
    # max_http_buffer_size: a larger packet (polling body or WebSocket frame) is refused
    # before it is parsed.
    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[],
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
        session_id = data.get("session_id")
        if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
            session_id = uuid.uuid4().hex
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
        await sio.emit("session_confirm", {"session_id": session_id}, room=sid)
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
            # The client skipped session_request: only its own socket id is trusted.
            session_id = sid
            await sio.enter_room(sid, session_id)
            await sio.save_session(sid, {"session_id": session_id})
        message = data.get("message")
        kind = "text" if isinstance(message, str) else "unsupported"
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

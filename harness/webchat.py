"""A web chat user for tests, and helpers to compare what the bot said."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import socketio

from bot.i18n.render import Renderer
from harness.stack import Stack

TURN_DONE = "__turn_done__"


class ChatClient:
    """A web chat user, speaking Rasa's socketio protocol to the app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        # The token the server issued (session_confirm); None until then.
        self.session_id: str | None = None
        self.sio.on("bot_uttered", self._on_bot)
        self.confirmed: asyncio.Event = asyncio.Event()
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("bot_turn_done", self._on_turn_done)
        # The app's own events beyond Rasa's protocol (bot.channels.webchat), in order.
        self.history: list[dict[str, Any]] | None = None
        self.history_quick_replies: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        for name in ("chat_state", "message_state", "signed_out", "chat_cleared"):
            self.sio.on(name, self._recorder(name))
        self.sio.on("history", self._on_history)

    def _recorder(self, name: str):  # type: ignore[no-untyped-def]
        async def record(data: dict[str, Any]) -> None:
            self.events.append((name, data))
        return record

    async def _on_history(self, data: dict[str, Any]) -> None:
        self.history = data["messages"]
        self.history_quick_replies = data.get("quick_replies") or []

    def seen_events(self, name: str) -> list[dict[str, Any]]:
        return [data for event, data in self.events if event == name]

    async def _on_bot(self, data: dict[str, Any]) -> None:
        await self.queue.put(data)

    @property
    def conversation_id(self) -> str:
        """``webchat:<id>``: the session's id, without the token's signature."""
        assert self.session_id, "not connected yet"
        return f"webchat:{self.session_id.split('.', 1)[0]}"

    async def _on_turn_done(self, data: dict[str, Any]) -> None:
        await self.queue.put({TURN_DONE: True})

    async def _on_confirm(self, data: dict[str, Any]) -> None:
        self.session_id = data["session_id"]
        self.confirmed.set()

    async def connect(
        self, language: str | None = None, session_id: str | None = None, welcome: bool = True
    ) -> list[dict]:
        await self.sio.connect(self.url, socketio_path="socket.io", transports=["websocket"])
        await self.sio.emit(
            "session_request",
            {"session_id": session_id or self.session_id, "customData": {"language": language}},
        )
        await asyncio.wait_for(self.confirmed.wait(), 10)
        return await self.replies() if welcome else []

    async def say(self, message: Any, language: str | None = None,
                  client_id: str | None = None) -> list[dict]:
        data = {"message": message, "session_id": self.session_id, "customData": {"language": language}}
        if client_id is not None:
            data["client_id"] = client_id
        await self.sio.emit("user_uttered", data)
        return await self.replies()

    async def replies(self, timeout: float = 60) -> list[dict]:
        """Every bot message of one turn (the app signals the end with ``bot_turn_done``)."""
        out = []
        while True:
            item = await asyncio.wait_for(self.queue.get(), timeout)
            if TURN_DONE in item:
                return out
            out.append(item)

    async def close(self) -> None:
        await self.sio.disconnect()


def texts(messages: list[dict]) -> str:
    """The bot's messages joined as one text (Rasa's REST channel splits at blank lines)."""
    return "\n\n".join(m.get("text", "") for m in messages if m.get("text"))


def expect(renderer: Renderer, key: str, locale: str, **arguments: Any) -> str:
    return renderer.render(key, locale, arguments).text


def db_path(stack: Stack) -> Path:
    return Path(stack.database_url.removeprefix("sqlite:///"))

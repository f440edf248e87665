"""A small Telegram Bot API server for tests: real HTTP on 127.0.0.1.

It implements the methods Wegwijs uses, the way Telegram answers them
(``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …, "description": …}``),
records every call, delivers updates by webhook (with the secret header) or through
``getUpdates`` long polling, and answers 429 or 500 on demand. The app talks to it with
python-telegram-bot via ``TELEGRAM_API_BASE_URL``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.stack import free_port
from harness.waiting import eventually_sync

# Files the server can hand out (file_id -> (mime type, bytes)): a 1×1 PNG and a PDF.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
FILES: dict[str, tuple[str, bytes]] = {
    "AgAC-big": ("image/png", PNG_1X1),
    "AgAC-test-file": ("application/pdf", b"%PDF-1.4 test"),
}

# Parameters Telegram takes as JSON-serialised strings in form posts.
JSON_PARAMS = {"reply_markup", "commands", "allowed_updates", "scope", "link_preview_options",
               "entities", "reply_parameters"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    failed: bool = False  # answered with an error on purpose (see FakeBot.fail)


@dataclass
class FakeBot:
    token: str
    id: int
    username: str
    webhook_url: str = ""
    webhook_secret: str = ""
    allowed_updates: list[str] | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    calls: list[Call] = field(default_factory=list)
    # method -> answers to give instead of success: (status, description, retry_after)
    failures: dict[str, deque[tuple[int, str, int | None]]] = field(default_factory=dict)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    webhook_answers: list[int] = field(default_factory=list)
    # What the app's webhook said about each update it accepted: "new" or "duplicate".
    webhook_results: list[str | None] = field(default_factory=list)

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": "Wegwijs",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in list(self.calls)
            if c.method == method and not c.failed and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None,
             description: str | None = None) -> None:
        """The next ``times`` calls of ``method`` fail with ``status``."""
        text = description or {429: f"Too Many Requests: retry after {retry_after}",
                               500: "Internal Server Error", 502: "Bad Gateway"}.get(
            status, "Error")
        self.failures.setdefault(method, deque()).extend([(status, text, retry_after)] * times)


class FakeTelegram:
    """The server, running in a thread with its own event loop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bots: dict[str, FakeBot] = {}
        self._ids = itertools.count(7_000_000_001)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """In python-telegram-bot's ``base_url`` form (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def add_bot(self, username: str) -> FakeBot:
        bot_id = next(self._ids)
        bot = FakeBot(token=f"{bot_id}:TEST-{username}", id=bot_id, username=username)
        self.bots[bot.token] = bot
        return bot

    # Server ---------------------------------------------------------------------------

    def start(self) -> None:
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", ws="none",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        eventually_sync(lambda: self._server.started, timeout=10, interval=0.02,
                        what="the fake Telegram server starting")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    async def _params(self, request: Request) -> dict[str, Any]:
        ctype = request.headers.get("content-type", "")
        raw: dict[str, Any]
        if "application/json" in ctype:
            raw = await request.json()
            return raw if isinstance(raw, dict) else {}
        if "multipart/form-data" in ctype:
            form = await request.form()
            raw = {k: v for k, v in form.items() if isinstance(v, str)}
        else:
            body = (await request.body()).decode()
            raw = dict(parse_qsl(body, keep_blank_values=True))
            raw.update(request.query_params)
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in JSON_PARAMS and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        return params

    async def _handle(self, request: Request) -> JSONResponse:
        bot = self.bots.get(request.path_params["token"])
        if bot is None:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await self._params(request)
        with self._lock:
            queue = bot.failures.get(method)
            failure = queue.popleft() if queue else None
            bot.calls.append(Call(method, params, time.monotonic(), failed=failure is not None))
        if failure:
            status, description, retry_after = failure
            return _error(status, description, retry_after)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(bot, params)

    # Methods --------------------------------------------------------------------------

    async def _m_getMe(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        return _ok(bot.user())

    async def _m_setWebhook(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        bot.webhook_url = p.get("url", "")
        bot.webhook_secret = p.get("secret_token", "")
        bot.allowed_updates = p.get("allowed_updates")
        return _ok(True)

    async def _m_deleteWebhook(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        bot.webhook_url = ""
        bot.webhook_secret = ""
        if str(p.get("drop_pending_updates", "")).lower() == "true":
            bot.updates.clear()
        return _ok(True)

    async def _m_getWebhookInfo(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        return _ok({"url": bot.webhook_url, "has_custom_certificate": False,
                    "pending_update_count": len(bot.updates)})

    async def _m_getUpdates(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        if bot.webhook_url:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; "
                          "use deleteWebhook to delete the webhook first")
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                # Confirmed updates are forgotten, as Telegram does.
                bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]
                ready = list(bot.updates[: int(p.get("limit") or 100)])
            if ready or time.monotonic() >= deadline:
                return _ok(ready)
            await asyncio.sleep(0.05)

    async def _m_sendMessage(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        text = p.get("text", "")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        if p.get("parse_mode") == "HTML" and _bad_html(text):
            return _error(400, "Bad Request: can't parse entities: unsupported start tag")
        message = {
            "message_id": next(bot.message_ids),
            "date": int(time.time()),
            "chat": {"id": int(p["chat_id"]), "type": "private"},
            "from": bot.user(),
            "text": text,
        }
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        return _ok(message)

    async def _m_editMessageReplyMarkup(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        message = {
            "message_id": int(p.get("message_id", 0)),
            "date": int(time.time()),
            "chat": {"id": int(p.get("chat_id", 0)), "type": "private"},
            "text": "…",
        }
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        return _ok(message)

    async def _m_answerCallbackQuery(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        if len(p.get("text", "")) > 200:
            return _error(400, "Bad Request: MESSAGE_TOO_LONG")
        return _ok(True)

    async def _m_sendChatAction(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        return _ok(True)

    async def _m_setMyCommands(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        for c in p.get("commands", []):
            if not (1 <= len(c.get("description", "")) <= 256):
                return _error(400, "Bad Request: command description is invalid")
        bot.commands[p.get("language_code", "")] = p.get("commands", [])
        return _ok(True)

    async def _m_leaveChat(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        return _ok(True)

    async def _m_getFile(self, bot: FakeBot, p: dict[str, Any]) -> JSONResponse:
        file_id = p.get("file_id", "")
        if file_id not in FILES:
            return _error(400, "Bad Request: invalid file_id")
        return _ok({"file_id": file_id, "file_unique_id": "u-" + file_id,
                    "file_size": len(FILES[file_id][1]), "file_path": f"photos/{file_id}.bin"})

    async def _file(self, request: Request) -> Response:
        """File downloads: /file/bot<token>/<file_path>."""
        if request.path_params["token"] not in self.bots:
            return Response(status_code=401)
        file_id = request.path_params["path"].removeprefix("photos/").removesuffix(".bin")
        if file_id not in FILES:
            return Response(status_code=404)
        mime, data = FILES[file_id]
        return Response(data, media_type=mime)

    # Updates --------------------------------------------------------------------------

    async def push(self, bot: FakeBot, update: dict[str, Any]) -> int | None:
        """Deliver an update as Telegram would: POST to the webhook (returns the HTTP status)
        or queue it for getUpdates (returns None)."""
        if bot.webhook_url:
            async with httpx.AsyncClient(timeout=30) as client:
                resp = await client.post(
                    bot.webhook_url, json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret},
                )
            bot.webhook_answers.append(resp.status_code)
            try:
                bot.webhook_results.append((resp.json() or {}).get("status"))
            except ValueError:
                bot.webhook_results.append(None)
            return resp.status_code
        with self._lock:
            bot.updates.append(update)
        return None


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=status)


_ALLOWED_TAGS = ("b", "i", "u", "s", "a", "code", "pre", "tg-spoiler", "blockquote")


def _bad_html(text: str) -> bool:
    """Telegram refuses unknown tags and a bare '<' or '&' it cannot parse."""
    import re

    for m in re.finditer(r"<(/?)([a-zA-Z\-]*)", text):
        if m.group(2).lower() not in _ALLOWED_TAGS:
            return True
    return bool(re.search(r"&(?!(lt|gt|amp|quot|#\d+);)", text))

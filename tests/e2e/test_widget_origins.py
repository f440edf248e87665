"""The stock rasa-webchat 1.0.1 widget (from npm, ``make widget``) embedded on other sites,
in real headless Chromium.

Two small HTTP servers on their own ports serve the same embedding page — two origins
other than the app's. A second app process on the shared stack allows the first one
(``WEGWIJS_ALLOWED_ORIGINS``): there the widget holds a conversation (the server's
welcome, then a question and the bot's answer), keeps the server's signed session token
in localStorage and is back in the same conversation after a reload. The page on the
other origin is refused: its first socket.io request gets no CORS permission, the
server logs the refusal, no conversation is made and nothing is answered.
"""

from __future__ import annotations

import functools
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.stack import free_port
from harness.waiting import eventually, eventually_sync
from harness.webchat import db_path, expect

pytestmark = pytest.mark.stack

WIDGET_JS = Path(__file__).resolve().parent / "widget" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
# The bot's messages (the typing indicator is drawn as a response too).
BOT = ".rw-message:not(.rw-typing-indication) .rw-response"
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A site that embeds Wegwijs</title></head>
<body>
<h1>Another site</h1>
<div id="webchat" style="height: 600px"></div>
<script src="rasa-webchat.js"></script>
<script>
  WebChat.default({
    selector: "#webchat",
    socketUrl: "%(app_url)s",
    socketPath: "/socket.io/",
    customData: { language: "en" },
    embedded: true,
    title: "Wegwijs",
    params: { storage: "local" },
  }, null);
</script>
</body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


class Site:
    """An HTTP server on 127.0.0.1:<port> serving the embedding page and the widget."""

    def __init__(self, root: Path, app_url: str) -> None:
        root.mkdir(parents=True)
        shutil.copy(WIDGET_JS, root / "rasa-webchat.js")
        (root / "index.html").write_text(PAGE % {"app_url": app_url}, encoding="utf-8")
        self.port = free_port()
        handler = functools.partial(_Quiet, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites(stack, tmp_path_factory) -> Iterator[tuple[str, Site, Site]]:  # type: ignore[no-untyped-def]
    """(the URL of an app that allows the first site, the allowed site, a site it does not
    allow)."""
    if not WIDGET_JS.exists():
        pytest.fail("the rasa-webchat widget is not installed: run `make widget` (make test does)")
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    root = tmp_path_factory.mktemp("sites")
    allowed, other = Site(root / "allowed", app_url), Site(root / "other", app_url)
    stack.start_process("app-origins", "app", env={
        "WEGWIJS_APP_PORT": str(port), "WEGWIJS_ALLOWED_ORIGINS": f"https://www.example.org,{allowed.origin}",
        "TELEGRAM_TOKEN": "", "SMTP_HOST": "",
    })
    try:
        eventually_sync(lambda: (stack.health(port) or {}).get("status") == "ok",
                        timeout=90, interval=0.3, what="the second app")
        yield app_url, allowed, other
    finally:
        stack.stop_process("app-origins")
        allowed.stop()
        other.stop()


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


async def bot_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in await page.locator(BOT).all_inner_texts()]


async def stored_token(page) -> str | None:  # type: ignore[no-untyped-def]
    return await page.evaluate(
        "() => { const s = localStorage.getItem('chat_session'); return s && JSON.parse(s).session_id; }"
    )


async def ask(page, text: str) -> None:  # type: ignore[no-untyped-def]
    await page.fill(".rw-new-message", text)
    await page.keyboard.press("Enter")


async def test_the_stock_widget_on_an_allowed_site_holds_a_conversation(stack, renderer, sites, page) -> None:  # type: ignore[no-untyped-def]
    app_url, allowed, _ = sites
    cors = []
    page.on("response", lambda r: cors.append(r.headers.get("access-control-allow-origin"))
            if "/socket.io/" in r.url else None)
    await page.goto(f"{allowed.origin}/index.html")
    # The server's welcome (sent on session_request; the widget's init payload adds nothing).
    await page.wait_for_function("s => document.querySelectorAll(s).length >= 1", arg=BOT, timeout=30_000)
    assert (await bot_texts(page))[0].startswith("Hello! I am Wegwijs")
    assert allowed.origin in cors  # the polling transport got CORS permission for this site
    token = await eventually(lambda: stored_token(page), timeout=10, what="the widget storing its session")
    assert TOKEN.fullmatch(token), token
    conversation = "webchat:" + token.split(".")[0]

    await ask(page, "what can you do")
    help_text = expect(renderer, "utter_help", "en")
    first_line = help_text.splitlines()[0].strip()
    await eventually(lambda: _has(page, first_line), timeout=30, what="the bot's answer")
    # The welcome and the answer, nothing else (no answer to the widget's init payload).
    shown = " ".join(" ".join(t.split()) for t in await bot_texts(page))
    assert shown == " ".join((expect(renderer, "utter_welcome", "en") + " " + help_text).split())

    # A reload: the widget brings its token back and is in the same conversation.
    await page.reload()
    await page.wait_for_function("s => document.querySelectorAll(s).length >= 1", arg=BOT, timeout=30_000)
    assert await stored_token(page) == token
    await ask(page, "thank you")
    await eventually(
        lambda: len(query(stack, "SELECT id FROM messages WHERE conversation_id = ? AND direction = 'in' "
                            "AND text = 'thank you'", conversation)) == 1,
        timeout=30, what="the second question stored in the same conversation")
    assert query(stack, "SELECT count(*) FROM messages WHERE conversation_id = ? AND text = ?",
                 conversation, "what can you do")[0][0] == 1


async def _has(page, text: str) -> bool:  # type: ignore[no-untyped-def]
    return any(text in t for t in await bot_texts(page))


async def test_a_site_that_is_not_allowed_is_refused(stack, sites, page) -> None:  # type: ignore[no-untyped-def]
    app_url, _, other = sites
    conversations = query(stack, "SELECT count(*) FROM conversations")[0][0]
    refused = []
    page.on("requestfailed", lambda r: refused.append(r.url) if "/socket.io/" in r.url else None)
    answered = []
    page.on("response", lambda r: answered.append((r.status, r.headers.get("access-control-allow-origin")))
            if "/socket.io/" in r.url else None)
    await page.goto(f"{other.origin}/index.html")
    # The browser tried and was refused (no CORS permission: the request fails) ...
    await eventually(lambda: refused, timeout=30, what="the widget's refused socket.io request")
    assert all(origin is None for _, origin in answered), answered
    # ... and the server says so in its log.
    log = stack.log("app-origins")
    await eventually(lambda: f"refused a page from '{other.origin}'" in log.read_text(errors="replace"),
                     timeout=30, what="the refusal in the app's log")
    # The widget tries again (socket.io reconnects): refused again. Only then look: no
    # welcome, no session, no conversation.
    await eventually(lambda: len(refused) >= 2, timeout=30, what="the widget's next try refused")
    assert await bot_texts(page) == []
    assert await stored_token(page) is None
    assert query(stack, "SELECT count(*) FROM conversations")[0][0] == conversations

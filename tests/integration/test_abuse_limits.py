"""Abuse limits through the real processes: a second app on the stack's Rasa and
database with small limits (3 new chats an hour per address, 4 messages a minute per
conversation, 8 KB socket.io packets); every user here comes from 127.0.0.1."""

from __future__ import annotations

import pytest

from harness.stack import free_port
from harness.waiting import eventually
from harness.webchat import ChatClient, expect, texts

SESSIONS_PER_IP = 3
MESSAGES_PER_CONVERSATION = 4


@pytest.fixture(scope="module")
def limited_app(stack):  # type: ignore[no-untyped-def]
    port = free_port()
    stack.start_process("app-limits", "app", env={
        "WEGWIJS_APP_PORT": str(port), "TELEGRAM_TOKEN": "", "SMTP_HOST": "",
        "WEGWIJS_LIMIT_SESSIONS_PER_IP": str(SESSIONS_PER_IP),
        "WEGWIJS_LIMIT_MESSAGES_PER_CONVERSATION": str(MESSAGES_PER_CONVERSATION),
        "WEGWIJS_MAX_SOCKETIO_BYTES": "8000",
    })
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stack.stop_process("app-limits")


@pytest.fixture
async def users(stack, limited_app):  # type: ignore[no-untyped-def]
    made: list[ChatClient] = []
    await eventually(lambda: (stack.health(int(limited_app.rsplit(":", 1)[1])) or {}).get("status") == "ok",
                     timeout=90, interval=0.3, what="the app with small limits")

    def make() -> ChatClient:
        made.append(ChatClient(limited_app))
        return made[-1]

    yield make
    for u in made:
        if u.sio.connected:
            await u.close()


async def test_limits(users, renderer) -> None:  # type: ignore[no-untyped-def]
    """One test, in order: the buckets of this app are shared by everything it serves."""
    # New chats from one address: the first three are welcomed, the fourth is told, in its
    # language, to wait; what it types is still answered (by Rasa).
    for _ in range(SESSIONS_PER_IP):
        welcome = await users().connect(language="nl")
        assert texts(welcome) == expect(renderer, "utter_welcome", "nl")
    fourth = users()
    assert texts(await fourth.connect(language="ar")) == expect(renderer, "app_too_many_chats", "ar")
    answer = texts(await fourth.say("شكرا"))
    assert answer and answer != expect(renderer, "app_slow_down", "ar")

    # Messages of one conversation: the flood is not read; one polite notice.
    flooder = users()
    await flooder.connect(language="ti", welcome=False)  # no welcome: over the sessions limit
    assert texts(await flooder.replies()) == expect(renderer, "app_too_many_chats", "ti")
    for i in range(MESSAGES_PER_CONVERSATION):
        assert texts(await flooder.say(f"ሰላም {i}"))  # answered
    assert texts(await flooder.say("ሰላም")) == expect(renderer, "app_slow_down", "ti")
    assert await flooder.say("ሰላም") == []  # told once; this one is not answered either

    # A packet over the socket.io cap closes that connection before it is read; the app
    # goes on serving everyone else.
    big = users()
    await big.connect(language="en", welcome=False)
    await big.replies()
    await big.sio.emit("user_uttered", {"message": "x" * 9000, "session_id": big.session_id})
    await eventually(lambda: not big.sio.connected, timeout=10, what="the server closing the socket")
    answer = texts(await fourth.say("شكرا"))
    assert answer and answer != expect(renderer, "app_slow_down", "ar")

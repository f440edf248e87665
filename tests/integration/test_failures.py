"""When a part fails, the person is told in their language and nothing they sent is lost:
the message waits as a pending turn and is answered when the part is back."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.channels.gateway import Gateway, Incoming
from bot.db.session import Database
from bot.rasa_client import RasaClient
from harness.phrases import ANSWER, SAY
from harness.stack import free_port
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack


def last_status(stack, conversation_id: str) -> str:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        (status,) = db.execute(
            "SELECT status FROM messages WHERE conversation_id = ? AND direction = 'in' "
            "ORDER BY id DESC LIMIT 1",
            (conversation_id,),
        ).fetchone()
    return status


async def test_action_server_down_is_said_then_answered_when_it_is_back(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="ar")
    stack.stop_process("actions")
    try:
        health = httpx.get(f"{stack.app_url}/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["action_server"] is False
        assert health.json()["missing"] == ["action_server"]
        # "when is my appointment?" needs a custom action: the app says it will answer…
        replies = await user.say(SAY["ar"]["ask_appointment"])
        assert texts(replies) == expect(renderer, "app_waiting", "ar")
        assert replies[0]["metadata"]["dir"] == "rtl"
        assert last_status(stack, user.conversation_id) == "pending"
        assert httpx.get(f"{stack.app_url}/healthz").json()["pending_turns"] >= 1
    finally:
        stack.start_process("actions")
    # …and does, once the action server is back, on the open web chat.
    pushed = await user.replies(timeout=120)
    assert texts(pushed) == expect(renderer, ANSWER["ask_appointment"], "ar")
    assert last_status(stack, user.conversation_id) == "ok"
    stack.wait_healthy(60)


async def test_rasa_down_is_said_in_the_persons_language(stack, renderer) -> None:  # type: ignore[no-untyped-def]
    database = Database(stack.database_url)
    dead = RasaClient(base_url=f"http://127.0.0.1:{free_port()}", action_url="http://127.0.0.1:1", token="x")
    gateway = Gateway(rasa=dead, renderer=renderer, db=database)
    try:
        replies = await gateway.handle(
            Incoming("webchat:rasa-down-test", "webchat", "ሰላም", locale_hint="ti")
        )
        assert [r.text for r in replies] == [expect(renderer, "app_waiting", "ti")]
        with sqlite3.connect(db_path(stack)) as db:
            rows = db.execute(
                "SELECT direction, text, status FROM messages WHERE conversation_id = ? ORDER BY id",
                ("webchat:rasa-down-test",),
            ).fetchall()
        assert rows[0] == ("in", "ሰላም", "pending")
        assert rows[1][0] == "out"
    finally:
        await dead.close()
        database.dispose()

"""When a part fails, the person is told in their language and nothing they sent is lost."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.channels.gateway import Gateway, Incoming
from bot.db.session import Database
from bot.rasa_client import RasaClient
from harness.stack import free_port
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack


async def test_action_server_down_is_said_and_health_turns_red(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="ar")
    stack.stop_process("actions")
    try:
        health = httpx.get(f"{stack.app_url}/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["action_server"] is False
        # "yes" needs a custom action; its events are lost, so Rasa says nothing…
        replies = await user.say("نعم")
        # …and the app tells the person, in Arabic.
        assert texts(replies) == expect(renderer, "app_error", "ar")
        with sqlite3.connect(db_path(stack)) as db:
            (status,) = db.execute(
                "SELECT status FROM messages WHERE conversation_id = ? AND direction = 'in' "
                "ORDER BY id DESC LIMIT 1",
                (f"webchat:{user.session_id}",),
            ).fetchone()
        assert status == "failed"
    finally:
        stack.start_process("actions")
        stack.wait_healthy(60)


async def test_rasa_down_is_said_in_the_persons_language(stack, renderer) -> None:  # type: ignore[no-untyped-def]
    database = Database(stack.database_url)
    dead = RasaClient(base_url=f"http://127.0.0.1:{free_port()}", action_url="http://127.0.0.1:1", token="x")
    gateway = Gateway(rasa=dead, renderer=renderer, db=database)
    try:
        replies = await gateway.handle(
            Incoming("webchat:rasa-down-test", "webchat", "ሰላም", locale_hint="ti")
        )
        assert [r.text for r in replies] == [expect(renderer, "app_error", "ti")]
        with sqlite3.connect(db_path(stack)) as db:
            rows = db.execute(
                "SELECT direction, text, status FROM messages WHERE conversation_id = ? ORDER BY id",
                ("webchat:rasa-down-test",),
            ).fetchall()
        assert rows[0] == ("in", "ሰላም", "failed")
        assert rows[1][0] == "out"
    finally:
        await dead.close()
        database.dispose()

"""Scenario trackers for action tests: a tracker after one user message, and running an
action on it (rasa-sdk's own classes, no Rasa server)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.db import clients as repo
from bot.db.session import Database


def tracker(
    *,
    text: str = "hello",
    intent: str = "greet",
    language: str | None = None,
    confidence: float = 1.0,
    slots: dict[str, Any] | None = None,
    entities: list[dict] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "language": language,
        "language_confidence": confidence,
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    return Tracker("test-sender", slots or {}, latest, events, False, None, None, "action_listen")


async def run(action, t: Tracker) -> tuple[list[dict], list[dict]]:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return events, dispatcher.messages


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def as_sender(t: Tracker, sender: str) -> Tracker:
    """The tracker of conversation ``sender`` (actions find the client through it)."""
    t.sender_id = sender
    return t


def link(db: Database, conversation_id: str, client_id: int) -> None:
    """Link a conversation to a client the way a person does: with a one-time code."""
    now = datetime.now(timezone.utc)
    with db.session() as s:
        code = repo.create_link_code(session=s, client_id=client_id, secret="k", ttl=timedelta(hours=1), now=now)
    with db.session() as s:
        assert repo.redeem_link_code(session=s, conversation_id=conversation_id, code=code, secret="k", now=now).status == "linked"

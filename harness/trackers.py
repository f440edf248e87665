"""Scenario trackers for action tests: a tracker after one user message, and running an
action on it (rasa-sdk's own classes, no Rasa server)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


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

"""What several actions need: the latest user event and the client's locale hint."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.i18n.locales import to_locale


def latest_user_event(tracker: Tracker) -> dict[str, Any] | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return None


def metadata_locale(tracker: Tracker) -> str | None:
    """The client's locale hint (browser or Telegram ``language_code``) as one of ours."""
    event = latest_user_event(tracker) or {}
    meta = event.get("metadata") or {}
    return to_locale(meta.get("language") or meta.get("locale"))

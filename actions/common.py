"""What several actions need: the conversation's locale and the latest user event."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from nlu.text import LOCALES

DEFAULT_LOCALE = "nl"


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


def to_locale(value: Any) -> str | None:
    """Map "ar-SY", "fa-AF", "prs", "fa", "ti-ER", "en_GB", "nl-NL" onto the five locales."""
    if not isinstance(value, str) or not value:
        return None
    v = value.strip().replace("-", "_")
    if v in LOCALES:
        return v
    base = v.split("_")[0].lower()
    if base in ("fa", "prs", "dari"):
        return "fa_AF"
    return base if base in LOCALES else None


def current_locale(tracker: Tracker) -> str:
    return tracker.get_slot("language") or metadata_locale(tracker) or DEFAULT_LOCALE

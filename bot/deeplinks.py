"""The one way to build a Telegram deep link: ``https://t.me/<bot>?start=<payload>``."""

from __future__ import annotations

from urllib.parse import quote


def telegram_start_link(bot_username: str, payload: str) -> str:
    """Opening it in Telegram sends ``/start <payload>`` to the bot (a link code)."""
    return f"https://t.me/{bot_username or '<bot>'}?start={quote(payload, safe='-_')}"

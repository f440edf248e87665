"""What kind of message a person sent on Telegram (bot/channels/telegram/handlers.py)."""

from __future__ import annotations

import pytest
from telegram import Message

from bot.channels.telegram.handlers import ATTACHMENT_KINDS, describe
from harness.telegram_updates import NON_TEXT, message


@pytest.mark.parametrize("kind", sorted(NON_TEXT))
def test_non_text_messages_are_recognised(kind: str) -> None:
    msg = Message.de_json(message(1, "en", **NON_TEXT[kind]), None)
    found, attachment = describe(msg)
    assert found == kind and found in ATTACHMENT_KINDS
    assert attachment is not None and attachment["type"] == kind
    if kind == "photo":
        assert attachment["file_id"] == "AgAC-big"  # the largest size


def test_unknown_content_is_unsupported() -> None:
    msg = Message.de_json(message(1, "en"), None)
    assert describe(msg) == ("unsupported", None)

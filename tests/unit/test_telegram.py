"""The Telegram channel's own logic: composing messages, buttons, kinds, exactly-once."""

from __future__ import annotations

import html
import re

import pytest
from telegram import Message

from bot.channels.gateway import Reply
from bot.channels.telegram import (
    ATTACHMENT_KINDS,
    button_token,
    compose,
    describe,
    keyboard,
    split_text,
    telegram_length,
)
from bot.db import telegram as repo
from bot.settings import Settings
from tests.integration.telegram_user import NON_TEXT, message


def test_length_counts_like_telegram() -> None:
    assert telegram_length("abc") == 3
    assert telegram_length("ሰላም") == 3
    assert telegram_length("👍") == 2  # outside the BMP: two UTF-16 units


def test_short_text_is_one_part() -> None:
    assert split_text("hallo\n\nwereld", 100) == ["hallo\n\nwereld"]


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    paragraphs = "\n\n".join(["a" * 40, "b" * 40, "c" * 40])
    assert split_text(paragraphs, 90) == ["a" * 40 + "\n\n" + "b" * 40, "c" * 40]
    lines = "\n".join(["d" * 30] * 4)
    assert split_text(lines, 70) == ["d" * 30 + "\n" + "d" * 30] * 2
    words = " ".join(["ሰላም"] * 10)
    parts = split_text(words, 12)
    assert all(telegram_length(p) <= 12 for p in parts)
    assert " ".join(parts) == words


def test_unbroken_text_is_cut_hard_never_inside_an_emoji() -> None:
    text = "👍" * 10
    parts = split_text(text, 5)
    assert "".join(parts) == text
    assert all(telegram_length(p) <= 5 for p in parts)


@pytest.mark.parametrize("limit", [4096, 500, 57])
def test_any_text_fits_and_nothing_is_lost(limit: int) -> None:
    text = ("Zorgtoeslag & huurtoeslag.\n" * 30 + "\n\n") * 20 + "x" * 300
    parts = split_text(text, limit)
    assert all(0 < telegram_length(p) <= limit for p in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)


def test_paragraphs_of_one_turn_become_one_message_with_its_buttons() -> None:
    buttons = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]
    out = compose([Reply("Eerste alinea."), Reply("Tweede."), Reply("Wilt u dat?", buttons),
                   Reply("Nog iets.")])
    assert [m.text for m in out] == ["Eerste alinea.\n\nTweede.\n\nWilt u dat?", "Nog iets."]
    assert out[0].reply_markup == keyboard(buttons)
    assert out[1].reply_markup is None


def test_everything_is_escaped_for_html() -> None:
    out = compose([Reply('<b>bold</b> & <script>alert("x")</script> 5 < 6')])
    assert "<" not in out[0].text.replace("&lt;", "")
    assert html.unescape(out[0].text) == '<b>bold</b> & <script>alert("x")</script> 5 < 6'


def test_a_long_answer_is_split_under_the_limit() -> None:
    long = "\n\n".join(f"Alinea {i}: " + " ".join(["woord"] * 100) for i in range(20))
    out = compose([Reply(long, [{"title": "OK", "payload": "/affirm"}])])
    assert len(out) > 1
    assert all(telegram_length(m.text) <= 4096 for m in out)
    assert [m.reply_markup is not None for m in out] == [False] * (len(out) - 1) + [True]
    assert "\n\n".join(m.text for m in out) == long


def test_buttons_without_text_still_get_a_message() -> None:
    out = compose([Reply("", [{"title": "OK", "payload": "/affirm"}])])
    assert len(out) == 1 and out[0].text and out[0].reply_markup


def test_keyboard_rows_and_callback_data() -> None:
    short = [{"title": t, "payload": f"/p{i}"} for i, t in enumerate("abcde")]
    assert [len(r) for r in keyboard(short)["inline_keyboard"]] == [2, 2, 1]
    long = [{"title": "Talk to my casemanager now", "payload": "/x"}, {"title": "b", "payload": "/y"}]
    assert [len(r) for r in keyboard(long)["inline_keyboard"]] == [1, 1]
    token = button_token('/choose_school{"school_id": 12, "extra": "' + "x" * 200 + '"}')
    assert len(token.encode()) <= 64  # Telegram's limit on callback_data
    assert token == button_token('/choose_school{"school_id": 12, "extra": "' + "x" * 200 + '"}')
    assert button_token("/affirm") != button_token("/deny")
    assert keyboard([]) is None


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


def test_webhook_secret_is_derived_and_valid() -> None:
    s = Settings(secret_key="abc")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", s.webhook_secret)
    assert s.webhook_secret != Settings(secret_key="other").webhook_secret
    assert Settings(telegram_webhook_secret="mine").webhook_secret == "mine"


def test_each_update_is_taken_once(db_url: str) -> None:
    from bot.db.session import session_scope

    payload = {"update_id": 7}
    with session_scope() as s:
        # The webhook stores it; processing takes it once.
        assert repo.record_update(session=s, bot_id=1, update_id=7, payload=payload,
                                  status="received") == repo.NEW
        assert repo.record_update(session=s, bot_id=1, update_id=7, payload=payload,
                                  status="received") == repo.DUPLICATE
        assert repo.unhandled_updates(session=s, bot_id=1) == [payload]
        assert repo.claim_update(session=s, bot_id=1, update_id=7, payload=payload) == repo.NEW
        assert repo.claim_update(session=s, bot_id=1, update_id=7, payload=payload) == repo.DUPLICATE
        # Polling: never seen before means new; another bot's ids are its own.
        assert repo.claim_update(session=s, bot_id=1, update_id=8, payload={}) == repo.NEW
        assert repo.claim_update(session=s, bot_id=2, update_id=7, payload={}) == repo.NEW
        repo.finish_update(session=s, bot_id=1, update_id=7)
        assert repo.unhandled_updates(session=s, bot_id=1) == []
        assert repo.claim_update(session=s, bot_id=1, update_id=7, payload=payload) == repo.DUPLICATE


def test_outbox_keeps_order_and_waits(db_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    from bot.db.session import session_scope

    with session_scope() as s:
        ids = [repo.add_outgoing(session=s, bot_id=1, chat_id=5, conversation_id="telegram:5",
                                 text=t, reply_markup=None) for t in ("een", "twee")]
        assert [r.text for r in repo.pending_for_chat(session=s, bot_id=1, chat_id=5)] == ["een", "twee"]
        repo.retry_later(session=s, outbox_id=ids[0], delay=timedelta(seconds=60), error="500")
        now = datetime.now(timezone.utc)
        # The second waits behind the first (chat 5 is due because of "twee" only).
        assert repo.chats_due(session=s, bot_id=1, now=now) == [5]
        repo.delivered(session=s, outbox_id=ids[1])
        assert repo.chats_due(session=s, bot_id=1, now=now) == []
        assert repo.chats_due(session=s, bot_id=1, now=now + timedelta(seconds=61)) == [5]
        assert repo.outbox_size(session=s) == 1

"""Composing Telegram messages (bot/channels/telegram/compose.py): length, splitting,
paragraphs as one message, HTML escaping, keyboards and callback data."""

from __future__ import annotations

import html
import re

import pytest

from bot.channels.gateway import Reply
from bot.channels.telegram.compose import (
    button_token,
    compose,
    keyboard,
    split_text,
    telegram_length,
)


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

"""Telegram deep links (bot/deeplinks.py)."""

from bot.deeplinks import telegram_start_link


def test_deep_link_carries_the_code() -> None:
    assert telegram_start_link("wegwijs_bot", "4KX7-92PQ") == "https://t.me/wegwijs_bot?start=4KX7-92PQ"
    assert telegram_start_link("wegwijs_bot", "staff-4KX792PQ").endswith("?start=staff-4KX792PQ")


def test_without_a_bot_name_the_link_says_so() -> None:
    assert telegram_start_link("", "ABCD-2345") == "https://t.me/<bot>?start=ABCD-2345"

"""Masking personal data in logs and staff pages (bot/privacy.py)."""

from __future__ import annotations

import io
import logging
import re

import pytest

from bot.privacy import (
    RedactPersonalData,
    hide_conversation_ids,
    install_log_redaction,
    log_id,
    passes_elfproef,
    redact,
    set_log_key,
)

MASKED = [
    ("mijn bsn is 123456782", "mijn bsn is [BSN]"),
    ("BSN: 123.456.782.", "BSN: [BSN]."),
    ("nummer 123 456 782 graag", "nummer [BSN] graag"),
    ("رقمي ١٢٣٤٥٦٧٨٢", "رقمي [BSN]"),  # Arabic-Indic digits
    ("شماره ۱۲۳۴۵۶۷۸۲", "شماره [BSN]"),  # Persian digits
    ("bsn123456789", "bsn[BSN]"),  # after its name, whatever the checksum
    ("IBAN NL91 ABNA 0417 1643 00 graag", "IBAN [IBAN] graag"),
    ("nl91abna0417164300", "[IBAN]"),
    ("DE89 3704 0044 0532 0130 00", "[IBAN]"),
    ("bel 06-12345678", "bel [phone]"),
    ("bel 06 12 34 56 78!", "bel [phone]!"),
    ("(020) 123 45 67", "[phone]"),
    ("+31 6 1234 5678", "[phone]"),
    ("0031612345678", "[phone]"),
    ("+249 912 345 678", "[phone]"),
    ("V-nummer 1234567890", "V-nummer [V-number]"),
    ("v-nr: 12345 67890", "v-nr: [V-number]"),
    ("mijn nummer is 2345678901", "mijn nummer is [V-number]"),
    ("mail sara.k+test@example.nl nu", "mail [e-mail] nu"),
    ("code 4KX7-92PQ", "code [code]"),
    ("/start staff-4KX792PQ", "/start staff-[code]"),
    # JSON with non-ASCII escaped, as Rasa logs it
    ('{"text": "\\u0631 2345678901"}', '{"text": "ر [V-number]"}'),
    ('"\\u06f1\\u06f2\\u06f3\\u06f4\\u06f5\\u06f6\\u06f7\\u06f8\\u06f2"', '"[BSN]"'),
]
KEPT = [
    "id 123456789",  # nine digits that fail the elfproef
    "2026-11-23 07:35:28,123",
    "op 23-11-2026 10:00",
    "took 0.123456782 s",
    "127.0.0.1:5005",
    "telegram:123456782",  # a conversation id
    "webchat:3f2a1234567820ab",
    "Rasa 3.6.21, 15 turns",
    "B1-route",
    '"\\ud83d\\ude00 \\u2066x\\u2069"',  # escapes of what cannot be printed stay
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_what_is_no_personal_data_stays(text: str) -> None:
    assert redact(text) == text


def test_elfproef() -> None:
    assert passes_elfproef("123456782") and passes_elfproef("111222333")
    assert not passes_elfproef("123456789") and not passes_elfproef("000000000")
    assert not passes_elfproef("12345678")


def record(msg: str, *args: object, exc_info=None) -> logging.LogRecord:  # type: ignore[no-untyped-def]
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    try:
        raise ValueError("bad value 06-12345678")
    except ValueError:
        import sys

        rec = record("user %s wrote %r", "telegram:7", "bsn 123456782", exc_info=sys.exc_info())
    assert RedactPersonalData().filter(rec) is True
    line = logging.Formatter().format(rec)
    assert f"user {log_id('telegram:7')} wrote 'bsn [BSN]'" in line
    assert "bad value [phone]" in line
    assert "123456782" not in line and "12345678" not in line


def test_a_record_without_personal_data_keeps_its_arguments() -> None:
    rec = record("%s %s %s", "127.0.0.1:5", "GET", "/healthz")
    RedactPersonalData().filter(rec)
    assert rec.args == ("127.0.0.1:5", "GET", "/healthz")


def test_a_broken_format_string_is_kept_masked() -> None:
    rec = record("%d items for %s", "x")
    RedactPersonalData().filter(rec)
    assert "items" in rec.getMessage()


def test_installed_it_masks_every_record_whatever_the_handler() -> None:
    before = logging.getLogRecordFactory()
    stream = io.StringIO()
    logger = logging.getLogger("test_privacy.installed")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        install_log_redaction()
        install_log_redaction()  # twice is once
        # A handler added afterwards (as Rasa and uvicorn configure their own).
        handler = logging.StreamHandler(stream)
        logger.addHandler(handler)
        logger.info("message from %s: %s", "webchat:abc", "iban NL91ABNA0417164300, bel +31612345678")
        logger.removeHandler(handler)
    finally:
        logging.setLogRecordFactory(before)
    assert stream.getvalue() == f"message from {log_id('webchat:abc')}: iban [IBAN], bel [phone]\n"


@pytest.mark.parametrize("long", ["a" * 200_000, "1" * 200_000, "é" * 200_000, "a." * 100_000])
def test_long_lines_cost_linear_time(long: str) -> None:
    """A log line with a long word, number or blob (a tracker dump, base64) is masked in
    linear time: an e-mail pattern that rescans every start took minutes at this size."""
    import time

    started = time.perf_counter()
    assert redact(long + " sara@example.org") == long + " [e-mail]"
    assert time.perf_counter() - started < 5


def test_log_id_is_a_keyed_hash_of_the_conversation_id() -> None:
    set_log_key("key-one")
    try:
        one = log_id("webchat:3f2a1234567820abcdef")
        assert re.fullmatch(r"webchat#[0-9a-f]{12}", one)
        assert log_id("webchat:3f2a1234567820abcdef") == one  # the same every time
        assert log_id("webchat:3f2a1234567820abcdeg") != one
        assert re.fullmatch(r"telegram#[0-9a-f]{12}", log_id("telegram:123456782"))
        set_log_key("key-two")  # without the key nobody can check a guess
        assert log_id("webchat:3f2a1234567820abcdef") != one
    finally:
        set_log_key("test-secret-key")


@pytest.mark.parametrize("written", [
    "sender webchat:{id} said", "POST /conversations/webchat%3A{id}/tracker/events",
    "/conversations/webchat%3a{id}/tracker", '{{"sender_id": "webchat:{id}"}}',
])
def test_conversation_ids_are_hidden_wherever_they_are_written(written: str) -> None:
    session_id = "Zq3_-x9AbCdEfGhIjKlMnOpQrStUvWxY"
    text = hide_conversation_ids(written.format(id=session_id))
    assert session_id not in text and log_id(f"webchat:{session_id}") in text
    assert hide_conversation_ids(text) == text  # a hashed id is left alone


def test_telegram_ids_are_hidden_before_numbers_are_masked() -> None:
    rec = record("update for %s: bsn 123456782", "telegram:123456782")
    RedactPersonalData().filter(rec)
    assert rec.getMessage() == f"update for {log_id('telegram:123456782')}: bsn [BSN]"

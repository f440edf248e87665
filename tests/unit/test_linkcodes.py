"""Finding and blanking out link codes in what people type (bot/linkcodes.py)."""

from __future__ import annotations

from bot.linkcodes import CODE_ALPHABET, find_code, new_code, redact_codes


def test_find_code_in_what_people_type() -> None:
    assert find_code("my code is 4kx7-92pq") == "4KX7-92PQ"
    assert find_code("/start 4KX792PQ") == "4KX7-92PQ"
    assert find_code("كودي 4KX7 92PQ") == "4KX7-92PQ"
    for text in ("afspraak", "zorgtoeslag 2026", "2345-6789", "B1-route", "ABCD-EFGH"):
        assert find_code(text) is None
    assert redact_codes("code 4KX7-92PQ thanks") == "code [code] thanks"


def test_new_codes_mix_letters_and_digits_from_the_alphabet() -> None:
    for _ in range(50):
        code = new_code()
        raw = code.replace("-", "")
        assert len(raw) == 8 and set(raw) <= set(CODE_ALPHABET)
        assert find_code(code) == code

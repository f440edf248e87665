"""Normalisation: the spelling variants people type must meet in one form."""

import pytest

from nlu.text import normalize, script_of, strip_control


@pytest.mark.parametrize(
    ("raw", "locale", "expected"),
    [
        ("مـــرحـبـاً", "ar", "مرحبا"),  # tatweel and tanween
        ("أريد إعانة", "ar", "اريد اعانه"),  # alef variants, ta marbuta
        ("كيفی", "ar", "كيفي"),  # Persian yeh typed in Arabic
        ("مدرسة اللغة", "ar", "مدرسه اللغه"),
        ("می‌خواهم", "fa_AF", "میخواهم"),  # ZWNJ
        ("مي خواهم", "fa_AF", "می خواهم"),  # Arabic yeh typed in Dari
        ("كجا", "fa_AF", "کجا"),  # Arabic kaf typed in Dari
        ("١٢٣", None, "123"),  # Arabic-Indic digits
        ("۱۲۳", None, "123"),  # Persian digits
        ("፩፪", None, "12"),  # Ethiopic digits
        ("ሰላም፣ ከመይ ኣለኻ፧", "ti", "ሰላም ከመይ ኣለኻ"),  # Ge'ez comma and question mark
        ("ሰላም።", "ti", "ሰላም"),
        ("Zorgtoeslag!!!", "nl", "zorgtoeslag!!"),
        ("heyyyyy", "en", "heyy"),
        ("hallo\u200b\u0007 daar", "nl", "hallo daar"),  # zero-width space, bell
    ],
)
def test_normalize_folds_variants(raw: str, locale: str | None, expected: str) -> None:
    assert normalize(raw, locale) == expected


def test_normalize_keeps_dari_and_arabic_apart() -> None:
    assert normalize("یک", "fa_AF") != normalize("یک", "ar")


def test_strip_control_keeps_newlines_and_zwnj() -> None:
    assert strip_control("a\u200cb\nc\x00\x1b[31m") == "a\u200cb\nc[31m"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("ሰላም", "ethiopic"),
        ("سلام", "arabic"),
        ("hello", "latin"),
        ("zorgtoeslag ቱስላኽ ክረክብ እኽእል", "ethiopic"),
        ("😀👍", None),
        ("123 456", None),
        ("", None),
    ],
)
def test_script_of(text: str, script: str | None) -> None:
    assert script_of(text) == script

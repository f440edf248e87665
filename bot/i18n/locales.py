"""The five locale identifiers, their own names, direction and negotiation."""

from __future__ import annotations

from typing import Any

from nlu.text import LOCALES, RTL_LOCALES

__all__ = ["LOCALES", "RTL_LOCALES", "NATIVE_NAMES", "FALLBACK_CHAIN", "to_locale", "direction",
           "RLM", "LRI", "PDI"]

# Unicode direction controls for right-to-left text: a right-to-left mark, and the
# left-to-right isolate that keeps a Latin run (a Dutch name, an address) whole.
RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"

NATIVE_NAMES: dict[str, str] = {
    "ar": "العربية",
    "ti": "ትግርኛ",
    "fa_AF": "دری",
    "en": "English",
    "nl": "Nederlands",
}
# A missing translation falls back to English, then Dutch.
FALLBACK_CHAIN: tuple[str, ...] = ("en", "nl")
# HTML lang attribute values (BCP 47).
HTML_LANG: dict[str, str] = {"ar": "ar", "ti": "ti", "fa_AF": "fa-AF", "en": "en", "nl": "nl"}


def to_locale(value: Any) -> str | None:
    """Map "ar-SY", "fa-AF", "prs", "fa", "ti-ER", "en_GB", "nl-NL" onto the five locales."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip().replace("-", "_")
    if v in LOCALES:
        return v
    base = v.split("_")[0].lower()
    if base in ("fa", "prs", "dari"):
        return "fa_AF"
    return base if base in LOCALES else None


def direction(locale: str | None) -> str:
    return "rtl" if locale in RTL_LOCALES else "ltr"

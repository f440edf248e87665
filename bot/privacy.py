"""Redaction of personal data in anything shown to staff or written to logs."""

from __future__ import annotations

import re

from bot.db.clients import redact_codes

_PATTERNS = [
    ("[e-mail]", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("[IBAN]", re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{4}(?:\s?\d{2,4}){2,5}\b", re.IGNORECASE)),
    ("[phone]", re.compile(r"(?:\+|00)\d{2}[\s-]?\d(?:[\s-]?\d){7,10}\b|\b0\d(?:[\s-]?\d){8}\b")),
    ("[BSN]", re.compile(r"\b\d{9}\b")),
]


def redact(text: str) -> str:
    """E-mail addresses, IBANs, phone numbers, BSNs and link codes replaced by labels."""
    for label, pattern in _PATTERNS:
        text = pattern.sub(label, text)
    return redact_codes(text)

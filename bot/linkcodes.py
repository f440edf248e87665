"""The shape of a one-time link code: making one, finding one in what a person typed,
and blanking every one out of a text. Pure functions (no database); the codes' storage
and redemption live in ``bot.db.clients``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
# Overlapping candidates: four characters, an optional hyphen or space, four characters.
_CODE = re.compile(
    r"(?=(?<![A-Za-z0-9])([A-Za-z0-9]{4})([- ]?)([A-Za-z0-9]{4})(?![A-Za-z0-9]))"
)


def new_code() -> str:
    """``XXXX-XXXX`` from an alphabet without look-alikes; always with a digit."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw):
            return f"{raw[:4]}-{raw[4:]}"


def _code_candidates(text: str) -> Iterator[tuple[str, int, int]]:
    for m in _CODE.finditer(text):
        raw = (m.group(1) + m.group(3)).upper()
        if (
            all(c in CODE_ALPHABET for c in raw)
            and any(c.isdigit() for c in raw)
            and any(c.isalpha() for c in raw)
        ):
            end = m.start() + len(m.group(1)) + len(m.group(2)) + len(m.group(3))
            yield f"{raw[:4]}-{raw[4:]}", m.start(), end


def find_code(text: str) -> str | None:
    """A link code in what the person typed ("my code is 4kx7 92pq" too), normalised.

    A code always mixes letters and digits, so words like "afspraak" are no code.
    """
    return next((code for code, _, _ in _code_candidates(text)), None)


def redact_codes(text: str) -> str:
    """The text with every link code replaced by ``[code]`` (for transcripts and logs)."""
    out, pos = [], 0
    for _, start, end in _code_candidates(text):
        if start < pos:
            continue
        out.append(text[pos:start] + "[code]")
        pos = end
    return "".join(out) + text[pos:]

"""Personal data masked in anything shown to staff or written to a log.

:func:`redact` replaces, in any text, e-mail addresses, IBANs, phone numbers, V-numbers
(vreemdelingennummer: ten digits), BSNs (nine digits that pass the elfproef, also written
``123.456.782`` or ``123 456 782``; in any script's digits) and link codes by labels
(``[e-mail]``, ``[IBAN]``, ``[phone]``, ``[V-number]``, ``[BSN]``, ``[code]``).

:class:`RedactPersonalData` is the one logging filter every process installs with
:func:`install_log_redaction` (the app in ``create_app``, Rasa in ``bot.rasa_main``, the
action server in ``bot.actions_main``, the ``wegwijs`` command). It is installed in the
log record factory, so every record is masked when it is made — whichever logger, handler
or format Rasa, Sanic, uvicorn or python-telegram-bot configure later — its message, its
arguments, its traceback and its stack.

Conversation ids (``webchat:<session id>``, ``telegram:<user id>``) never reach a log:
code logs :func:`log_id` of them — ``webchat#<12 hex>``, an HMAC with a key derived from
``WEGWIJS_SECRET_KEY``, the same in every process, so an operator still follows one
conversation through the app's, Rasa's and the action server's logs (``wegwijs log-id
<conversation id>`` gives the one to look for) — and the filter maps any that other code
logs (Rasa logs sender ids, also URL-encoded as ``webchat%3A…``) the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import traceback
from collections.abc import Callable

from bot.linkcodes import redact_codes

# Before a number: no letter, digit or "telegram:" (a conversation id); digits may be
# split by one space, dot or hyphen.
_NOT_AFTER = r"(?<![\w+])(?<!\d[ .-])(?<!telegram:)"
_NOT_BEFORE = r"(?![ .-]?\d)(?!\w)(?!:\d)"  # (?!:\d): not a date before a time
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
# Starts only where a run of address characters starts (no quadratic rescans of long
# words, digits or base64 in a log line).
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?\d{1,3})?(?![A-Za-z0-9])"
)
_PHONE = re.compile(
    # international: +31 6 1234 5678, 0031612345678, +249 91 234 5678
    r"(?<![\w+])(?:\+|00)[1-9](?:[ .()-]{0,2}\d){7,14}(?!\d)"
    # Dutch: 06-12345678, 020 123 45 67, (020) 1234567
    r"|(?<![\w(])\(?0\d(?:[ .()-]{0,2}\d){8}" + _NOT_BEFORE
)
_V_NUMBER = re.compile(_NOT_AFTER + r"(?!0)\d(?:[ .-]?\d){9}" + _NOT_BEFORE)
_NINE_DIGITS = re.compile(_NOT_AFTER + r"\d(?:[ .-]?\d){8}" + _NOT_BEFORE)
# Numbers after their name are masked whatever their checksum ("bsn123456789",
# "V-nummer: 12345 67890").
_LABELLED = re.compile(
    r"(?i)(?<![a-z])(bsn|sofi(?:nummer)?|burgerservicenummer|v-?(?:nummer|nr\.?|number)|"
    r"vreemdelingennummer)([\s:.#=-]*)\d(?:[ .-]?\d){6,11}(?!\d)"
)


# A conversation id: the channel, ":" (or URL-encoded "%3A"), the id.
_CONVERSATION_ID = re.compile(r"(?<![\w#])(webchat|telegram)(?::|%3[Aa])([A-Za-z0-9_-]+)")
_LOG_ID_LABEL = b"wegwijs-log-id"
_log_key: bytes | None = None


def set_log_key(secret_key: str) -> None:
    """The key :func:`log_id` hashes with, from the process's ``WEGWIJS_SECRET_KEY``."""
    global _log_key
    _log_key = hmac.new(secret_key.encode(), _LOG_ID_LABEL, hashlib.sha256).digest()


def _key() -> bytes:
    if _log_key is None:
        from bot.settings import get_settings

        set_log_key(get_settings().secret_key)
    assert _log_key is not None
    return _log_key


def log_id(conversation_id: str) -> str:
    """What a log shows for a conversation: ``<channel>#`` and the first 12 hex digits of
    HMAC-SHA256(key, conversation id)."""
    channel, sep, _ = conversation_id.partition(":")
    digest = hmac.new(_key(), conversation_id.encode(), hashlib.sha256).hexdigest()[:12]
    return f"{channel}#{digest}" if sep else f"#{digest}"


def hide_conversation_ids(text: str) -> str:
    """Every ``webchat:…`` and ``telegram:…`` (also ``%3A``-encoded) replaced by its
    :func:`log_id`."""
    if "webchat" not in text and "telegram" not in text:
        return text
    return _CONVERSATION_ID.sub(lambda m: log_id(f"{m.group(1)}:{m.group(2)}"), text)


def passes_elfproef(digits: str) -> bool:
    """The BSN check: 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    values = [int(d) for d in digits]  # int() reads Arabic-Indic and Persian digits too
    total = sum(v * w for v, w in zip(values[:8], range(9, 1, -1), strict=True)) - values[8]
    return total != 0 and total % 11 == 0


def _iban(match: re.Match[str]) -> str:
    compact = re.sub(r"\s", "", match.group(0)).upper()
    digits = sum(c.isdigit() for c in compact)
    return "[IBAN]" if digits >= 10 or _iban_checksum_ok(compact) else match.group(0)


def _iban_checksum_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def _labelled(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    label = "[BSN]" if name.startswith(("bsn", "sofi", "burger")) else "[V-number]"
    return match.group(1) + match.group(2) + label


def _bsn(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[BSN]" if passes_elfproef(digits) else match.group(0)


_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, "[e-mail]"),
    (_LABELLED, _labelled),
    (_IBAN, _iban),
    (_PHONE, "[phone]"),
    (_V_NUMBER, "[V-number]"),
    (_NINE_DIGITS, _bsn),
)


def _unescape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char.isprintable() else match.group(0)


def redact(text: str) -> str:
    """E-mail addresses, IBANs, phone numbers, V-numbers, BSNs and link codes replaced
    by labels.

    JSON's ``\\uXXXX`` escapes (Rasa logs JSON with every non-ASCII letter escaped) are
    read first, so a BSN in Persian digits or a number after an Arabic word is seen."""
    if "\\u" in text:
        text = _ESCAPE.sub(_unescape, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return redact_codes(text)


class RedactPersonalData(logging.Filter):
    """Masks personal data in a log record (message with its arguments, traceback,
    stack); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        broken = False
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: keep what there is
            message, broken = f"{record.msg!r} {record.args!r}", True
        redacted = redact(hide_conversation_ids(message))
        if broken or redacted != message:
            # Only then: formatters that read the arguments (uvicorn's access log) keep them.
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(hide_conversation_ids(record.exc_text))
        if record.stack_info:
            record.stack_info = redact(hide_conversation_ids(record.stack_info))
        return True


_FILTER = RedactPersonalData()


def install_log_redaction(secret_key: str | None = None) -> None:
    """Every log record this process makes from now on goes through
    :class:`RedactPersonalData` (idempotent); conversation ids are hashed with
    ``secret_key`` (the process's WEGWIJS_SECRET_KEY)."""
    if secret_key is not None:
        set_log_key(secret_key)
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts_personal_data", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:  # type: ignore[no-untyped-def]
        record = current(*args, **kwargs)
        _FILTER.filter(record)
        return record

    factory.redacts_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)

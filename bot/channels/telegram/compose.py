"""Composing Telegram messages: the replies of one turn as few messages as fit, split under
Telegram's limit, escaped for HTML, with inline keyboards whose buttons carry a hash."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import Any

from telegram.constants import MessageLimit

from bot.channels.gateway import Reply

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into parts of at most ``limit``: at paragraphs, else lines, else words."""
    if telegram_length(text) <= limit:
        return [text]
    for sep in ("\n\n", "\n", " "):
        pieces = text.split(sep)
        if len(pieces) == 1:
            continue
        parts: list[str] = []
        current = ""
        for piece in pieces:
            candidate = f"{current}{sep}{piece}" if current else piece
            if telegram_length(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            current = piece
        parts.append(current)
        # A piece may still be too long: cut it at the next finer boundary.
        return [p for part in parts for p in split_text(part, limit) if p]
    # One unbroken run of characters: cut hard, never inside a surrogate pair.
    parts, current = [], ""
    for ch in text:
        if telegram_length(current + ch) > limit:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current] if current else parts


def button_token(payload: str) -> str:
    """``callback_data`` for a button: short (Telegram allows 64 bytes) and opaque; the
    payload itself is looked up among the buttons this person was offered."""
    return "b:" + hashlib.sha256(payload.encode()).hexdigest()[:24]


def keyboard(buttons: list[dict[str, str]]) -> dict[str, Any] | None:
    """An inline keyboard: two buttons a row when the titles are short, else one."""
    if not buttons:
        return None
    items = [{"text": b["title"], "callback_data": button_token(b["payload"])} for b in buttons]
    per_row = 2 if all(len(b["title"]) <= 16 for b in buttons) else 1
    return {"inline_keyboard": [items[i : i + per_row] for i in range(0, len(items), per_row)]}


@dataclass
class OutMessage:
    text: str  # HTML, escaped
    reply_markup: dict[str, Any] | None = None


def compose(replies: list[Reply], limit: int = TEXT_LIMIT) -> list[OutMessage]:
    """The replies of one turn as few Telegram messages as fit.

    Rasa's REST channel splits a text at blank lines; here the paragraphs are joined again,
    up to ``limit`` characters, so one answer reads as one message. A reply with buttons
    ends a message (the keyboard belongs under its text). Everything is escaped for HTML.
    """
    out: list[OutMessage] = []
    paragraphs: list[str] = []

    def flush(markup: dict[str, Any] | None) -> None:
        text = "\n\n".join(paragraphs)
        paragraphs.clear()
        if not text:
            return
        parts = split_text(text, limit)
        out.extend(OutMessage(p) for p in parts[:-1])
        out.append(OutMessage(parts[-1], markup))

    for reply in replies:
        escaped = html.escape(reply.text.strip(), quote=False)
        joined = "\n\n".join([*paragraphs, escaped]) if escaped else "\n\n".join(paragraphs)
        if paragraphs and telegram_length(joined) > limit:
            flush(None)
        if escaped:
            paragraphs.append(escaped)
        if reply.buttons:
            if not paragraphs:
                paragraphs.append("…")
            flush(keyboard(reply.buttons))
    flush(None)
    return out


def escaped(text: str) -> str:
    """A plain text as Telegram HTML."""
    return html.escape(text, quote=False)

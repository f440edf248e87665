"""The structure of every answer (keys, buttons, payloads, facts) from content/responses.yml.

Texts are looked up in the catalogs (``bot.i18n.catalogs``); this file gives the English
source, which is also the gettext message id. Reloaded when the file changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.yamlio import load_yaml

# The answer families: retrieval intents of domain.yml whose topic (`<family>/<topic>`) the
# response selector picks, each with an `utter_<family>/unknown` answer for a topic not known yet.
FAQ_FAMILIES: tuple[str, ...] = ("benefits", "insurance", "inburgering", "practical")
TOPIC_FORMS = ", ".join(f"{family}/<name>" for family in FAQ_FAMILIES)


@dataclass(frozen=True)
class Button:
    id: str
    title: str
    payload: str
    translate: bool = True


@dataclass(frozen=True)
class Fact:
    claim: str
    source: str
    date: str
    # The day by which someone checks the fact again (YYYY-MM-DD); empty when not set.
    review_by: str = ""


@dataclass(frozen=True)
class Response:
    key: str
    text: str
    buttons: tuple[Button, ...] = ()
    facts: tuple[Fact, ...] = ()
    note: str = ""
    line: int = 0
    # One button per item of the ``choices`` argument (e.g. the person's appointments).
    choice_button: Button | None = None



def button_context(button: Button) -> str:
    """The gettext context of a button title: ``button:<id>``, shared by every response
    that shows the same button, so each title is translated once."""
    return f"button:{button.id}"


@dataclass
class ContentSource:
    path: Path
    _responses: dict[str, Response] = field(default_factory=dict)
    _mtime: float = -1.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def responses(self) -> dict[str, Response]:
        """All responses by key; re-read when the file changed."""
        mtime = self.path.stat().st_mtime
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._responses = load_responses(self.path)
                    self._mtime = mtime
        return self._responses

    def get(self, key: str) -> Response | None:
        return self.responses().get(key)


def load_responses(path: Path) -> dict[str, Response]:
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text) or {}
    lines = _key_lines(text)
    out: dict[str, Response] = {}
    titles: dict[str, str] = {}
    for key, spec in data.items():
        if not isinstance(spec, dict) or "text" not in spec:
            raise ValueError(f"{path}: response {key!r} has no text")
        _must_be_text(path, key, "text", spec["text"])
        for b in spec.get("buttons") or []:
            _must_be_text(path, key, "button title", b.get("title"))
        buttons = tuple(
            Button(
                id=str(b["id"]),
                title=str(b["title"]),
                payload=str(b["payload"]),
                translate=bool(b.get("translate", True)),
            )
            for b in spec.get("buttons") or []
        )
        for b in buttons:
            if b.translate and titles.setdefault(b.id, b.title) != b.title:
                raise ValueError(
                    f"{path}: button id {b.id!r} has two titles: "
                    f"{titles[b.id]!r} and {b.title!r}"
                )
        facts = tuple(
            Fact(claim=str(f["claim"]), source=str(f["source"]), date=str(f["date"]),
                 review_by=str(f.get("review_by") or ""))
            for f in spec.get("facts") or []
        )
        cb = spec.get("choice_button")
        choice_button = (
            Button(id=f"{key}:choice", title=str(cb["title"]), payload=str(cb["payload"]), translate=False)
            if isinstance(cb, dict)
            else None
        )
        out[key] = Response(
            key=key,
            choice_button=choice_button,
            text=str(spec["text"]).strip(),
            buttons=buttons,
            facts=facts,
            note=str(spec.get("note") or ""),
            line=lines.get(key, 0),
        )
    return out


def _must_be_text(path: Path, key: str, what: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError(
            f"{path}: response {key!r}: the {what} {value!r} is not text — YAML reads an "
            "unquoted No, Yes, On, Off (and numbers) as something else: put it in quotes"
        )


def _key_lines(text: str) -> dict[str, int]:
    lines = {}
    for no, line in enumerate(text.splitlines(), start=1):
        if line and not line[0].isspace() and not line.startswith("#") and ":" in line:
            lines[line.split(":", 1)[0].strip()] = no
    return lines


def source_messages(responses: dict[str, Response]) -> list[tuple[str, str, list[str]]]:
    """(context, English source, comments) of every translatable text, in file order.

    The one definition of what goes into the catalogs: used by the Babel extractor and by
    ``wegwijs content update``.
    """
    out: list[tuple[str, str, list[str]]] = []
    seen: set[tuple[str, str]] = set()

    def add(context: str, source: str, comments: list[str]) -> None:
        if (context, source) not in seen:
            seen.add((context, source))
            out.append((context, source, comments))

    for r in responses.values():
        comments = [f"Note: {r.note}"] if r.note else []
        comments += [f"Fact: {f.claim} | Source: {f.source} | Date: {f.date}" for f in r.facts]
        add(r.key, r.text, comments)
        if r.choice_button is not None:
            add(r.key + ":choice", r.choice_button.title,
                ["The title of each choice button; keep the {placeholders}"])
        for b in r.buttons:
            if b.translate:
                add(button_context(b), b.title, ["A button (short)"])
    return out

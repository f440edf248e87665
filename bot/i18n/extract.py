"""Babel extractor for content/responses.yml (registered in babel.cfg).

Every text becomes a ``pgettext`` message: context = response key, id = English text.
Button titles get the context ``<key>|button:<id>``. Notes and facts (claim, source,
date) become extracted comments (``#.``) that translators and checkers see in every
catalog.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.i18n.content import button_context, load_responses


def extract_responses(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    data = fileobj.read()
    with tempfile.NamedTemporaryFile("wb", suffix=".yml", delete=False) as tmp:
        tmp.write(data)
    try:
        responses = load_responses(Path(tmp.name))
    finally:
        Path(tmp.name).unlink()
    for r in responses.values():
        comments = []
        if r.note:
            comments.append(f"Note: {r.note}")
        for f in r.facts:
            comments.append(f"Fact: {f.claim} | Source: {f.source} | Date: {f.date}")
        yield r.line, "pgettext", (r.key, r.text), comments
        if r.choice_button is not None:
            yield r.line, "pgettext", (r.key + ":choice", r.choice_button.title), [
                "The title of each choice button; keep the {placeholders}"
            ]
        for b in r.buttons:
            if b.translate:
                yield r.line, "pgettext", (button_context(b), b.title), ["A button (short)"]

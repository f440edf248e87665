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

from bot.i18n.content import load_responses, source_messages


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
    lines = {r.key: r.line for r in responses.values()}
    for context, source, comments in source_messages(responses):
        yield lines.get(context.split("|")[0].split(":choice")[0], 0), "pgettext", (context, source), comments

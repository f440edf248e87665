"""The Babel extractor for content/responses.yml (bot/i18n/extract.py)."""

from __future__ import annotations

from pathlib import Path

from bot.i18n.extract import extract_responses

ROOT = Path(__file__).resolve().parents[2]


def test_every_text_is_a_pgettext_message_with_its_key_as_context() -> None:
    with (ROOT / "content" / "responses.yml").open("rb") as fh:
        messages = list(extract_responses(fh, None, None, {}))
    contexts = {context for _, function, (context, _), _ in messages}
    assert all(function == "pgettext" for _, function, _, _ in messages)
    assert "utter_greet" in contexts
    line, _, (_, source), _ = next(m for m in messages if m[2][0] == "utter_greet")
    assert line > 0 and source

"""Finding the Dutch words of letters in a message (intent ``explain_term``).

``content/glossary.yml`` lists, per word, how people type it (``typed_as``); its explanation
is the answer ``utter_term/<key>`` in ``content/responses.yml``. This module finds those words
in a message in any of the five languages — "ما معنى الbeschikking", "aanslach??",
"eigen risico ምንታይ እዩ", "what is a toeslag partner" — so the action can answer from the
glossary. It is read at run time, not trained: a new word or spelling needs no retraining.

How a form matches, on normalised words (case, accents and letter variants folded, a word
split where the script changes: "الbeschikking" is "ال" + "beschikking"):

- the form's words in a row, or the same letters without the spaces: "eigen risico" matches
  "eigen risico" and "eigenrisico", "toeslagpartner" matches "toeslag partner";
- a one-word form of at least six letters also matches with one typing error (a letter
  missing, added, wrong or two swapped: "beschikkign") and with a Dutch plural ending
  ("machtigingen", "aanslagen");
- the longest form wins where two overlap ("voorlopige aanslag" before "aanslag").

No Rasa imports here: ``nlu.components.GlossaryTermExtractor`` wraps it for the pipeline.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlu.crisis import words_of
from nlu.reloading import Reloading, file_stamp
from nlu.yamlio import load_yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "content" / "glossary.yml"
MIN_FUZZY = 6          # letters a one-word form needs before a typing error is forgiven
_LATIN = re.compile(r"[a-z0-9]+|[^a-z0-9]+")
_PLURALS = ("en", "s", "n")


def tokens(text: str) -> list[str]:
    """Normalised words of ``text``, split where Latin letters meet another script."""
    out: list[str] = []
    for word in words_of(text):
        out += _LATIN.findall(word) if not word.isascii() else [word]
    return out


@dataclass(frozen=True)
class Found:
    """A glossary word in a message: its key, and where it is in the message's tokens."""

    key: str
    start: int
    end: int
    surface: str


@dataclass
class Glossary:
    """The typed forms of every word, compiled for matching."""

    forms: dict[str, str]          # joined form (no spaces) -> key
    keys: tuple[str, ...] = ()
    longest: int = 1               # the most words a form has
    answers: dict[str, str] = field(default_factory=dict)  # key -> a topic's own answer

    @classmethod
    def from_data(cls, data: dict) -> Glossary:
        forms: dict[str, str] = {}
        keys = []
        longest = 1
        answers = {}
        for key, spec in (data.get("terms") or {}).items():
            keys.append(str(key))
            if (spec or {}).get("answer"):
                answers[str(key)] = str(spec["answer"])
            for form in (spec or {}).get("typed_as") or []:
                words = tokens(str(form))
                longest = max(longest, len(words))
                joined = "".join(words)
                if joined and joined not in forms:
                    forms[joined] = str(key)
        return cls(forms, tuple(keys), longest, answers)

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Glossary:
        return cls.from_data(load_yaml(path.read_text(encoding="utf-8")) or {})

    def answer(self, key: str) -> str:
        """The answer that explains ``key``: its own ``utter_term/<key>``, or the answer of
        the topic it is (``answer:`` in the glossary: "what is zorgtoeslag" gets the
        zorgtoeslag answer, which says more)."""
        return self.answers.get(key) or f"utter_term/{key}"

    def _lookup(self, joined: str, single: bool) -> str | None:
        key = self.forms.get(joined)
        if key or not single or len(joined) < MIN_FUZZY or not joined.isascii():
            return key
        for ending in _PLURALS:
            if joined.endswith(ending) and joined[: -len(ending)] in self.forms:
                return self.forms[joined[: -len(ending)]]
        for candidate in _one_edit(joined):
            key = self.forms.get(candidate)
            if key and len(candidate) >= MIN_FUZZY:
                return key
        return None

    def find(self, text: str) -> list[Found]:
        """The glossary words in ``text``, in the order they appear, each once."""
        words = tokens(text)
        found: list[Found] = []
        i = 0
        while i < len(words):
            hit = None
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = self._lookup("".join(words[i:i + n]), single=n == 1)
                if key:
                    hit = Found(key, i, i + n, " ".join(words[i:i + n]))
                    break
            if hit:
                if all(f.key != hit.key for f in found):
                    found.append(hit)
                i = hit.end
            else:
                i += 1
        return found


def _one_edit(word: str) -> set[str]:
    """Every string one typing error away from ``word`` among the glossary's letters."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | swaps | replaces | inserts


class GlossaryMatcher:
    """A ``Glossary`` that reloads itself when the file changes (checked by mtime); a
    broken edit keeps the last good glossary."""

    def __init__(self, path: Path | None = None) -> None:
        env = os.environ.get("WEGWIJS_GLOSSARY")
        self.path = Path(path or env or DEFAULT_PATH)
        self._glossary = Reloading(
            stamp=lambda: file_stamp(self.path),
            load=lambda: Glossary.load(self.path),
            empty=Glossary({}),
            what="Glossary",
            errors=(OSError, ValueError, AttributeError, yaml.YAMLError),
            loaded=lambda g: f"{len(g.keys)} words, {len(g.forms)} forms",
        )

    def glossary(self) -> Glossary:
        return self._glossary.get()

    def find(self, text: str) -> list[Found]:
        return self.glossary().find(text)

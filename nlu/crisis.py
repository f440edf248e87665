"""The crisis safety net: per-locale phrase lists that force the urgent path.

Beside the model, a message that contains a reviewed crisis phrase (suicide and self-harm,
violence, fire, a medical emergency, a child in danger, weapons) is treated as
``urgent_help`` whatever the model says. The lists are content, not code:
``content/crisis/<locale>.yml``, kept by the communications team with a clinician and
native speakers (see docs/content.md, "Crisis phrases"). A changed list is live on the
next message: no retraining, no restart.

Every message is checked against the lists of all five locales (the detected language
can be wrong, and people mix languages). Phrase syntax, on normalised words:

- words must occur in order and next to each other;
- ``...`` stands for 0 to 4 arbitrary words;
- ``word*`` is a prefix, ``*word`` a suffix (attached Arabic-script prefixes), ``*word*``
  a substring;
- ``not_crisis`` phrases (same syntax) are removed from the message first, so "does my
  home insurance pay after a fire" is not read as a fire.

No Rasa imports here: ``nlu.components.CrisisPhraseMatcher`` puts it in the pipeline,
and ``python -m nlu.crisis`` checks a list against the training examples.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.reloading import Reloading, file_stamp
from nlu.text import LOCALES, normalize
from nlu.yamlio import load_yaml

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "content" / "crisis"
CATEGORIES: tuple[str, ...] = (
    "self_harm",
    "violence",
    "fire",
    "medical",
    "child_danger",
    "weapon",
)
GAP = "..."
MAX_GAP = 4
_WORD = re.compile(r"\w+", re.UNICODE)
# Letters Arabic and Dari spell differently; folded both ways for matching, since the
# lists of every locale are checked whatever language a message was detected in.
_FOLD = str.maketrans({"ی": "ي", "ى": "ي", "ک": "ك", "ة": "ه", "ۀ": "ه", "ئ": "ي", "ؤ": "و"})


def words_of(text: str) -> list[str]:
    """Normalised words of ``text``: the unit crisis phrases are matched on."""
    return _WORD.findall(normalize(text).translate(_FOLD))


@dataclass(frozen=True)
class Phrase:
    """One list entry, compiled: a tuple of word patterns (``None`` is a gap)."""

    text: str
    locale: str
    category: str
    parts: tuple[tuple[str, str] | None, ...]  # (kind, word) with kind exact|prefix|suffix|infix

    @classmethod
    def parse(cls, text: str, locale: str, category: str) -> Phrase | None:
        parts: list[tuple[str, str] | None] = []
        for raw in str(text).split():
            if raw == GAP:
                if parts and parts[-1] is not None:
                    parts.append(None)
                continue
            lead, trail = raw.startswith("*"), raw.endswith("*") and len(raw) > 1
            core = words_of(raw.strip("*"))
            if not core:
                continue
            for i, word in enumerate(core):
                first, last = i == 0, i == len(core) - 1
                kind = (
                    "infix" if (lead and first and trail and last)
                    else "suffix" if lead and first
                    else "prefix" if trail and last
                    else "exact"
                )
                parts.append((kind, word))
        while parts and parts[-1] is None:
            parts.pop()
        if not parts:
            return None
        return cls(str(text), locale, category, tuple(parts))


def _word_matches(part: tuple[str, str], word: str) -> bool:
    kind, pattern = part
    if kind == "exact":
        return word == pattern
    if kind == "prefix":
        return word.startswith(pattern)
    if kind == "suffix":
        return word.endswith(pattern)
    return pattern in word


def _match(
    parts: tuple[tuple[str, str] | None, ...], p: int, words: list[str], w: int
) -> int | None:
    if p == len(parts):
        return w
    part = parts[p]
    if part is None:
        for skip in range(MAX_GAP + 1):
            if w + skip > len(words):
                break
            end = _match(parts, p + 1, words, w + skip)
            if end is not None:
                return end
        return None
    if w < len(words) and _word_matches(part, words[w]):
        return _match(parts, p + 1, words, w + 1)
    return None


class PhraseIndex:
    """Phrases found by their first word: exact first words through a dict; those that
    start with a prefix pattern by the word's first letter, with a suffix pattern by its
    last letter (a word can only start with ``pattern`` if it starts with its first
    letter), and the few infix patterns by trying each. Ties keep list order."""

    def __init__(self, phrases: list[Phrase]) -> None:
        self.phrases = phrases
        self._by_word: dict[str, list[Phrase]] = {}
        self._prefix: dict[str, list[tuple[int, Phrase]]] = {}
        self._suffix: dict[str, list[tuple[int, Phrase]]] = {}
        self._infix: list[tuple[int, Phrase]] = []
        for rank, phrase in enumerate(phrases):
            first = phrase.parts[0]
            assert first is not None
            kind, pattern = first
            if kind == "exact":
                self._by_word.setdefault(pattern, []).append(phrase)
            elif kind == "prefix":
                self._prefix.setdefault(pattern[0], []).append((rank, phrase))
            elif kind == "suffix":
                self._suffix.setdefault(pattern[-1], []).append((rank, phrase))
            else:
                self._infix.append((rank, phrase))

    def __len__(self) -> int:
        return len(self.phrases)

    def _patterned(self, word: str) -> list[Phrase]:
        """The phrases whose first part is a pattern ``word`` matches, in list order."""
        found = [(r, p) for r, p in self._prefix.get(word[:1], ()) if word.startswith(p.parts[0][1])]  # type: ignore[index]
        found += [(r, p) for r, p in self._suffix.get(word[-1:], ()) if word.endswith(p.parts[0][1])]  # type: ignore[index]
        found += [(r, p) for r, p in self._infix if p.parts[0][1] in word]  # type: ignore[index]
        found.sort(key=lambda item: item[0])
        return [p for _, p in found]

    def first_match(self, words: list[str]) -> tuple[Phrase, int, int] | None:
        """The phrase that matches earliest in ``words`` (list order breaks ties)."""
        for start, word in enumerate(words):
            for phrase in self._by_word.get(word, []) + self._patterned(word):
                end = _match(phrase.parts, 0, words, start)
                if end is not None:
                    return phrase, start, end
        return None


@dataclass(frozen=True)
class Hit:
    """A crisis phrase found in a message."""

    locale: str
    category: str
    phrase: str


@dataclass
class CrisisLists:
    """The compiled phrase lists of every locale."""

    phrases: PhraseIndex
    exclusions: PhraseIndex
    status: dict[str, str]

    @classmethod
    def load(cls, directory: Path = DEFAULT_DIR) -> CrisisLists:
        phrases: list[Phrase] = []
        exclusions: list[Phrase] = []
        status: dict[str, str] = {}
        for locale in LOCALES:
            path = directory / f"{locale}.yml"
            if not path.exists():
                logger.warning("No crisis phrase list for %s (%s)", locale, path.name)
                continue
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
            status[locale] = str(data.get("status") or "draft")
            for category, entries in (data.get("phrases") or {}).items():
                if category not in CATEGORIES:
                    logger.warning("Crisis list %s: unknown category %r", locale, category)
                for entry in entries or []:
                    phrase = Phrase.parse(entry, locale, category)
                    if phrase:
                        phrases.append(phrase)
            for entry in data.get("not_crisis") or []:
                phrase = Phrase.parse(entry, locale, "not_crisis")
                if phrase:
                    exclusions.append(phrase)
        return cls(PhraseIndex(phrases), PhraseIndex(exclusions), status)

    def find(self, text: str) -> Hit | None:
        """The first crisis phrase in ``text`` once ordinary phrases are taken out."""
        words = words_of(text)
        if not words:
            return None
        kept: list[str] = []
        while (found := self.exclusions.first_match(words)) is not None:
            _, start, end = found
            kept += words[:start] + ["\u2400"]  # a gap no phrase can match across
            words = words[max(end, start + 1):]
        words = kept + words
        found = self.phrases.first_match(words)
        if found is None:
            return None
        phrase = found[0]
        return Hit(phrase.locale, phrase.category, phrase.text)


class CrisisMatcher:
    """``CrisisLists`` that reload themselves when a list file changes (checked by mtime)."""

    def __init__(self, directory: Path | None = None) -> None:
        env = os.environ.get("WEGWIJS_CRISIS_DIR")
        self.directory = Path(directory or env or DEFAULT_DIR)
        self._lists = Reloading(
            stamp=lambda: file_stamp(*sorted(self.directory.glob("*.yml"))),
            load=lambda: CrisisLists.load(self.directory),
            empty=CrisisLists(PhraseIndex([]), PhraseIndex([]), {}),
            what="Crisis phrase lists",
            errors=(OSError, yaml.YAMLError),
            loaded=lambda lists: f"{len(lists.phrases)} phrases, {len(lists.exclusions)} exclusions",
        )

    def lists(self) -> CrisisLists:
        # A broken edit keeps the last good lists; never none at all.
        return self._lists.get()

    def find(self, text: str) -> Hit | None:
        return self.lists().find(text)


def check(locale: str) -> int:
    """Print which training examples of ``locale`` the lists catch (``urgent_help``) and
    which ordinary examples they wrongly catch. For the people who keep the lists."""
    import glob

    lists = CrisisLists.load()
    root = Path(__file__).resolve().parent
    urgent: list[str] = []
    ordinary: list[tuple[str, str]] = []
    for path in sorted(glob.glob(str(root / locale / "*.yml"))):
        data = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text = line[2:].strip()
                if block["intent"] == "urgent_help":
                    urgent.append(text)
                else:
                    ordinary.append((block["intent"], text))
    missed = [t for t in urgent if lists.find(t) is None]
    false = [(i, t, lists.find(t)) for i, t in ordinary if lists.find(t) is not None]
    print(f"{locale}: {len(lists.phrases)} phrases, {len(lists.exclusions)} exclusions (all locales)")
    print(f"urgent_help examples caught: {len(urgent) - len(missed)}/{len(urgent)}")
    for t in missed:
        print(f"  missed: {t}")
    print(f"ordinary examples caught (false alarms): {len(false)}/{len(ordinary)}")
    for intent, t, hit in false:
        assert hit is not None
        print(f"  false alarm [{intent}]: {t}  <- {hit.locale}:{hit.category}: {hit.phrase!r}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "check":
        return check(argv[1])
    if argv:
        hit = CrisisLists.load().find(" ".join(argv))
        print(hit or "no crisis phrase")
        return 0
    print("usage: python -m nlu.crisis check <locale> | python -m nlu.crisis <text>")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

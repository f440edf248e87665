"""The term base (content/terms.yml): one name per locale for each Dutch word on letters.

Two uses: the content check reports a translation that calls a term by another name
(:func:`term_problems`), and the renderer writes appointment items from it — what to
bring, the place, with whom — in the person's language with the Dutch word in brackets
(:meth:`TermBase.bring`, :meth:`TermBase.place`, :meth:`TermBase.person`). A Dutch word
the term base does not know is shown as the City's system wrote it.

Also here: the commonest spoken Dari forms, which the bot's answers must not use
(:func:`spoken_dari_problems`): Dari answers are written in the written register.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.i18n.locales import LRI, PDI
from nlu.yamlio import load_yaml

KINDS = ("answer", "bring", "place", "person")
NAMED_LOCALES = ("en", "ar", "ti", "fa_AF")
# How the items of a list are separated in a line ("Bring: A, B, C").
LIST_SEPARATOR = {"ar": "، ", "fa_AF": "، ", "ti": "፣ "}


@dataclass(frozen=True)
class Term:
    id: str
    kind: str
    nl: str
    names: dict[str, str]
    match: tuple[str, ...] = ()
    also: dict[str, tuple[str, ...]] = field(default_factory=dict)
    avoid: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Names of websites or offices that contain the Dutch word without meaning the term
    # ("Mijn Inburgering" for inburgering): not a mention.
    inside_names: tuple[str, ...] = ()
    line: int = 0

    def name(self, locale: str) -> str:
        """The term's one name in ``locale`` (Dutch: the Dutch word)."""
        return self.nl if locale == "nl" else self.names.get(locale) or self.names["en"]

    def accepted(self, locale: str) -> tuple[str, ...]:
        return (self.name(locale), *self.also.get(locale, ()))


def normalise(text: str) -> str:
    """For matching Dutch words: case, curly apostrophes and spacing do not matter."""
    return re.sub(r"\s+", " ", text.replace("’", "'").strip()).casefold()


def load_terms(path: Path) -> dict[str, Term]:
    """Every term of the file by id; ValueError (naming the term) when one is incomplete."""
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text) or {}
    lines = {m.group(1): text.count("\n", 0, m.start()) + 1
             for m in re.finditer(r"^  ([A-Za-z0-9_]+):\s*$", text, re.MULTILINE)}
    out: dict[str, Term] = {}
    for term_id, spec in (data.get("terms") or {}).items():
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: term {term_id!r} is not a mapping")
        missing = [k for k in ("kind", "nl", *NAMED_LOCALES) if not isinstance(spec.get(k), str) or not spec[k].strip()]
        if missing:
            raise ValueError(f"{path}: term {term_id!r} has no {', '.join(missing)}")
        if spec["kind"] not in KINDS:
            raise ValueError(f"{path}: term {term_id!r}: kind must be one of {', '.join(KINDS)}")
        out[str(term_id)] = Term(
            id=str(term_id),
            kind=spec["kind"],
            nl=spec["nl"].strip(),
            names={loc: spec[loc].strip() for loc in NAMED_LOCALES},
            match=tuple(str(m) for m in spec.get("match") or ()),
            also={loc: tuple(str(v) for v in vals) for loc, vals in (spec.get("also") or {}).items()},
            avoid={loc: tuple(str(v) for v in vals) for loc, vals in (spec.get("avoid") or {}).items()},
            inside_names=tuple(str(n) for n in spec.get("inside_names") or ()),
            line=lines.get(str(term_id), 0),
        )
    return out


@dataclass
class TermBase:
    """The term base of a content folder, re-read when the file changes."""

    path: Path
    _terms: dict[str, Term] = field(default_factory=dict)
    _by_dutch: dict[str, Term] = field(default_factory=dict)
    _mtime: float = -1.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def terms(self) -> dict[str, Term]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    terms = load_terms(self.path)
                    self._by_dutch = {normalise(d): t for t in terms.values() for d in (t.nl, *t.match)}
                    self._terms = terms
                    self._mtime = mtime
        return self._terms

    def lookup(self, dutch: str) -> Term | None:
        self.terms()
        return self._by_dutch.get(normalise(dutch))

    # Appointment items -------------------------------------------------------------

    def item(self, dutch: str, locale: str, rtl: bool) -> str:
        """One Dutch word or phrase: "<name> (<Dutch as written>)", or as written when the
        term base does not know it. In Dutch: the Dutch only."""
        dutch = dutch.strip()
        term = self.lookup(dutch)
        if locale == "nl" or term is None:
            return _isolated(dutch, rtl)
        return f"{term.name(locale)} ({_isolated(dutch, rtl)})"

    def bring(self, text: str, locale: str, rtl: bool) -> str:
        """What to bring, as the City's system writes it ("verblijfsvergunning, paspoort of
        ID"): each item in the locale, alternatives joined by the locale's "or"."""
        from babel.lists import format_list

        items = []
        for part in re.split(r"[,;\n]+", text):
            if not part.strip():
                continue
            alternatives = [a for a in re.split(r"\s+of\s+", part.strip()) if a.strip()]
            if locale != "nl" and len(alternatives) > 1 and all(self.lookup(a) for a in alternatives):
                rendered = [self.item(a, locale, rtl) for a in alternatives]
                items.append(format_list(rendered, style="or", locale=locale))
            else:
                items.append(self.item(part, locale, rtl))
        return LIST_SEPARATOR.get(locale, ", ").join(items)

    def place(self, location: str, locale: str, rtl: bool) -> str:
        """A place ("Stadsloket Nieuw-West"): its kind in the locale, the name in brackets."""
        location = location.strip()
        if not location or locale == "nl":
            return _isolated(location, rtl) if location else ""
        first = location.split()[0]
        term = self.lookup(first)
        if term is None or term.kind != "place":
            return _isolated(location, rtl)
        return f"{term.name(locale)} ({_isolated(location, rtl)})"

    def person(self, with_whom: str, locale: str, rtl: bool) -> str:
        """With whom: a role the term base knows in the locale, a person's name as it is."""
        term = self.lookup(with_whom) if with_whom.strip() else None
        if term is None or term.kind != "person":
            return _isolated(with_whom.strip(), rtl) if with_whom.strip() else ""
        return self.item(with_whom, locale, rtl)


# A Dutch name up to this long is kept on one line in right-to-left text.
KEEP_TOGETHER = 32
NBSP = "\u00a0"
# A hyphen followed by a word joiner: no break after it. (The no-break hyphen U+2011 is
# drawn as a low dash by the fonts of the web chat.)
NB_HYPHEN = "-\u2060"


def _isolated(text: str, rtl: bool) -> str:
    """Latin text inside right-to-left text as one left-to-right unit, so that
    "Osdorpplein 1000, 1068 TG Amsterdam" or "Werkplein (demo)" keep their order.

    A short name is also kept on one line (no-break spaces, no break after a hyphen): broken over two
    right-to-left lines, "(Stadsloket Nieuw-West)" reads as "Stadsloket Nieuw-)" and
    "(West". An address is longer and may break, at its spaces.
    """
    if not rtl or not text:
        return text
    if len(text) <= KEEP_TOGETHER:
        text = text.replace(" ", NBSP).replace("-", NB_HYPHEN)
    return f"{LRI}{text}{PDI}"


# The check ---------------------------------------------------------------------------

def _mentions(text: str, word: str) -> bool:
    """``word`` at the start of a word of ``text`` (Dutch compounds: "bijstandsuitkering"
    mentions bijstand), case-insensitive."""
    return re.search(r"(?<![\w])" + re.escape(normalise(word)), normalise(text)) is not None


def term_problems(terms: dict[str, Term], locale: str, source: str, text: str) -> list[str]:
    """What a translation ``text`` of the English ``source`` does wrong with the term base:
    the English names a term (its Dutch word, or its English name) and the translation
    does not use the locale's one name (or one of its forms), or uses an avoided name."""
    if locale == "en":
        return []
    out = []
    for term in terms.values():
        for other in term.avoid.get(locale, ()):
            if other in text:
                out.append(f"calls {term.nl} {other!r}; the term base's name is {term.name(locale)!r}")
        # Appointment items and Dutch are looked for by the Dutch word only: their English
        # names are ordinary words ("health insurance card").
        by_english = term.kind == "answer" and locale != "nl"
        said = source
        for name in term.inside_names:
            said = re.sub(re.escape(name), " ", said, flags=re.IGNORECASE)
        if not (_mentions(said, term.nl) or (by_english and _mentions(said, term.names["en"]))):
            continue
        if not any(_contains(text, name) for name in term.accepted(locale)):
            out.append(
                f"the English mentions {term.nl} but this translation does not use its name "
                f"{term.name(locale)!r} (content/terms.yml)"
            )
    return out


def _contains(text: str, name: str) -> bool:
    if re.search(r"[A-Za-z]", name):
        # Latin inside another script: a prefix of that script may stick to it ("ብDigiD").
        return re.search(r"(?<![A-Za-z])" + re.escape(normalise(name)), normalise(text)) is not None
    return _script_form(name) in _script_form(text)


def _script_form(text: str) -> str:
    """Arabic-script text without vowel marks, the ezafe hamza ("بیمهٔ" is "بیمه") and
    the tatweel, for finding a name in a sentence."""
    return re.sub("[\u064b-\u065f\u0670\u0640]", "", text)


# Spoken Dari forms that the written register writes otherwise: (spoken, written).
SPOKEN_DARI = (
    ("مه", "من"),
    ("ره", "را"),
    ("استم", "هستم"),
    ("استیم", "هستیم"),
    ("استین", "هستید"),
    ("اس", "است"),
    ("میشه", "می‌شود"),
    ("نمیشه", "نمی‌شود"),
    ("چطو", "چطور"),
    ("چی", "چه"),
    ("ای", "این"),
    ("بریم", "برویم"),
)
# Letters (and the marks on them) of the Arabic script, and the zero-width non-joiner:
# not its punctuation ("،", "؟"), which may stand right after a word.
_PERSIAN_LETTER = "\u0620-\u065f\u066e-\u06d3\u06d5\u06fa-\u06ff\u200c"


def spoken_dari_problems(text: str) -> list[str]:
    """The spoken Dari forms in a text of the bot's (whole words only)."""
    out = []
    for spoken, written in SPOKEN_DARI:
        pattern = rf"(?<![{_PERSIAN_LETTER}]){spoken}(?![{_PERSIAN_LETTER}])"
        if re.search(pattern, text):
            out.append(f"spoken Dari {spoken!r}: write {written!r} (the written register)")
    return out


def term_base_for(content: Any) -> TermBase | None:
    """The term base beside a content source's file (content/terms.yml), if it has one."""
    path = getattr(content, "path", None)
    if not isinstance(path, Path):
        return None
    return TermBase(path.parent / "terms.yml")

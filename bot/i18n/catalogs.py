"""Gettext catalogs read straight from the .po files, re-read when a file changes.

Reading the .po (not a compiled .mo) is what lets the communications team change an
answer without a restart: the next message uses the new text. Fuzzy entries (the English
source changed since translation) count as missing, as gettext does.

A missing translation falls back to English, then Dutch; each fallback is logged and
counted (``fallback_counts``), never served silently.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n.locales import FALLBACK_CHAIN, LOCALES

logger = logging.getLogger(__name__)

DOMAIN = "wegwijs"
Key = tuple[str, str]  # (context, English source)


@dataclass
class _Loaded:
    mtime: float
    messages: dict[Key, str]
    plurals: dict[Key, tuple[str, ...]]


@dataclass
class Catalogs:
    """Translations of every locale, keyed by (msgctxt, msgid)."""

    locales_dir: Path
    domain: str = DOMAIN
    _loaded: dict[str, _Loaded] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    fallback_counts: Counter = field(default_factory=Counter)

    def path(self, locale: str) -> Path:
        return self.locales_dir / locale / "LC_MESSAGES" / f"{self.domain}.po"

    def messages(self, locale: str) -> dict[Key, str]:
        loaded = self._current(locale)
        return loaded.messages if loaded else {}

    def plural_forms(self, locale: str, context: str, singular: str) -> tuple[str, ...] | None:
        """The translated forms of a ``msgid_plural`` entry (in the catalog's order), or None."""
        loaded = self._current(locale)
        return loaded.plurals.get((context, singular)) if loaded else None

    def _current(self, locale: str) -> _Loaded | None:
        path = self.path(locale)
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            return None
        loaded = self._loaded.get(locale)
        if loaded is None or loaded.mtime != mtime:
            with self._lock:
                loaded = self._loaded.get(locale)
                if loaded is None or loaded.mtime != mtime:
                    loaded = _Loaded(mtime, *_read(path, locale))
                    self._loaded[locale] = loaded
        return loaded

    def lookup(self, locale: str, context: str, source: str) -> str | None:
        """The translation in ``locale`` itself, or None (English: the source itself)."""
        text = self.messages(locale).get((context, source))
        if text:
            return text
        if locale == "en":
            return source
        return None

    def translate(self, locale: str, context: str, source: str) -> tuple[str, str]:
        """(text, locale it came from), falling back to English, then Dutch."""
        text = self.lookup(locale, context, source)
        if text is not None:
            return text, locale
        for fallback in FALLBACK_CHAIN:
            if fallback == locale:
                continue
            text = self.lookup(fallback, context, source)
            if text is not None:
                self.fallback_counts[(locale, context)] += 1
                logger.warning(
                    "Missing translation: locale=%s key=%s; served %s instead",
                    locale,
                    context,
                    fallback,
                )
                return text, fallback
        self.fallback_counts[(locale, context)] += 1
        logger.error("No translation at all for key=%s; served the English source", context)
        return source, "en"

    def fallback_summary(self) -> dict[str, int]:
        per_locale: Counter = Counter()
        for (locale, _key), n in self.fallback_counts.items():
            per_locale[locale] += n
        return {loc: per_locale.get(loc, 0) for loc in LOCALES}


def _read(path: Path, locale: str) -> tuple[dict[Key, str], dict[Key, tuple[str, ...]]]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale.replace("_", "-") if locale != "fa_AF" else "fa_AF")
    out: dict[Key, str] = {}
    plurals: dict[Key, tuple[str, ...]] = {}
    for msg in catalog:
        if not msg.id or msg.fuzzy:
            continue
        if isinstance(msg.id, str):
            if isinstance(msg.string, str) and msg.string:
                out[(msg.context or "", msg.id)] = msg.string
        elif isinstance(msg.string, tuple | list) and all(msg.string):
            plurals[(msg.context or "", msg.id[0])] = tuple(msg.string)
    logger.info("Loaded %d translations from %s", len(out) + len(plurals), path)
    return out, plurals

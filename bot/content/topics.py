"""The editor's topics (issue 15, point 1): every text of the content by a human title in
Dutch and English, grouped by area, from ``content/topics.yml`` beside ``responses.yml``.

A key without a title there (a new topic, say) is still listed: under "assistant", by its
key, flagged ``untitled`` so the team gives it one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from nlu.yamlio import load_yaml

# The areas in the order the editor lists them.
AREAS: tuple[str, ...] = ("money", "insurance", "appointments", "school", "papers", "words", "assistant")
FALLBACK_AREA = "assistant"


@dataclass(frozen=True)
class Topic:
    key: str
    area: str
    nl: str
    en: str
    untitled: bool = False

    def title(self, ui_locale: str) -> str:
        return self.nl if ui_locale == "nl" else self.en

    def other_title(self, ui_locale: str) -> str:
        return self.en if ui_locale == "nl" else self.nl


def load_titles(path: Path) -> dict[str, Topic]:
    """``content/topics.yml``: ``key: {area, nl, en}``; raises ValueError on a wrong entry."""
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: a mapping of keys is expected")
    out = {}
    for key, spec in data.items():
        if not isinstance(spec, dict) or spec.get("area") not in AREAS:
            raise ValueError(f"{path.name}: {key!r} needs an area, one of {', '.join(AREAS)}")
        for lang in ("nl", "en"):
            if not isinstance(spec.get(lang), str) or not spec[lang].strip():
                raise ValueError(f"{path.name}: {key!r} needs a title in {lang}")
        out[str(key)] = Topic(str(key), spec["area"], spec["nl"].strip(), spec["en"].strip())
    return out


@dataclass
class TopicTitles:
    """The titles beside a content file, re-read when ``topics.yml`` changes."""

    path: Path
    _titles: dict[str, Topic] = field(default_factory=dict)
    _mtime: float = -1.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def beside(cls, content_path: Path) -> TopicTitles:
        return cls(content_path.parent / "topics.yml")

    def titles(self) -> dict[str, Topic]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._titles = load_titles(self.path)
                    self._mtime = mtime
        return self._titles

    def topic(self, key: str) -> Topic:
        known = self.titles().get(key)
        return known or Topic(key, FALLBACK_AREA, key, key, untitled=True)

    def grouped(self, keys: list[str]) -> dict[str, list[Topic]]:
        """The keys' topics per area (every area, in :data:`AREAS` order), titles sorted
        in the file's order."""
        order = {k: n for n, k in enumerate(self.titles())}
        out: dict[str, list[Topic]] = {area: [] for area in AREAS}
        for key in sorted(keys, key=lambda k: (order.get(k, len(order)), k)):
            t = self.topic(key)
            out[t.area].append(t)
        return out


__all__ = ["AREAS", "Topic", "TopicTitles", "load_titles"]

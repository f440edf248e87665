"""The content store at run time and its exchange with the files.

``import_files`` reads ``content/responses.yml`` and the catalogs into the store (after
the same checks as ``wegwijs content check``: it refuses what the check refuses);
``export_files`` writes the live content back to them, byte-stable.

``PublishedContent`` is what the renderer reads: the live versions, cached per process and
loaded again when the store's version number changed or a scheduled version fell due, so
several app processes agree and a published change is live on the next message. While
the store is empty (never imported) it serves the files, as before the store existed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db import content as store
from bot.db.models import ContentVersion
from bot.db.session import Database
from bot.i18n.catalogs import Catalogs, Key
from bot.i18n.content import ContentSource, Response
from bot.i18n.exchange import (
    SOURCE,
    SourceEntry,
    Translation,
    read_catalog,
    read_source,
    response_from_entry,
    write_catalog,
    write_source,
)
from bot.i18n.locales import LOCALES
from bot.i18n.workflow import ContentRepo, Problem

logger = logging.getLogger(__name__)
# How often (at most) a process asks the database whether the store changed.
CHECK_EVERY_S = 0.5


def source_entry(row: ContentVersion) -> SourceEntry:
    return SourceEntry(key=row.key, text=row.text, buttons=list(row.buttons or []),
                       facts=list(row.facts or []), note=row.note or "",
                       choice_button=row.choice_button, raw=row.raw)


def translation(row: ContentVersion) -> Translation:
    comments = row.comments or {}
    return Translation(context=row.key, source=row.source or "", text=row.text,
                       needs_review=bool(row.needs_review),
                       user_comments=list(comments.get("user") or []),
                       previous=comments.get("previous"))




def fields_of(item: SourceEntry | Translation) -> dict[str, Any]:
    """The columns of a version row that keep ``item``."""
    if isinstance(item, SourceEntry):
        return {"text": item.text, "buttons": item.buttons, "facts": item.facts,
                "note": item.note, "choice_button": item.choice_button, "raw": item.raw}
    return {"text": item.text, "source": item.source, "needs_review": int(item.needs_review),
            "comments": {"user": item.user_comments, "previous": item.previous}}


@dataclass
class ImportCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def import_entries(
    *, session: Session, layouts: dict[str, dict[str, Any]], sources: dict[str, SourceEntry],
    translations: dict[str, dict[str, Translation]], actor: str, now: datetime | None = None,
) -> dict[str, ImportCounts]:
    """Make the store's live content what the files say: a new published version of each
    entry that differs (or is new), a removal of each that is gone. Unchanged entries get
    no new version, so importing twice adds nothing. Returns counts per locale
    (``source`` for the English)."""
    now = now or utcnow()
    live = store.live_rows(session=session, now=now)
    report: dict[str, ImportCounts] = {}
    wanted: dict[str, dict[str, Any]] = {SOURCE: {k: e for k, e in sources.items()}}
    wanted.update({loc: dict(t) for loc, t in translations.items()})
    for locale, entries in wanted.items():
        counts = report.setdefault(locale, ImportCounts())
        for key, item in entries.items():
            row = live.get((key, locale))
            if isinstance(item, SourceEntry):
                same = row is not None and source_entry(row) == item
            else:
                same = row is not None and translation(row) == item
            if same:
                counts.unchanged += 1
                continue
            if row is None:
                counts.added += 1
            else:
                counts.changed += 1
            store.add_version(session=session, key=key, locale=locale, state="published",
                              author=actor, now=now, publish_at=now, reviewer=actor,
                              fields=fields_of(item))
        for (key, loc), _row in live.items():
            if loc == locale and key not in entries:
                counts.removed += 1
                store.add_version(session=session, key=key, locale=locale, state="removed",
                                  author=actor, now=now, publish_at=now, reviewer=actor)
    for name, data in layouts.items():
        store.set_layout(session=session, name=name, data=data)
    if any(c.any for c in report.values()) or store.store_version(session=session) == 0:
        store.bump_version(session=session)
    return report


def export_entries(*, session: Session, now: datetime | None = None) -> tuple[
        dict[str, SourceEntry], dict[str, dict[str, Translation]]]:
    """The live English entries and the live translations per locale."""
    sources: dict[str, SourceEntry] = {}
    translations: dict[str, dict[str, Translation]] = {}
    for (key, locale), row in store.live_rows(session=session, now=now).items():
        if locale == SOURCE:
            sources[key] = source_entry(row)
        else:
            translations.setdefault(locale, {})[key] = translation(row)
    return sources, translations


class ImportRefused(Exception):
    """The files do not pass the content check; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def import_files(db: Database, repo: ContentRepo, *, actor: str,
                 now: datetime | None = None) -> dict[str, ImportCounts]:
    """Check the files and read them into the store (one transaction)."""
    problems = repo.check()
    if problems:
        raise ImportRefused(problems)
    layout, sources = read_source(repo.content_path)
    layouts: dict[str, dict] = {"responses": layout}
    translations: dict[str, dict[str, Translation]] = {}
    for locale in LOCALES:
        layouts[f"po:{locale}"], translations[locale] = read_catalog(repo.po_path(locale), locale)
    return db.call(import_entries, layouts=layouts, sources=sources,
                   translations=translations, actor=actor, now=now)


def ordered(layout: dict | None, sources: dict[str, SourceEntry]) -> dict[str, SourceEntry]:
    """The entries in the file's order, new ones at the end."""
    order = [k for k in (layout or {}).get("order", []) if k in sources]
    return {k: sources[k] for k in order + [k for k in sources if k not in set(order)]}


def export_files(db: Database, repo: ContentRepo, now: datetime | None = None) -> list[Path]:
    """Write the live content to the files; returns the files that changed."""
    with db.session() as s:
        if store.store_version(session=s) == 0:
            raise ValueError("the content store is empty: run `wegwijs content import` first")
        sources, translations = export_entries(session=s, now=now)
        layouts = {name: store.get_layout(session=s, name=name)
                   for name in ["responses"] + [f"po:{loc}" for loc in LOCALES]}
    layout = layouts["responses"] or {}
    sources = ordered(layout, sources)
    outputs: dict[Path, bytes] = {
        repo.content_path: write_source(layout, sources).encode("utf-8"),
    }
    for locale in LOCALES:
        outputs[repo.po_path(locale)] = write_catalog(
            layouts[f"po:{locale}"] or {}, locale, sources, translations.get(locale, {}))
    changed = []
    for path, data in outputs.items():
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(path)
    return changed


@dataclass
class Snapshot:
    version: int
    responses: dict[str, Response]
    messages: dict[str, dict[Key, str]]
    # When the next scheduled version goes live: the snapshot is stale from then on.
    stale_at: datetime | None = None


def load_snapshot(*, session, now: datetime) -> Snapshot:  # type: ignore[no-untyped-def]
    version = store.store_version(session=session)
    sources, translations = export_entries(session=session, now=now)
    sources = ordered(store.get_layout(session=session, name="responses"), sources)
    messages: dict[str, dict[Key, str]] = {}
    for locale, entries in translations.items():
        # A translation of older English, or one marked "needs review", is not served:
        # the lookup by (context, current English) misses and falls back, as gettext does
        # with fuzzy entries.
        messages[locale] = {(t.context, t.source): t.text for t in entries.values()
                            if t.text and not t.needs_review}
    return Snapshot(
        version=version,
        responses={k: response_from_entry(e) for k, e in sources.items()},
        messages=messages,
        stale_at=store.next_publication(session=session, now=now),
    )


@dataclass
class PublishedContent:
    """The live content of the store, cached in this process."""

    db: Database
    check_every_s: float = CHECK_EVERY_S
    clock: Callable[[], datetime] = utcnow
    _snapshot: Snapshot | None = None
    _checked: float = -1e9
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> Snapshot | None:
        """The current snapshot, or None while the store is empty."""
        mono = time.monotonic()
        if mono - self._checked < self.check_every_s:
            return self._snapshot
        with self._lock:
            if mono - self._checked < self.check_every_s:
                return self._snapshot
            now = self.clock()
            current = self._snapshot
            with self.db.session() as s:
                version = store.store_version(session=s)
                if version == 0:
                    current = None
                elif (current is None or current.version != version
                      or (current.stale_at is not None and now >= current.stale_at)):
                    current = load_snapshot(session=s, now=now)
                    logger.info("content store version %d loaded (%d answers)",
                                current.version, len(current.responses))
            self._snapshot = current
            self._checked = time.monotonic()
            return current


@dataclass
class StoreContentSource(ContentSource):
    """The answers' structure from the store (the file while the store is empty)."""

    published: PublishedContent | None = None

    def responses(self) -> dict[str, Response]:
        snap = self.published.snapshot() if self.published else None
        return snap.responses if snap is not None else super().responses()


@dataclass
class StoreCatalogs(Catalogs):
    """Translations from the store (the .po files while the store is empty); missing ones
    fall back to English, then Dutch, and are counted, as :class:`Catalogs` does."""

    published: PublishedContent | None = None

    def messages(self, locale: str) -> dict[Key, str]:
        snap = self.published.snapshot() if self.published else None
        if snap is None:
            return super().messages(locale)
        return snap.messages.get(locale, {})

    def plural_forms(self, locale: str, context: str, singular: str) -> tuple[str, ...] | None:
        snap = self.published.snapshot() if self.published else None
        return None if snap is not None else super().plural_forms(locale, context, singular)


__all__ = ["SOURCE", "ImportRefused", "PublishedContent", "StoreCatalogs", "StoreContentSource",
           "export_files", "import_files"]

"""Content read while the assistant runs (the crisis lists, the glossary): loaded again when
its files change, checked by modification time and size on each use, and kept as it was
when an edit does not load, so a broken edit never leaves the assistant with nothing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)


def file_stamp(*paths: Path) -> tuple[tuple[str, float, int], ...]:
    """What changes when one of ``paths`` is edited (raises OSError for a missing one)."""
    out = []
    for path in paths:
        st = path.stat()
        out.append((path.name, st.st_mtime, st.st_size))
    return tuple(out)


class Reloading(Generic[T]):
    """``load()``'s value, loaded again when ``stamp()`` changes; thread-safe.

    ``errors`` are the exceptions of an edit that does not load: logged with ``what``, the
    last good value stays. ``loaded`` says in the log what was loaded (counts, no content).
    """

    def __init__(self, *, stamp: Callable[[], Hashable], load: Callable[[], T], empty: T,
                 what: str, errors: tuple[type[BaseException], ...],
                 loaded: Callable[[T], str]) -> None:
        self._stamp_of, self._load, self._what = stamp, load, what
        self._errors, self._loaded = errors, loaded
        self._stamp: Hashable | None = None
        self._value = empty
        self._lock = threading.Lock()

    def get(self) -> T:
        try:
            stamp = self._stamp_of()
        except OSError:
            return self._value
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self._value = self._load()
                        self._stamp = stamp
                        logger.info("%s loaded: %s", self._what, self._loaded(self._value))
                    except self._errors as exc:
                        logger.error("%s unreadable, keeping the last one: %s", self._what, exc)
        return self._value

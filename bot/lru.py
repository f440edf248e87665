"""A small bounded mapping that forgets the least recently used entries."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruDict(OrderedDict, Generic[K, V]):  # type: ignore[type-arg]
    """At most ``maxsize`` entries; setting or :meth:`get_or_create` makes an entry the
    newest. ``keep(value)`` may protect the oldest entry (e.g. a lock in use): then the
    mapping grows past ``maxsize`` until that entry may go."""

    def __init__(self, maxsize: int, keep: Callable[[V], bool] | None = None) -> None:
        super().__init__()
        self.maxsize = maxsize
        self.keep = keep

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        self._trim()

    def get_or_create(self, key: K, factory: Callable[[], V]) -> V:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = factory()
        self[key] = value
        return value

    def _trim(self) -> None:
        while len(self) > self.maxsize:
            oldest = next(iter(self))
            if self.keep is not None and self.keep(self[oldest]):
                return
            del self[oldest]

"""The bounded mapping (bot/lru.py)."""

from __future__ import annotations

from bot.lru import LruDict


def test_the_least_recently_used_entry_goes_first() -> None:
    d: LruDict[str, int] = LruDict(2)
    d["a"], d["b"] = 1, 2
    assert d.get_or_create("a", lambda: 0) == 1  # "a" is now the newest
    d["c"] = 3
    assert list(d) == ["a", "c"]


def test_get_or_create_makes_each_value_once() -> None:
    d: LruDict[str, list] = LruDict(10)
    first = d.get_or_create("x", list)
    assert d.get_or_create("x", list) is first and len(d) == 1


def test_a_kept_entry_is_not_forgotten_until_it_may_go() -> None:
    busy = {"a"}
    d: LruDict[str, str] = LruDict(1, keep=lambda v: v in busy)
    d["a"] = "a"
    d["b"] = "b"
    assert list(d) == ["a", "b"]  # over the limit while "a" is in use
    busy.clear()
    d["c"] = "c"
    assert list(d) == ["c"]

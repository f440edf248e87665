"""Abuse limits: token buckets per conversation, per network address and per account.

A :class:`Rule` says how many of something are allowed in how many seconds (the bucket
holds ``capacity`` tokens and refills at ``capacity / per_s`` a second); a
:class:`Limiter` takes a token for a key (``conversation:<id>``, ``ip:<address>``, …) and
answers whether it was there. The buckets live in a :class:`BucketStore`: in-process
(:class:`MemoryBuckets`, bounded, for one app process) now; a store in Redis can take its
place when several app processes run (issue #20) — the store's one operation is atomic
take-if-available, which a Redis script does the same way.

Keys hold addresses and conversation ids: they stay in memory and are never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.lru import LruDict

if TYPE_CHECKING:
    from bot.settings import Settings

# Buckets kept in memory; the least recently used go first (a forgotten bucket is full).
MAX_BUCKETS = 100_000


@dataclass(frozen=True)
class Rule:
    """At most ``capacity`` in ``per_s`` seconds (and at most ``capacity`` at once)."""

    name: str
    capacity: int
    per_s: float

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self.capacity / self.per_s


class BucketStore(Protocol):
    """Where buckets live. ``take`` must be atomic for one key."""

    async def take(self, key: str, rule: Rule, now: float, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens from the bucket of ``key`` under ``rule`` if it holds them."""
        ...

    async def tokens(self, key: str, rule: Rule, now: float) -> float:
        """How many tokens the bucket holds now (a full bucket for an unknown key)."""
        ...


@dataclass
class _Bucket:
    tokens: float
    at: float


class MemoryBuckets:
    """Buckets in this process, at most ``maxsize`` of them (least recently used go)."""

    def __init__(self, maxsize: int = MAX_BUCKETS) -> None:
        self._buckets: LruDict[str, _Bucket] = LruDict(maxsize)

    def _refilled(self, key: str, rule: Rule, now: float) -> _Bucket:
        full_key = f"{rule.name}|{key}"
        bucket = self._buckets.get_or_create(full_key, lambda: _Bucket(float(rule.capacity), now))
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(float(rule.capacity), bucket.tokens + elapsed * rule.rate)
        bucket.at = now
        return bucket

    async def take(self, key: str, rule: Rule, now: float, cost: float = 1.0) -> bool:
        # No await between reading and writing: atomic within the event loop.
        bucket = self._refilled(key, rule, now)
        if bucket.tokens + 1e-9 < cost:
            return False
        bucket.tokens -= cost
        return True

    async def tokens(self, key: str, rule: Rule, now: float) -> float:
        return self._refilled(key, rule, now).tokens

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class Limiter:
    """Takes tokens from a store with the time of an injected clock (monotonic seconds)."""

    store: BucketStore
    clock: Callable[[], float] = time.monotonic

    async def take(self, key: str, rule: Rule, cost: float = 1.0) -> bool:
        """True when allowed (a token was taken); False when the limit is reached."""
        return await self.store.take(key, rule, self.clock(), cost)

    async def allows(self, key: str, rule: Rule) -> bool:
        """Whether a token is there, without taking it (e.g. before a login is checked)."""
        return await self.store.tokens(key, rule, self.clock()) >= 1.0 - 1e-9


def in_memory(clock: Callable[[], float] = time.monotonic) -> Limiter:
    return Limiter(MemoryBuckets(), clock)


@dataclass(frozen=True)
class Rules:
    """The rules of the app, from the settings (``WEGWIJS_LIMIT_*``)."""

    # Messages (text, buttons, photos, …) a conversation may send, and a network address.
    messages_per_conversation: Rule
    messages_per_ip: Rule
    # New web chat conversations (each starts a Rasa turn) from one network address.
    sessions_per_ip: Rule
    # "Please wait" told to one conversation: once per this rule, not for every message.
    throttle_notices: Rule
    # Handoffs an unlinked conversation may open.
    handoffs_per_unlinked_conversation: Rule
    # Notices (e-mail, Telegram) to each team lead about the team queue.
    teamlead_notices: Rule
    # Wrong passwords from one address for one account (then that address waits), and
    # from one address over all accounts.
    login_failures_per_account_ip: Rule
    login_failures_per_ip: Rule

    @classmethod
    def from_settings(cls, s: Settings) -> Rules:
        return cls(
            messages_per_conversation=Rule("msg-conv", s.limit_messages_per_conversation, 60),
            messages_per_ip=Rule("msg-ip", s.limit_messages_per_ip, 60),
            sessions_per_ip=Rule("sessions-ip", s.limit_sessions_per_ip, 3600),
            throttle_notices=Rule("notice", 1, 30),
            handoffs_per_unlinked_conversation=Rule(
                "handoff-conv", s.limit_handoffs_per_unlinked_conversation, 3600),
            teamlead_notices=Rule("teamlead-notice", s.limit_teamlead_notices, 3600),
            login_failures_per_account_ip=Rule("login-account-ip", s.limit_login_failures_per_account, 900),
            login_failures_per_ip=Rule("login-ip", s.limit_login_failures_per_ip, 3600),
        )

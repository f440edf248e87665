"""Waiting for something to happen, the one way tests and the bench do it.

``await eventually(check)`` calls ``check`` (a function, sync or async) until it returns
something truthy, and returns that; after ``timeout`` seconds it fails with the ``what``
it was waiting for. ``eventually_sync`` is the same for code without an event loop
(fixtures that start processes). A "nothing happened" check never waits a fixed time: it
waits for a signal that what could have happened is over (see the tests).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any


class NotYet(AssertionError):
    """What a test waited for did not happen in time."""


async def eventually(check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1,
                     what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            raise NotYet(f"{what} did not happen within {timeout:g}s")
        await asyncio.sleep(interval)


def eventually_sync(check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1,
                    what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise NotYet(f"{what} did not happen within {timeout:g}s")
        time.sleep(interval)

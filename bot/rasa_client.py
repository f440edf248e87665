"""The one client for Rasa's HTTP interfaces (REST channel, status) and the action server."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.metrics import Metrics

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


class RasaTimeout(RasaUnavailable):
    """Rasa got the message but did not answer in time: it may still answer it (late)."""


@dataclass
class RasaClient:
    base_url: str
    action_url: str
    token: str
    timeout_s: float = 30.0
    _client: httpx.AsyncClient | None = None
    # Time per message sent to Rasa (bot.metrics); the app passes its own.
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout_s, connect=3.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send_message(
        self, *, sender: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send one user message through Rasa's REST channel; returns the bot messages."""
        started = time.perf_counter()
        outcome = "error"
        try:
            resp = await self.client.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
            outcome = "ok" if resp.status_code == 200 else "error"
        except httpx.ReadTimeout as exc:
            outcome = "timeout"
            raise RasaTimeout(f"REST channel did not answer in {self.timeout_s:g}s") from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"REST channel unreachable: {exc!r}") from exc
        finally:
            self.metrics.rasa_seconds.labels(outcome).observe(time.perf_counter() - started)
        if resp.status_code != 200:
            raise RasaUnavailable(f"REST channel answered {resp.status_code}")
        data = resp.json()
        if not isinstance(data, list):
            raise RasaUnavailable("REST channel answered something that is not a list")
        return data

    async def append_event(self, sender: str, event: dict[str, Any]) -> None:
        """Add an event to a conversation's tracker (``pause``, ``resume``)."""
        try:
            resp = await self.client.post(
                f"{self.base_url}/conversations/{sender}/tracker/events",
                params={"token": self.token, "include_events": "NONE"},
                json=event,
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"tracker events unreachable: {exc!r}") from exc
        if resp.status_code != 200:
            raise RasaUnavailable(f"tracker events answered {resp.status_code}: {resp.text[:200]}")

    async def rasa_ready(self, slow_is_up: bool = False) -> bool:
        """Rasa answers and has a model loaded. ``slow_is_up``: an answer that does not
        come in time counts as up (busy, not gone: a stopped or restarting Rasa refuses
        the connection at once)."""
        try:
            resp = await self.client.get(
                f"{self.base_url}/status", params={"token": self.token}, timeout=3.0
            )
            return resp.status_code == 200 and bool(resp.json().get("model_file"))
        except httpx.TimeoutException:
            return slow_is_up
        except (httpx.HTTPError, ValueError):
            return False

    async def replies_in_tracker(
        self, sender: str, message_id: int
    ) -> list[dict[str, Any]] | None:
        """What Rasa answered to the user message it got with ``message_id`` in its
        metadata, in the REST channel's shape; None when that message is not in the
        tracker (Rasa never processed it). Used before sending a turn again that Rasa may
        have answered just before the app stopped."""
        try:
            resp = await self.client.get(
                f"{self.base_url}/conversations/{sender}/tracker",
                params={"token": self.token, "include_events": "AFTER_RESTART"},
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"tracker unreachable: {exc!r}") from exc
        if resp.status_code != 200:
            raise RasaUnavailable(f"tracker answered {resp.status_code}")
        return bot_replies_after(resp.json().get("events") or [], message_id)

    async def actions_ready(self, slow_is_up: bool = False) -> bool:
        try:
            resp = await self.client.get(f"{self.action_url}/health", timeout=3.0)
            return resp.status_code == 200
        except httpx.TimeoutException:
            return slow_is_up
        except httpx.HTTPError:
            return False


# The metadata key that ties a Rasa user event to the app's stored message.
MESSAGE_ID = "wegwijs_message_id"


def bot_replies_after(events: list[dict[str, Any]], message_id: int) -> list[dict[str, Any]] | None:
    """The bot messages that followed the user event carrying ``message_id``, shaped as
    Rasa's REST channel returns them (a text without buttons split at blank lines); None
    when no user event carries it."""
    start = None
    for i, event in enumerate(events):
        if event.get("event") == "user" and (event.get("metadata") or {}).get(MESSAGE_ID) == message_id:
            start = i
    if start is None:
        return None
    out: list[dict[str, Any]] = []
    for event in events[start + 1:]:
        if event.get("event") == "user":
            break
        if event.get("event") != "bot":
            continue
        text = event.get("text") or ""
        buttons = (event.get("data") or {}).get("buttons")
        if buttons:
            out.append({"text": text, "buttons": buttons})
        elif text:
            out.extend({"text": part} for part in text.strip().split("\n\n"))
    return out


@dataclass
class Readiness:
    """Which of Rasa and the action server are up, asked at most once per ``ttl_s``
    (the gateway asks on every message). ``stale()`` after a failure asks again.

    A part that is busy (answers too slowly under load) counts as up: only one that is
    not there (the connection refused: crashed, restarting, not started) makes messages
    wait, so a busy Rasa never makes people hear "one moment, please" for nothing. (The
    health check is stricter: there a slow answer is not healthy.)"""

    rasa: RasaClient
    ttl_s: float = 1.0
    _checked_at: float = field(default=float("-inf"))
    _missing: list[str] = field(default_factory=list)

    async def missing(self, fresh: bool = False) -> list[str]:
        """The parts not up: ``rasa``, ``action_server`` (empty when both are)."""
        now = time.monotonic()
        if fresh or now - self._checked_at > self.ttl_s:
            rasa_up, actions_up = await asyncio.gather(
                self.rasa.rasa_ready(slow_is_up=True), self.rasa.actions_ready(slow_is_up=True)
            )
            missing = [name for name, up in (("rasa", rasa_up), ("action_server", actions_up))
                       if not up]
            self._missing, self._checked_at = missing, time.monotonic()
        return list(self._missing)

    def stale(self) -> None:
        self._checked_at = float("-inf")

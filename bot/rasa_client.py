"""The one client for Rasa's HTTP interfaces (REST channel, status) and the action server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


@dataclass
class RasaClient:
    base_url: str
    action_url: str
    token: str
    timeout_s: float = 30.0
    _client: httpx.AsyncClient | None = None

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
        try:
            resp = await self.client.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"REST channel unreachable: {exc!r}") from exc
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

    async def rasa_ready(self) -> bool:
        """Rasa answers and has a model loaded."""
        try:
            resp = await self.client.get(
                f"{self.base_url}/status", params={"token": self.token}, timeout=3.0
            )
            return resp.status_code == 200 and bool(resp.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def actions_ready(self) -> bool:
        try:
            resp = await self.client.get(f"{self.action_url}/health", timeout=3.0)
            return resp.status_code == 200
        except httpx.HTTPError:
            return False

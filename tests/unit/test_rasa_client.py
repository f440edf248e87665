"""The client for Rasa's HTTP API and the action server (bot/rasa_client.py): what counts
as a part being up, for the health check and for the gateway."""

from __future__ import annotations

import httpx
import pytest

from bot.rasa_client import RasaClient, Readiness


def client_answering(behaviour: str) -> RasaClient:
    """Rasa and the action server as ``behaviour`` says: up, loading, slow, gone."""

    def handler(request: httpx.Request) -> httpx.Response:
        if behaviour == "gone":
            raise httpx.ConnectError("connection refused", request=request)
        if behaviour == "slow":
            raise httpx.ReadTimeout("no answer in time", request=request)
        if request.url.path == "/status":
            model = "models/wegwijs.tar.gz" if behaviour == "up" else None
            return httpx.Response(200, json={"model_file": model})
        return httpx.Response(200, json={"status": "ok"})

    return RasaClient(base_url="http://rasa", action_url="http://actions/webhook", token="t",
                      _client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))


@pytest.mark.parametrize(
    ("behaviour", "healthy", "missing"),
    [
        ("up", True, []),
        ("loading", False, ["rasa"]),  # answers, but no model yet
        ("gone", False, ["rasa", "action_server"]),
        ("slow", False, []),  # busy under load: not healthy, but messages still go to it
    ],
)
async def test_what_counts_as_up(behaviour: str, healthy: bool, missing: list[str]) -> None:
    rasa = client_answering(behaviour)
    assert await rasa.rasa_ready() is healthy
    assert await Readiness(rasa).missing() == missing
    await rasa.close()


async def test_readiness_asks_again_only_after_its_time_or_a_failure() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={"model_file": "m"})

    rasa = RasaClient(base_url="http://rasa", action_url="http://actions/webhook", token="t",
                      _client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    readiness = Readiness(rasa, ttl_s=60)
    await readiness.missing()
    await readiness.missing()
    assert calls == 2  # Rasa and the action server, once
    readiness.stale()
    await readiness.missing()
    assert calls == 4
    await rasa.close()

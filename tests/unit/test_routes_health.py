"""``GET /healthz`` names the parts that are missing (bot/web/routes/health.py)."""

from __future__ import annotations

from sqlalchemy import text


async def test_healthz_names_rasa_and_the_action_server_when_they_are_not_up(web) -> None:  # type: ignore[no-untyped-def]
    _, client = web  # Rasa and the action server: unreachable (see app_settings)
    resp = await client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["checks"] == {"rasa": False, "action_server": False, "database": True}
    assert body["missing"] == ["rasa", "action_server"]
    assert body["pending_turns"] == 0


async def test_healthz_counts_messages_waiting_for_them(web) -> None:  # type: ignore[no-untyped-def]
    from bot.channels.gateway import Incoming

    services, client = web
    await services.gateway.handle(Incoming("webchat:waiting-1", "webchat", "hello"))
    await services.gateway.handle(Incoming("webchat:waiting-1", "webchat", "are you there"))
    assert (await client.get("/healthz")).json()["pending_turns"] == 2


async def test_healthz_names_the_database_when_it_fails(web, db) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE pending_turns"))
    body = (await client.get("/healthz")).json()
    assert body["checks"]["database"] is False
    assert "database" in body["missing"] and body["pending_turns"] is None

"""Operators' metrics (bot/metrics.py, GET /metrics): each family is driven through the
code that counts it and read back from the exposition with prometheus_client's parser;
who may read them; no personal data in a label."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError

from bot.channels.gateway import Gateway, Incoming, NotStored
from bot.channels.turns import TurnState
from bot.db.models import Conversation, Escalation
from bot.db.session import Database, DatabaseBusy
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.render import Renderer
from bot.metrics import Metrics, authorized, bounded
from bot.rasa_client import MESSAGE_ID, RasaClient, RasaUnavailable
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.routes.metrics import refresh_from_database
from bot.web.services import app_services

TOKEN = "metrics-token-for-the-unit-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def value(exposition: str | bytes, name: str, **labels: str) -> float:
    """The sample ``name`` with exactly ``labels`` in an exposition (0 when absent)."""
    if isinstance(exposition, bytes):
        exposition = exposition.decode()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def samples(exposition: str | bytes) -> list[Any]:
    if isinstance(exposition, bytes):
        exposition = exposition.decode()
    return [s for f in text_string_to_metric_families(exposition) for s in f.samples]


# The scenario Rasa of these tests: what NLG "renders" per message text.
class ScriptedRasa:
    """Stands in for Rasa's REST channel: records the keys the NLG endpoint would have
    rendered for each text (``script``), as the real NLG endpoint does during a turn."""

    def __init__(self, turns: TurnState, script: dict[str, list[str]], fail: bool = False) -> None:
        self.turns, self.script, self.fail = turns, script, fail

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        if self.fail:
            raise RasaUnavailable("down")
        keys = self.script.get(text, ["utter_greet"])
        for key in keys:
            self.turns.record_rendered(sender, key, metadata.get(MESSAGE_ID))
        return [{"text": key} for key in keys]


def gateway_with(db: Database, content_copy: tuple, script: dict[str, list[str]] | None = None,
                 **kwargs: Any) -> Gateway:
    content, locales = content_copy
    turns = TurnState()
    return Gateway(rasa=ScriptedRasa(turns, script or {}, **kwargs),  # type: ignore[arg-type]
                   renderer=Renderer(ContentSource(content), Catalogs(locales)), db=db,
                   turns=turns, session_turns=0)


@pytest.fixture
def metered_settings(app_settings: Settings) -> Settings:
    return app_settings.copy(update={"metrics_token": TOKEN})


@pytest.fixture
async def metered(metered_settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    app = create_app(metered_settings, db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield app_services(app), client


# Access -------------------------------------------------------------------------------


async def test_without_a_token_there_is_no_metrics_page(web) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    assert svc.settings.metrics_token == ""
    assert (await client.get("/metrics")).status_code == 404
    assert (await client.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 404


async def test_metrics_need_the_bearer_token(metered) -> None:  # type: ignore[no-untyped-def]
    _, client = metered
    assert (await client.get("/metrics")).status_code == 401
    for header in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer"):
        resp = await client.get("/metrics", headers={"Authorization": header})
        assert resp.status_code == 401, header
        assert resp.headers["www-authenticate"] == "Bearer"
    # Nor as a query parameter (it would end up in access logs).
    assert (await client.get("/metrics", params={"token": TOKEN})).status_code == 401
    ok = await client.get("/metrics", headers=BEARER)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert value(ok.text, "wegwijs_telegram_outbox_messages") == 0


def test_authorized_compares_the_whole_token() -> None:
    assert authorized(f"Bearer {TOKEN}", TOKEN)
    assert authorized(f"bearer {TOKEN}", TOKEN)
    assert not authorized(f"Bearer {TOKEN[:-1]}", TOKEN)
    assert not authorized(None, TOKEN)
    assert not authorized("Bearer ", "")


def test_production_refuses_a_short_metrics_token() -> None:
    settings = Settings(metrics_token="short")
    assert any(p.startswith("WEGWIJS_METRICS_TOKEN:") for p in settings.production_problems())
    assert not any(p.startswith("WEGWIJS_METRICS_TOKEN:")
                   for p in Settings(metrics_token="").production_problems())
    assert not any(p.startswith("WEGWIJS_METRICS_TOKEN:")
                   for p in Settings(metrics_token=TOKEN).production_problems())


# Turns, latency, fallbacks, urgent turns ------------------------------------------------


async def test_turns_and_their_latency_are_counted_per_channel(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    gateway = gateway_with(db, content_copy)
    for i in range(3):
        await gateway.handle(Incoming("webchat:a", "webchat", f"hallo {i}"))
    await gateway.handle(Incoming("telegram:5", "telegram", "hi"))
    await gateway.handle(Incoming("telegram:5", "telegram", "", kind="sticker"))
    out = gateway.metrics.exposition()
    assert value(out, "wegwijs_turns_total", channel="webchat", outcome="answered") == 3
    assert value(out, "wegwijs_turns_total", channel="telegram", outcome="answered") == 1
    assert value(out, "wegwijs_turns_total", channel="telegram", outcome="app_answer") == 1
    assert value(out, "wegwijs_turn_seconds_count", channel="webchat") == 3
    assert value(out, "wegwijs_turn_seconds_count", channel="telegram") == 2
    assert value(out, "wegwijs_turn_seconds_bucket", channel="webchat", le="+Inf") == 3
    assert value(out, "wegwijs_turn_seconds_sum", channel="webchat") > 0


async def test_fallbacks_and_urgent_turns_are_counted_per_locale(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    script = {
        "huh": ["utter_ask_rephrase"],
        "again huh": ["utter_offer_casemanager"],
        "weather": ["utter_out_of_scope"],
        "help me": ["utter_urgent_help", "utter_handoff_team_open"],
    }
    gateway = gateway_with(db, content_copy, script)
    with db.session() as s:
        s.add(Conversation(id="webchat:ar", channel="webchat", locale="ar"))
        s.add(Conversation(id="webchat:nl", channel="webchat", locale="nl"))
    for text in ("huh", "again huh", "weather", "help me", "hallo"):
        await gateway.handle(Incoming("webchat:ar", "webchat", text))
    await gateway.handle(Incoming("webchat:nl", "webchat", "huh"))
    out = gateway.metrics.exposition()
    assert value(out, "wegwijs_fallback_turns_total", locale="ar", kind="not_understood") == 2
    assert value(out, "wegwijs_fallback_turns_total", locale="ar", kind="out_of_scope") == 1
    assert value(out, "wegwijs_fallback_turns_total", locale="nl", kind="not_understood") == 1
    assert value(out, "wegwijs_urgent_turns_total", locale="ar") == 1
    assert value(out, "wegwijs_urgent_turns_total", locale="nl") == 0
    assert value(out, "wegwijs_answered_turns_total", locale="ar") == 5
    assert value(out, "wegwijs_answered_turns_total", locale="nl") == 1


async def test_a_crisis_phrase_while_rasa_is_down_counts_as_urgent(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    gateway = gateway_with(db, content_copy, fail=True)
    gateway.crisis = type("Crisis", (), {"find": lambda self, t: type("Hit", (), {"category": "suicide"})()
                                         if "crisis" in t else None})()
    await gateway.handle(Incoming("webchat:c", "webchat", "crisis words", locale_hint="fa_AF"))
    await gateway.handle(Incoming("webchat:d", "webchat", "ordinary"))
    out = gateway.metrics.exposition()
    assert value(out, "wegwijs_urgent_turns_total", locale="fa_AF") == 1
    assert value(out, "wegwijs_turns_total", channel="webchat", outcome="pending") == 2
    assert value(out, "wegwijs_errors_total", kind="rasa_unavailable") == 2


# Errors by kind ------------------------------------------------------------------------


async def test_errors_are_counted_by_kind(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    gateway = gateway_with(db, content_copy, {"nothing": []})
    await gateway.handle(Incoming("webchat:e", "webchat", "nothing"))  # Rasa answers nothing
    gateway.metrics.error("something unheard of")  # an unknown kind is not a new label
    out = gateway.metrics.exposition()
    assert value(out, "wegwijs_errors_total", kind="rasa_no_reply") == 1
    assert value(out, "wegwijs_errors_total", kind="turn_failed") == 1
    assert value(out, "wegwijs_errors_total", kind="other") == 1


async def test_a_message_that_cannot_be_stored_is_counted(db, content_copy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gateway = gateway_with(db, content_copy)

    async def busy(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseBusy("busy")

    monkeypatch.setattr(db, "run_retrying", busy)
    with pytest.raises(NotStored):
        await gateway.handle(Incoming("telegram:9", "telegram", "hallo"))
    out = gateway.metrics.exposition()
    assert value(out, "wegwijs_turns_total", channel="telegram", outcome="not_stored") == 1
    assert value(out, "wegwijs_errors_total", kind="message_not_stored") == 1


# Rasa, action server and NLG latency ----------------------------------------------------


async def test_rasa_latency_by_outcome() -> None:
    answers = iter(["ok", "error", "timeout"])

    def handler(request: httpx.Request) -> httpx.Response:
        how = next(answers)
        if how == "timeout":
            raise httpx.ReadTimeout("late", request=request)
        return httpx.Response(200 if how == "ok" else 500, json=[])

    rasa = RasaClient(base_url="http://rasa", action_url="http://actions", token="t",
                      _client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    assert await rasa.send_message(sender="webchat:x", text="hi", metadata={}) == []
    for _ in range(2):
        with pytest.raises(RasaUnavailable):
            await rasa.send_message(sender="webchat:x", text="hi", metadata={})
    out = rasa.metrics.exposition()
    for outcome in ("ok", "error", "timeout"):
        assert value(out, "wegwijs_rasa_request_seconds_count", outcome=outcome) == 1


async def test_nlg_latency_and_bad_requests(metered) -> None:  # type: ignore[no-untyped-def]
    _, client = metered
    body = {"response": "utter_greet", "arguments": {}, "tracker": {"sender_id": "webchat:n"}}
    params = {"token": "test-internal-token"}
    for _ in range(2):
        assert (await client.post("/nlg", params=params, json=body)).status_code == 200
    assert (await client.post("/nlg", params=params, json={"response": 5})).status_code == 400
    out = (await client.get("/metrics", headers=BEARER)).text
    assert value(out, "wegwijs_nlg_request_seconds_count") == 3
    assert value(out, "wegwijs_errors_total", kind="nlg_bad_request") == 1


async def test_the_action_server_times_each_action_and_guards_its_metrics() -> None:
    from sanic import Sanic
    from sanic.response import json as sanic_json

    from bot.metrics import instrument_action_server

    assert instrument_action_server(Sanic("no_token_app"), "") is None
    app = Sanic("metered_actions")

    @app.route("/webhook", methods=["POST"])
    async def webhook(request: Any) -> Any:
        return sanic_json({"events": [], "responses": []},
                          status=200 if request.json.get("ok") else 500)

    metrics = instrument_action_server(app, TOKEN)
    assert metrics is not None
    # Sanic over ASGI wants its lifespan started first.
    lifespan_in: asyncio.Queue = asyncio.Queue()
    lifespan_out: asyncio.Queue = asyncio.Queue()
    await lifespan_in.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                       lifespan_in.get, lifespan_out.put))
    assert (await lifespan_out.get())["type"] == "lifespan.startup.complete"
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://actions") as client:
            await client.post("/webhook", json={"ok": True})
            await client.post("/webhook", json={"ok": True})
            await client.post("/webhook", json={"ok": False})
            assert (await client.get("/metrics")).status_code == 401
            out = (await client.get("/metrics", headers=BEARER)).text
    finally:
        lifespan.cancel()
        with contextlib.suppress(BaseException):
            await lifespan
    assert value(out, "wegwijs_action_request_seconds_count", outcome="ok") == 2
    assert value(out, "wegwijs_action_request_seconds_count", outcome="error") == 1


# Database errors -----------------------------------------------------------------------


async def test_database_errors_are_counted_by_kind(db: Database) -> None:
    metrics = Metrics()
    db.metrics = metrics
    db.retry_total_s = 0

    def locked(*, session: Any) -> None:
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    def broken(*, session: Any) -> None:
        session.execute(sql("SELECT * FROM no_such_table"))

    with pytest.raises(DatabaseBusy):
        await db.run_retrying(locked)
    with pytest.raises(OperationalError):
        await db.run(broken)
    out = metrics.exposition()
    assert value(out, "wegwijs_database_errors_total", kind="busy") == 1
    assert value(out, "wegwijs_database_errors_total", kind="gave_up") == 1
    assert value(out, "wegwijs_database_errors_total", kind="error") == 1


# Telegram outbox: depth and retries ----------------------------------------------------


class FlakyBot:
    """Telegram's send_message failing as told, then taking the message."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.sent = 0

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent += 1


async def test_telegram_retries_by_reason_and_outbox_depth(db, metered, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from telegram.error import NetworkError, RetryAfter

    import bot.channels.telegram.outbox as outbox_module
    from bot.channels.gateway import Reply
    from bot.channels.telegram.outbox import Outbox

    svc, client = metered
    monkeypatch.setattr(outbox_module, "BACKOFF_S", (0, 0, 0, 0))
    flaky = Outbox(db, FlakyBot([RetryAfter(0), NetworkError("502")]), svc.metrics)
    await flaky.deliver(11, "telegram:11", [Reply("een")])
    down = Outbox(db, FlakyBot([NetworkError("down")] * 4), svc.metrics)
    await down.deliver(12, "telegram:12", [Reply("twee"), Reply("drie")])
    out = (await client.get("/metrics", headers=BEARER)).text
    assert value(out, "wegwijs_telegram_send_retries_total", reason="rate_limited") == 1
    assert value(out, "wegwijs_telegram_send_retries_total", reason="network") == 5
    assert value(out, "wegwijs_telegram_send_retries_total", reason="deferred") == 1
    assert value(out, "wegwijs_errors_total", kind="telegram_send") == 5
    # "een" went; "twee" and "drie" (one Telegram message: one turn's replies are
    # composed together) wait for the retry loop.
    assert value(out, "wegwijs_telegram_outbox_messages") == 1


# Escalations ---------------------------------------------------------------------------


async def test_open_and_unnotified_escalations(db, metered) -> None:  # type: ignore[no-untyped-def]
    from bot.clock import utcnow

    svc, client = metered
    with db.session() as s:
        for i, (status, urgent, notified) in enumerate([
            ("open", 1, False), ("open", 0, False), ("claimed", 0, True), ("closed", 1, False),
        ]):
            s.add(Escalation(conversation_id=f"webchat:{i}", kind="handoff", reason="asked",
                             status=status, urgent=urgent, live=1, locale="en",
                             channel="webchat", details={},
                             notified_at=utcnow() if notified else None))
    out = (await client.get("/metrics", headers=BEARER)).text
    assert value(out, "wegwijs_escalations_open", urgent="true") == 1
    assert value(out, "wegwijs_escalations_open", urgent="false") == 2
    assert value(out, "wegwijs_escalations_unnotified") == 2


async def test_a_database_that_cannot_be_read_leaves_the_gauges_and_is_counted() -> None:
    class Broken:
        async def run(self, fn: Any, **kwargs: Any) -> Any:
            raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    metrics = Metrics()
    metrics.outbox_depth.set(4)
    await refresh_from_database(metrics, Broken())
    out = metrics.exposition()
    assert value(out, "wegwijs_metrics_refresh_errors_total") == 1
    assert value(out, "wegwijs_telegram_outbox_messages") == 4


# No personal data in labels ------------------------------------------------------------


def test_labels_take_bounded_values_only() -> None:
    metrics = Metrics()
    metrics.turn("telegram:123456789", "answered", 0.1)
    metrics.rendered(["utter_ask_rephrase"], "Noor from Amsterdam")
    metrics.urgent_turn("xx")
    metrics.database_error("UNIQUE constraint failed: clients.email")
    metrics.telegram_retry("chat 42 blocked")
    labels = {v for s in samples(metrics.exposition()) for k, v in s.labels.items() if k != "le"}
    assert labels <= {"webchat", "telegram", "other", "answered", "not_understood", "true",
                      "false"} | set(("ar", "en", "fa_AF", "nl", "ti"))
    assert bounded("telegram", ("webchat", "telegram")) == "telegram"
    assert bounded(None, ("webchat",)) == "other"


async def test_a_conversation_id_never_reaches_the_exposition(metered, db, content_copy) -> None:  # type: ignore[no-untyped-def]
    svc, client = metered
    gateway = svc.gateway
    gateway.rasa = ScriptedRasa(svc.turns, {})  # type: ignore[assignment]
    gateway.readiness = None  # the in-process app has no Rasa to ask
    await gateway.handle(Incoming("telegram:987654321", "telegram", "mijn naam is Noor Haddad"))
    await asyncio.sleep(0)
    out = (await client.get("/metrics", headers=BEARER)).text
    assert value(out, "wegwijs_turns_total", channel="telegram", outcome="answered") == 1
    assert "987654321" not in out and "Noor" not in out


def test_the_action_server_is_instrumented_only_with_a_token(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import rasa_sdk.endpoint as endpoint

    from bot.actions_main import _instrument

    original = endpoint.create_app
    _instrument("")
    assert endpoint.create_app is original
    made: list[Any] = []
    monkeypatch.setattr(endpoint, "create_app", lambda *a, **k: made.append(k) or _SanicStub())
    _instrument(TOKEN)
    app = endpoint.create_app(action_package_name="actions")
    assert made == [{"action_package_name": "actions"}]
    assert "/metrics" in app.routes and len(app.middlewares) == 2


class _SanicStub:
    """Records what bot.metrics.instrument_action_server adds to rasa-sdk's app."""

    def __init__(self) -> None:
        self.routes: list[str] = []
        self.middlewares: list[str] = []

    def middleware(self, kind: str):  # type: ignore[no-untyped-def]
        def add(fn):  # type: ignore[no-untyped-def]
            self.middlewares.append(kind)
            return fn
        return add

    def route(self, path: str, methods: list[str]):  # type: ignore[no-untyped-def]
        def add(fn):  # type: ignore[no-untyped-def]
            self.routes.append(path)
            return fn
        return add

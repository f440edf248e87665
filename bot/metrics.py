"""Operators' metrics (Prometheus text format, ``GET /metrics``; docs/operations.md).

One :class:`Metrics` holds its own registry, made by ``create_app`` and handed to the
gateway, the Rasa client, the database and the Telegram outbox (each has a private one by
default, so a test or a tool that builds only a part counts into nothing that is served).
Labels take bounded values only — channel, locale, kind, outcome — never a conversation
id, a chat id or a text: :func:`bounded` maps anything else to ``other``.

Gauges that describe the database (outbox depth, open and unnotified escalations) are read
from it when ``/metrics`` is scraped (``bot.web.routes.metrics``), so they are right after
a restart and whichever process wrote the rows. This module is foundation: it imports
nothing of ours but ``nlu`` (tests/unit/test_layers.py).

Each process exposes its own figures: the app (one process until issue #20) and the action
server (:func:`instrument_action_server`). No multiprocess mode: with several app
processes each must be scraped on its own and summed in Prometheus.
"""

from __future__ import annotations

import hmac
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from nlu.text import LOCALES

CHANNELS = ("webchat", "telegram")
# Turn latency: from a message's arrival to its replies (Rasa, actions, NLG, database).
TURN_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)
CALL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# What a turn ended as (wegwijs_turns_total's outcome).
OUTCOMES = ("answered", "pending", "relayed", "app_answer", "throttled", "not_stored",
            "failed")
# wegwijs_errors_total's kind.
ERROR_KINDS = ("rasa_unavailable", "rasa_timeout", "rasa_no_reply", "turn_failed",
               "action_server_down", "message_not_stored", "answer_not_stored",
               "nlg_bad_request", "telegram_send", "telegram_refused")
# The NLG keys that mean the bot did not understand (action_handle_fallback).
NOT_UNDERSTOOD_KEYS = {"utter_ask_rephrase": "not_understood",
                       "utter_offer_casemanager": "not_understood",
                       "utter_out_of_scope": "out_of_scope"}
URGENT_KEY = "utter_urgent_help"


def bounded(value: Any, allowed: tuple[str, ...] | set[str]) -> str:
    """``value`` when it is one of ``allowed``, else ``other`` (a label never carries an
    unbounded or personal value)."""
    return value if isinstance(value, str) and value in allowed else "other"


class Metrics:
    """Every metric family of the app, in one registry of its own."""

    def __init__(self) -> None:
        # No *_created series (a start time per label set: twice the series, no use here).
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.turns = Counter(
            "wegwijs_turns", "Messages handled, by channel and outcome.",
            ["channel", "outcome"], registry=r)
        self.turn_seconds = Histogram(
            "wegwijs_turn_seconds", "Time from a message's arrival to its replies.",
            ["channel"], buckets=TURN_BUCKETS, registry=r)
        self.rasa_seconds = Histogram(
            "wegwijs_rasa_request_seconds",
            "Rasa's REST channel: time per message sent (actions and NLG included).",
            ["outcome"], buckets=CALL_BUCKETS, registry=r)
        self.nlg_seconds = Histogram(
            "wegwijs_nlg_request_seconds", "The app's NLG endpoint: time per response rendered.",
            buckets=CALL_BUCKETS, registry=r)
        self.errors = Counter(
            "wegwijs_errors", "Errors by kind (docs/operations.md lists the kinds).",
            ["kind"], registry=r)
        self.answered = Counter(
            "wegwijs_answered_turns",
            "Turns Rasa answered, by locale (what fallback and urgent rates divide by).",
            ["locale"], registry=r)
        self.fallbacks = Counter(
            "wegwijs_fallback_turns",
            "Turns the bot did not understand (not_understood) or that were out of scope, "
            "by locale.", ["locale", "kind"], registry=r)
        self.urgent = Counter(
            "wegwijs_urgent_turns", "Turns answered with the emergency numbers, by locale.",
            ["locale"], registry=r)
        self.db_errors = Counter(
            "wegwijs_database_errors",
            "Database calls that failed: busy (locked, tried again), gave_up (busy through "
            "every retry), error (anything else).", ["kind"], registry=r)
        self.telegram_retries = Counter(
            "wegwijs_telegram_send_retries",
            "Telegram sends tried again: rate_limited (429), network (5xx, time-outs), "
            "deferred (left for the retry loop).", ["reason"], registry=r)
        self.outbox_depth = Gauge(
            "wegwijs_telegram_outbox_messages", "Replies waiting in the Telegram outbox.",
            registry=r)
        self.escalations_open = Gauge(
            "wegwijs_escalations_open", "Escalations open or claimed (not closed).",
            ["urgent"], registry=r)
        self.escalations_unnotified = Gauge(
            "wegwijs_escalations_unnotified",
            "Open escalations no casemanager has been notified of yet.", registry=r)
        self.scrape_errors = Counter(
            "wegwijs_metrics_refresh_errors",
            "Scrapes whose database gauges could not be read (the gauges keep old values).",
            registry=r)

    # Counting (called by the parts) -------------------------------------------------

    def turn(self, channel: str, outcome: str, seconds: float) -> None:
        channel = bounded(channel, CHANNELS)
        self.turns.labels(channel, bounded(outcome, OUTCOMES)).inc()
        self.turn_seconds.labels(channel).observe(seconds)

    def error(self, kind: str) -> None:
        self.errors.labels(bounded(kind, ERROR_KINDS)).inc()

    def rendered(self, keys: list[str], locale: str) -> None:
        """One turn Rasa answered, and what the keys NLG rendered for it say: not
        understood, urgent."""
        locale = bounded(locale, LOCALES)
        self.answered.labels(locale).inc()
        kinds = {NOT_UNDERSTOOD_KEYS[k] for k in keys if k in NOT_UNDERSTOOD_KEYS}
        for kind in sorted(kinds):
            self.fallbacks.labels(locale, kind).inc()
        if URGENT_KEY in keys:
            self.urgent.labels(locale).inc()

    def urgent_turn(self, locale: str) -> None:
        """The app gave the emergency numbers itself (Rasa not asked)."""
        self.urgent.labels(bounded(locale, LOCALES)).inc()

    def database_error(self, kind: str) -> None:
        self.db_errors.labels(bounded(kind, ("busy", "gave_up", "error"))).inc()

    def telegram_retry(self, reason: str) -> None:
        self.telegram_retries.labels(bounded(reason, ("rate_limited", "network", "deferred"))).inc()

    # Exposition ---------------------------------------------------------------------

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


# The classic text format every Prometheus reads (our names are plain ASCII, so the
# output is the same as prometheus_client's newer 1.0.0 format, which Prometheus 2 lacks).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def authorized(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>`` matches (constant time); never without a token."""
    if not token or not header:
        return False
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


# The action server ------------------------------------------------------------------


def instrument_action_server(app: Any, token: str) -> Metrics | None:
    """Time every ``/webhook`` call of rasa-sdk's Sanic app (one histogram by action
    outcome) and serve them at ``/metrics`` with the same bearer token as the app's.
    Without a token nothing is added (404, as in the app)."""
    if not token:
        return None
    import time

    from sanic.response import raw

    metrics = ActionMetrics()

    @app.middleware("request")
    async def _start(request: Any) -> None:
        if request.path == "/webhook":
            request.ctx.wegwijs_started = time.perf_counter()

    @app.middleware("response")
    async def _stop(request: Any, response: Any) -> None:
        started = getattr(request.ctx, "wegwijs_started", None)
        if started is not None:
            outcome = "ok" if response is not None and response.status < 400 else "error"
            metrics.action_seconds.labels(outcome).observe(time.perf_counter() - started)

    @app.route("/metrics", methods=["GET"])
    async def _metrics(request: Any) -> Any:
        if not authorized(request.headers.get("authorization"), token):
            return raw(b"unauthorized\n", status=401, headers={"WWW-Authenticate": "Bearer"})
        return raw(generate_latest(metrics.registry), content_type=CONTENT_TYPE)

    return metrics


class ActionMetrics:
    """The action server's own metric: time per action call."""

    def __init__(self) -> None:
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        self.action_seconds = Histogram(
            "wegwijs_action_request_seconds",
            "The action server: time per action Rasa ran (ok, or error: 4xx/5xx).",
            ["outcome"], buckets=CALL_BUCKETS, registry=self.registry)

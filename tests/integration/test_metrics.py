"""GET /metrics of the running stack: web chat and Telegram turns move the counters by
exactly what they were; the action server serves its own; a scrape needs the token and
never shows a conversation's id or text."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.phrases import SAY
from harness.stack import METRICS_TOKEN
from harness.telegram_updates import TelegramUser
from harness.waiting import eventually
from harness.webchat import db_path

pytestmark = pytest.mark.stack


def figures(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, by name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    """How much one sample changed between two scrapes (absent counts as 0)."""
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_need_the_token(stack) -> None:  # type: ignore[no-untyped-def]
    for port in (stack.ports["app"], stack.ports["actions"]):
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer guess"}).status_code == 401
        ok = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert ok.status_code == 200


async def test_turns_move_the_counters_by_exactly_what_happened(  # type: ignore[no-untyped-def]
    stack, chat, telegram_api, telegram_bot,
) -> None:
    await eventually(lambda: (stack.health() or {}).get("channels", {}).get("telegram"),
                     timeout=60, interval=0.2, what="the Telegram channel starting")
    before, actions_before = figures(stack.metrics()), figures(stack.metrics("actions"))

    # Web chat, Arabic: the welcome, a greeting, then twice not understood.
    arabic = chat()
    await arabic.connect(language="ar")
    await arabic.say(SAY["ar"]["greet"])
    nonsense = "qwx zzv plop"
    await arabic.say(nonsense)
    await arabic.say(nonsense)
    # Web chat, Tigrinya: the welcome, then a crisis (the emergency numbers, a person called).
    tigrinya = chat()
    await tigrinya.connect(language="ti")
    await tigrinya.say(SAY["ti"]["urgent_help"])
    # Telegram, English: one text, one sticker (the app answers that itself).
    person = TelegramUser(telegram_api, telegram_bot, db_path(stack), "en")
    await person.say("hello")
    await person.send("sticker")

    after, actions_after = figures(stack.metrics()), figures(stack.metrics("actions"))
    assert moved(before, after, "wegwijs_turns_total", channel="webchat", outcome="answered") == 6
    assert moved(before, after, "wegwijs_turns_total", channel="telegram", outcome="answered") == 1
    assert moved(before, after, "wegwijs_turns_total", channel="telegram", outcome="app_answer") == 1
    assert moved(before, after, "wegwijs_turn_seconds_count", channel="webchat") == 6
    assert moved(before, after, "wegwijs_turn_seconds_count", channel="telegram") == 2
    # Every text went to Rasa once, the sticker did not.
    assert moved(before, after, "wegwijs_rasa_request_seconds_count", outcome="ok") == 7
    # Twice not understood in Arabic: "please rephrase" (or out of scope), then the offer.
    arabic_fallbacks = sum(
        moved(before, after, "wegwijs_fallback_turns_total", locale="ar", kind=kind)
        for kind in ("not_understood", "out_of_scope")
    )
    assert arabic_fallbacks == 2
    assert moved(before, after, "wegwijs_fallback_turns_total", locale="en",
                 kind="not_understood") == 0
    assert moved(before, after, "wegwijs_urgent_turns_total", locale="ti") == 1
    assert moved(before, after, "wegwijs_urgent_turns_total", locale="ar") == 0
    # What those rates divide by: the turns Rasa answered, per locale.
    assert moved(before, after, "wegwijs_answered_turns_total", locale="ar") == 4
    assert moved(before, after, "wegwijs_answered_turns_total", locale="ti") == 2
    assert moved(before, after, "wegwijs_answered_turns_total", locale="en") == 1
    assert moved(before, after, "wegwijs_escalations_open", urgent="true") == 1
    # Nothing failed.
    errors = sum(v for (name, _), v in after.items() if name == "wegwijs_errors_total")
    assert errors == sum(v for (name, _), v in before.items() if name == "wegwijs_errors_total")
    # NLG rendered every bot message; the action server ran at least the two fallbacks.
    assert moved(before, after, "wegwijs_nlg_request_seconds_count") >= 7
    assert moved(actions_before, actions_after, "wegwijs_action_request_seconds_count",
                 outcome="ok") >= 2
    # Operators see no conversation: no id, no text.
    text = stack.metrics()
    for secret in (str(person.id), arabic.conversation_id, nonsense, "plop"):
        assert secret not in text

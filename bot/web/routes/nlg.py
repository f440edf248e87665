"""Rasa's NLG endpoint (``POST /nlg``): every ``utter_*`` rendered from the catalogs in the
conversation's locale. What it learns about the turn (the keys rendered, an active form)
goes to the :class:`~bot.channels.turns.TurnState` the gateway reads."""

from __future__ import annotations

import hmac
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.db import conversations as repo
from bot.i18n.locales import to_locale
from bot.rasa_client import MESSAGE_ID
from bot.web.services import services


def _dict(value: Any) -> dict[str, Any]:
    """A part of Rasa's request that should be an object; anything else counts as empty."""
    return value if isinstance(value, dict) else {}


def nlg_locale(body: dict[str, Any], default: str) -> str:
    """The locale to render in: explicit argument, the ``language`` slot, the hint."""
    arguments = _dict(body.get("arguments"))
    tracker = _dict(body.get("tracker"))
    slots = _dict(tracker.get("slots"))
    latest = _dict(tracker.get("latest_message"))
    for candidate in (
        arguments.get("locale"),
        slots.get("language"),
        _dict(latest.get("metadata")).get("language"),
    ):
        loc = to_locale(candidate) if isinstance(candidate, str) else None
        if loc:
            return loc
    return default


def answered_message(tracker: dict[str, Any]) -> int | None:
    """The app's id of the message Rasa is answering (from the metadata of the latest
    user message), or None."""
    metadata = _dict(_dict(tracker.get("latest_message")).get("metadata"))
    value = metadata.get(MESSAGE_ID)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def nlg(request: Request) -> JSONResponse:
    svc = services(request)
    started = time.perf_counter()
    try:
        return await _nlg(request, svc)
    finally:
        svc.metrics.nlg_seconds.observe(time.perf_counter() - started)


async def _nlg(request: Request, svc: Any) -> JSONResponse:
    token = request.query_params.get("token", "")
    if not hmac.compare_digest(token, svc.settings.internal_token):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    try:
        body = await request.json()
    except ValueError:
        svc.metrics.error("nlg_bad_request")
        return JSONResponse({"error": "invalid JSON"}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("response"), str):
        svc.metrics.error("nlg_bad_request")
        return JSONResponse({"error": "missing response"}, status_code=400)
    locale = nlg_locale(body, svc.settings.default_locale)
    arguments = _dict(body.get("arguments"))
    rendered = svc.renderer.render(body["response"], locale, arguments)
    tracker = _dict(body.get("tracker"))
    sender = tracker.get("sender_id")
    if isinstance(sender, str):
        svc.turns.record_rendered(sender, rendered.key, answered_message(tracker))
        active_loop = tracker.get("active_loop")
        svc.turns.record_form(sender, active_loop if isinstance(active_loop, dict) else None)
        if not arguments.get("locale"):
            await svc.db.run(repo.set_conversation_locale, conversation_id=sender, locale=locale)
    return JSONResponse(rendered.as_nlg())

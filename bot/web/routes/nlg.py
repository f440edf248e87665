"""Rasa's NLG endpoint (``POST /nlg``): every ``utter_*`` rendered from the catalogs in the
conversation's locale. What it learns about the turn (the keys rendered, an active form)
goes to the :class:`~bot.channels.turns.TurnState` the gateway reads."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.db import conversations as repo
from bot.i18n.locales import to_locale
from bot.web.services import services


def nlg_locale(body: dict[str, Any], default: str) -> str:
    """The locale to render in: explicit argument, the ``language`` slot, the hint."""
    arguments = body.get("arguments") or {}
    tracker = body.get("tracker") or {}
    slots = tracker.get("slots") or {}
    latest = tracker.get("latest_message") or {}
    for candidate in (
        arguments.get("locale"),
        slots.get("language"),
        (latest.get("metadata") or {}).get("language"),
    ):
        loc = to_locale(candidate)
        if loc:
            return loc
    return default


async def nlg(request: Request) -> JSONResponse:
    svc = services(request)
    token = request.query_params.get("token", "")
    if not hmac.compare_digest(token, svc.settings.internal_token):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "invalid JSON"}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("response"), str):
        return JSONResponse({"error": "missing response"}, status_code=400)
    locale = nlg_locale(body, svc.settings.default_locale)
    rendered = svc.renderer.render(body["response"], locale, body.get("arguments") or {})
    tracker = body.get("tracker") or {}
    sender = tracker.get("sender_id")
    if isinstance(sender, str):
        svc.turns.record_rendered(sender, rendered.key)
        svc.turns.record_form(sender, tracker.get("active_loop"))
        if not (body.get("arguments") or {}).get("locale"):
            await svc.db.run(repo.set_conversation_locale, conversation_id=sender, locale=locale)
    return JSONResponse(rendered.as_nlg())

"""``POST /telegram/webhook``: updates from Telegram, only with the secret set in
setWebhook (``X-Telegram-Bot-Api-Secret-Token``); stored before the 200."""

from __future__ import annotations

import hmac
import json
import logging

from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.channels.telegram import SECRET_HEADER
from bot.db.session import is_busy
from bot.web.services import services

logger = logging.getLogger(__name__)


async def read_capped(request: Request, max_bytes: int) -> bytes | None:
    """The body, or None when it is larger than ``max_bytes``: refused by its
    Content-Length at once, or, sent without one, as soon as the cap is passed (the
    rest is never read)."""
    try:
        if int(request.headers.get("content-length") or 0) > max_bytes:
            return None
    except ValueError:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def telegram_webhook(request: Request) -> JSONResponse:
    # The route exists only when the app serves Telegram in webhook mode (create_app).
    telegram = services(request).telegram
    assert telegram is not None
    secret = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(secret.encode(), telegram.webhook_secret.encode()):
        logger.warning("telegram webhook without the right secret from %s", request.client)
        return JSONResponse({"error": "forbidden"}, status_code=403)
    if not telegram.ready:
        # Telegram tries again later; nothing is lost.
        return JSONResponse({"error": "starting"}, status_code=503)
    raw = await read_capped(request, services(request).settings.max_webhook_bytes)
    if raw is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        body = json.loads(raw)
    except ValueError:
        return JSONResponse({"error": "invalid JSON"}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
        return JSONResponse({"error": "not an update"}, status_code=400)
    try:
        status = await telegram.receive_webhook(body)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # python-telegram-bot's parsing of a malformed update (a field of the wrong type).
        logger.warning("telegram webhook: unreadable update: %r", exc)
        return JSONResponse({"error": "unreadable update"}, status_code=400)
    except OperationalError as exc:
        # The database is busy or locked: not stored, so not accepted; Telegram sends the
        # update again (with a growing wait) and nothing is lost.
        logger.error("telegram webhook: update not stored (%s); Telegram sends it again",
                     "busy" if is_busy(exc) else "database error")
        return JSONResponse({"error": "busy"}, status_code=503)
    return JSONResponse({"ok": True, "status": status})

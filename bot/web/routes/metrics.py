"""``GET /metrics``: the operators' metrics in Prometheus text format (``bot.metrics``).

Off unless ``WEGWIJS_METRICS_TOKEN`` is set (404, as if there were no such page); with it,
a scrape must send ``Authorization: Bearer <token>`` (401 otherwise)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.metrics import CONTENT_TYPE, authorized, refresh_from_database
from bot.web.services import services


async def metrics_page(request: Request) -> Response:
    svc = services(request)
    token = svc.settings.metrics_token
    if not token:
        return PlainTextResponse("Not Found", status_code=404)
    if not authorized(request.headers.get("authorization"), token):
        return PlainTextResponse("unauthorized", status_code=401,
                                 headers={"WWW-Authenticate": "Bearer"})
    await refresh_from_database(svc.metrics, svc.db)
    return Response(svc.metrics.exposition(), media_type=CONTENT_TYPE)

"""``GET /metrics``: the operators' metrics in Prometheus text format (``bot.metrics``).

Off unless ``WEGWIJS_METRICS_TOKEN`` is set (404, as if there were no such page); with it,
a scrape must send ``Authorization: Bearer <token>`` (401 otherwise)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.db.escalations import open_counts
from bot.db.telegram import outbox_size
from bot.metrics import CONTENT_TYPE, Metrics, authorized
from bot.web.services import services

logger = logging.getLogger(__name__)


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


def database_gauges(*, session: Session) -> dict[str, Any]:
    """The outbox depth and the open escalations, counted in one transaction."""
    return {"outbox": outbox_size(session=session), "escalations": open_counts(session=session)}


async def refresh_from_database(metrics: Metrics, db: Any) -> None:
    """Set the gauges read from the database; a failure is counted and logged (the
    gauges keep their last values), never raised: a scrape still answers."""
    try:
        counts = await db.run(database_gauges)
    except Exception as exc:  # noqa: BLE001 - a scrape must still answer
        logger.error("metrics: database gauges not read (%s)", type(exc).__name__)
        metrics.scrape_errors.inc()
        return
    escalations = counts["escalations"]
    metrics.outbox_depth.set(counts["outbox"])
    for urgent in ("true", "false"):
        metrics.escalations_open.labels(urgent).set(escalations[urgent])
    metrics.escalations_unnotified.set(escalations["unnotified"])

"""``GET /healthz``: 200 only when Rasa (model loaded), the action server and the database
answer; ``missing`` names the parts that do not (``rasa``, ``action_server``,
``database``) and ``pending_turns`` counts the messages waiting for them; also the
translation fallbacks per locale and the channels (informative only)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.db.pending import pending_count
from bot.db.session import ping
from bot.web.services import services

logger = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    svc = services(request)
    pending = None
    try:
        db_ok = await svc.db.run(ping)
        pending = await svc.db.run(pending_count)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        logger.error("database check failed: %s", exc)
        db_ok = False
    checks = {
        "rasa": await svc.rasa.rasa_ready(),
        "action_server": await svc.rasa.actions_ready(),
        "database": db_ok,
    }
    ok = all(checks.values())
    return JSONResponse(
        {
            "status": "ok" if ok else "degraded",
            "checks": checks,
            "missing": [name for name, up in checks.items() if not up],
            "pending_turns": pending,
            "translation_fallbacks": svc.catalogs.fallback_summary(),
            # Informative only: Telegram being unreachable must not restart the app.
            "channels": {
                "webchat": True,
                "telegram": None if svc.telegram is None else svc.telegram.ready,
            },
        },
        status_code=200 if ok else 503,
    )

"""The Wegwijs app (ASGI): web chat (socket.io), Rasa's NLG endpoint, health.

``create_app()`` builds everything from settings; nothing happens at import time.
Run with ``uvicorn bot.web.app:create_app --factory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.channels.gateway import Gateway
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from bot.channels.webchat import create_socketio_server, make_webchat_pusher
from bot.db import conversations as repo
from bot.db.session import ping, session_scope
from bot.handoff.notify import Mailer
from bot.handoff.service import Handoff
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import HTML_LANG, LOCALES, NATIVE_NAMES, direction, to_locale
from bot.i18n.render import Renderer
from bot.i18n.workflow import ContentRepo
from bot.rasa_client import RasaClient
from bot.settings import ROOT, Settings, get_settings
from bot.web.content_page import make_content_page
from bot.web.inbox import make_inbox_routes
from bot.web.ui import UiCatalog

logger = logging.getLogger(__name__)
WEB_DIR = ROOT / "bot" / "web"


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


def negotiate_locale(accept_language: str | None, default: str) -> str:
    """Pick one of the five locales from an Accept-Language header."""
    if not accept_language:
        return default
    weighted = []
    for part in accept_language.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        loc = to_locale(lang)
        if loc:
            weighted.append((weight, loc))
    return max(weighted)[1] if weighted else default


def create_app(settings: Settings | None = None) -> socketio.ASGIApp:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level)
    # httpx logs full URLs at INFO, internal tokens included.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    catalogs = Catalogs(settings.locales_dir)
    renderer = Renderer(ContentSource(settings.content_path), catalogs)
    rasa = RasaClient(
        base_url=settings.rasa_url,
        action_url=settings.action_url,
        token=settings.internal_token,
        timeout_s=settings.rasa_timeout_s,
    )
    gateway = Gateway(
        rasa=rasa,
        renderer=renderer,
        default_locale=settings.default_locale,
        max_message_chars=settings.max_message_chars,
        secret_key=settings.secret_key,
        session_turns=settings.rasa_session_turns,
    )
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))

    async def webchat_page(request: Request) -> HTMLResponse:
        locale = to_locale(request.query_params.get("lang")) or negotiate_locale(
            request.headers.get("accept-language"), settings.default_locale
        )
        return templates.TemplateResponse(
            request,
            "webchat.html",
            {
                "locale": locale,
                "html_lang": HTML_LANG[locale],
                "dir": direction(locale),
                "languages": [(loc, NATIVE_NAMES[loc], direction(loc)) for loc in LOCALES],
            },
        )

    async def nlg(request: Request) -> JSONResponse:
        token = request.query_params.get("token", "")
        if not hmac.compare_digest(token, settings.internal_token):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("response"), str):
            return JSONResponse({"error": "missing response"}, status_code=400)
        locale = nlg_locale(body, settings.default_locale)
        rendered = renderer.render(body["response"], locale, body.get("arguments") or {})
        sender = (body.get("tracker") or {}).get("sender_id")
        if isinstance(sender, str):
            gateway.record_rendered(sender, rendered.key)
            gateway.record_form(sender, (body.get("tracker") or {}).get("active_loop"))
            if not (body.get("arguments") or {}).get("locale"):
                await run_in_threadpool(_remember_locale, sender, locale)
        return JSONResponse(rendered.as_nlg())

    ui = UiCatalog.load(settings.locales_dir)
    telegram = TelegramChannel(settings, gateway, ui) if settings.telegram_token else None

    async def telegram_webhook(request: Request) -> JSONResponse:
        """Updates from Telegram; only with the secret set in setWebhook."""
        if telegram is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), telegram.webhook_secret.encode()):
            logger.warning("telegram webhook without the right secret from %s", request.client)
            return JSONResponse({"error": "forbidden"}, status_code=403)
        if not telegram.ready:
            # Telegram tries again later; nothing is lost.
            return JSONResponse({"error": "starting"}, status_code=503)
        if int(request.headers.get("content-length") or 0) > 1_000_000:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
            return JSONResponse({"error": "not an update"}, status_code=400)
        try:
            status = await telegram.receive_webhook(body)
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("telegram webhook: unreadable update: %r", exc)
            return JSONResponse({"error": "unreadable update"}, status_code=400)
        return JSONResponse({"ok": True, "status": status})

    async def healthz(request: Request) -> JSONResponse:
        try:
            db_ok = await run_in_threadpool(ping)
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            logger.error("database check failed: %s", exc)
            db_ok = False
        checks = {
            "rasa": await rasa.rasa_ready(),
            "action_server": await rasa.actions_ready(),
            "database": db_ok,
        }
        ok = all(checks.values())
        return JSONResponse(
            {
                "status": "ok" if ok else "degraded",
                "checks": checks,
                "translation_fallbacks": catalogs.fallback_summary(),
                # Informative only: Telegram being unreachable must not restart the app.
                "channels": {
                    "webchat": True,
                    "telegram": None if telegram is None else telegram.ready,
                },
            },
            status_code=200 if ok else 503,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        starting = asyncio.create_task(telegram.start()) if telegram else None
        handoff.start()
        yield
        await handoff.stop()
        if starting is not None:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            await telegram.stop()
        await rasa.close()

    content_page = make_content_page(
        renderer, ContentRepo(ROOT, settings.content_path, settings.locales_dir), templates
    )
    handoff = Handoff(settings=settings, gateway=gateway, ui=ui, mailer=Mailer(settings))
    gateway.on_message = handoff.poke
    if telegram is not None:
        handoff.pushers["telegram"] = telegram.push
        handoff.telegram_notify = telegram.notify_staff
        handoff.fetch_file = telegram.fetch_file

    starlette_app = Starlette(
        routes=[
            Route("/", webchat_page),
            Route("/content", content_page),
            Route("/nlg", nlg, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
            *make_inbox_routes(settings, templates, ui, handoff),
            Mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static"),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="wegwijs_staff",
                max_age=8 * 3600,
                same_site="strict",
                https_only=settings.secure_cookies,
            )
        ],
    )
    starlette_app.state.gateway = gateway
    starlette_app.state.catalogs = catalogs
    starlette_app.state.telegram = telegram
    sio = create_socketio_server(gateway)
    handoff.pushers["webchat"] = make_webchat_pusher(sio)
    starlette_app.state.handoff = handoff
    return socketio.ASGIApp(sio, other_asgi_app=starlette_app, socketio_path="socket.io")


def _remember_locale(sender: str, locale: str) -> None:
    with session_scope() as s:
        repo.set_conversation_locale(session=s, conversation_id=sender, locale=locale)

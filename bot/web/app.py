"""The Wegwijs app (ASGI): web chat (socket.io), Rasa's NLG endpoint, health, the Telegram
webhook, the inbox and the content page.

``create_app()`` is the composition root: it builds every object from the settings, hands
each its collaborators through its constructor, and keeps them in ``app.state`` for the
routes (``bot.web.services``); nothing happens at import time. Run with
``uvicorn bot.web.app:create_app --factory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.channels.gateway import Gateway
from bot.channels.pending import PENDING_GRACE_S, Channel, PendingTurns
from bot.channels.telegram import TelegramChannel
from bot.channels.turns import ConversationLocks, TurnState
from bot.channels.webchat import (
    SessionTokens,
    create_socketio_server,
    make_pending_pusher,
    make_seen_pusher,
)
from bot.content.store import PublishedContent, StoreCatalogs, StoreContentSource
from bot.db import retention
from bot.db.retention import Periods
from bot.db.session import Database
from bot.handoff.notify import Mailer
from bot.handoff.service import Handoff
from bot.handoff.staff_telegram import StaffTelegramLinks
from bot.housekeeping import Housekeeping
from bot.i18n.render import Renderer
from bot.i18n.workflow import ContentRepo
from bot.limits import Rules, in_memory
from bot.metrics import Metrics
from bot.privacy import install_log_redaction
from bot.rasa_client import RasaClient, Readiness
from bot.settings import ROOT, Settings, settings_or_exit
from bot.web.origins import OriginCheck
from bot.web.routes import content, content_workflow, inbox
from bot.web.routes.health import healthz
from bot.web.routes.metrics import metrics_page
from bot.web.routes.nlg import nlg
from bot.web.routes.telegram_webhook import telegram_webhook
from bot.web.routes.webchat_page import webchat_page
from bot.web.services import Services
from bot.web.ui import UiCatalog
from nlu.crisis import CrisisMatcher

logger = logging.getLogger(__name__)
WEB_DIR = ROOT / "bot" / "web"
STAFF_SESSION_S = 8 * 3600


def create_app(settings: Settings | None = None, db: Database | None = None) -> socketio.ASGIApp:
    settings = settings or settings_or_exit()
    install_log_redaction(settings.secret_key)
    logging.basicConfig(level=settings.log_level)
    # httpx logs full URLs at INFO, internal tokens included.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    db = db or Database(settings.database_url, busy_timeout_s=settings.db_busy_timeout_s,
                        retry_total_s=settings.db_retry_total_s)
    # Operators' metrics (GET /metrics, off without WEGWIJS_METRICS_TOKEN): one registry
    # for this app, handed to every part that counts.
    metrics = Metrics()
    db.metrics = metrics
    # Answers from the database's content store (the files while it is empty).
    published = PublishedContent(db)
    catalogs = StoreCatalogs(settings.locales_dir, published=published)
    renderer = Renderer(StoreContentSource(settings.content_path, published=published), catalogs)
    ui = UiCatalog.load(settings.locales_dir)
    rasa = RasaClient(
        base_url=settings.rasa_url,
        action_url=settings.action_url,
        token=settings.internal_token,
        timeout_s=settings.rasa_timeout_s,
        metrics=metrics,
    )
    readiness = Readiness(rasa)
    # Abuse limits, in this process (one app process; a Redis store later, issue #20).
    limiter = in_memory()
    rules = Rules.from_settings(settings)
    turns = TurnState()
    locks = ConversationLocks()
    # The gateway wakes the notification loop after every turn.
    wake = asyncio.Event()
    gateway = Gateway(
        rasa=rasa,
        renderer=renderer,
        db=db,
        turns=turns,
        locks=locks,
        default_locale=settings.default_locale,
        max_message_chars=settings.max_message_chars,
        secret_key=settings.secret_key,
        link_attempts_per_ip=settings.link_attempts_per_ip,
        session_turns=settings.rasa_session_turns,
        late_grace_s=settings.rasa_late_grace_s,
        on_message=lambda _conversation_id: wake.set(),
        crisis=CrisisMatcher(),
        readiness=readiness,
        limiter=limiter,
        rules=rules,
        metrics=metrics,
    )
    staff_links = StaffTelegramLinks(db, settings, ui)
    telegram = (
        TelegramChannel(settings, gateway, db, start_hook=staff_links.on_start)
        if settings.telegram_token else None
    )
    sio = create_socketio_server(
        gateway, SessionTokens(settings.secret_key), cors_allowed_origins=OriginCheck(settings),
        max_bytes=settings.max_socketio_bytes,
    )
    # A casemanager's reply reaches every open tab, or waits for the next one (shown as
    # "you have a reply from …").
    pushers = {"webchat": make_pending_pusher(sio, gateway)}
    if telegram is not None:
        pushers["telegram"] = telegram.push
    channels = {"webchat": Channel(make_pending_pusher(sio, gateway))}
    if telegram is not None:
        channels["telegram"] = Channel(telegram.send_queued, ready=lambda: telegram.ready)
    # Answers what came in while Rasa or the action server was down (not a message another
    # app process received a moment ago and is answering: PENDING_GRACE_S).
    pending = PendingTurns(gateway, readiness, channels, grace_s=PENDING_GRACE_S)
    handoff = Handoff(
        db=db, rasa=rasa, renderer=renderer, locks=locks, ui=ui,
        public_url=settings.public_url, default_locale=settings.default_locale,
        pushers=pushers, mailer=Mailer(settings), wake=wake,
        telegram_notify=telegram.notify_staff if telegram else None,
        fetch_file=telegram.fetch_file if telegram else None,
        limiter=limiter, teamlead_notices=rules.teamlead_notices,
        seen_hooks={"webchat": make_seen_pusher(sio)},
    )

    # Erasure requests not carried out yet, and retention (daily).
    housekeeping = Housekeeping(
        db=db, locks=locks,
        retention=functools.partial(retention.run, periods=Periods.from_settings(settings)),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        starting = asyncio.create_task(telegram.start()) if telegram else None
        handoff.start()
        pending.start()
        housekeeping.start()
        yield
        await housekeeping.stop()
        await pending.stop()
        await handoff.stop()
        if starting is not None:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            await telegram.stop()
        await rasa.close()

    starlette_app = Starlette(
        routes=[
            Route("/", webchat_page),
            *content.ROUTES,
            Route("/nlg", nlg, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/metrics", metrics_page),
            # Updates over HTTP only in webhook mode (polling fetches them itself).
            *([Route("/telegram/webhook", telegram_webhook, methods=["POST"])]
              if telegram is not None and settings.telegram_mode == "webhook" else []),
            *inbox.ROUTES,
            *content_workflow.ROUTES,
            Mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static"),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="wegwijs_staff",
                max_age=STAFF_SESSION_S,
                same_site="strict",
                https_only=settings.secure_cookies,
            )
        ],
    )
    starlette_app.state.services = Services(
        settings=settings, db=db, catalogs=catalogs, renderer=renderer, rasa=rasa, turns=turns,
        gateway=gateway, handoff=handoff, staff_links=staff_links, ui=ui,
        templates=Jinja2Templates(directory=str(WEB_DIR / "templates")),
        content_repo=ContentRepo(ROOT, settings.content_path, settings.locales_dir),
        telegram=telegram, limiter=limiter, rules=rules, metrics=metrics,
    )
    return socketio.ASGIApp(sio, other_asgi_app=starlette_app, socketio_path="socket.io")

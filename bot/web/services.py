"""The objects the routes use, made once by ``create_app`` and kept in ``app.state``.

A route reads them with ``services(request)``; nothing is a module-level global, so an
in-process test builds an app of its own with its own database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from bot.channels.gateway import Gateway
from bot.channels.turns import TurnState
from bot.db.session import Database
from bot.handoff.service import Handoff
from bot.handoff.staff_telegram import StaffTelegramLinks
from bot.i18n.catalogs import Catalogs
from bot.i18n.render import Renderer
from bot.i18n.workflow import ContentRepo
from bot.limits import Limiter, Rules
from bot.metrics import Metrics
from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.web.ui import UiCatalog

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel


@dataclass
class Services:
    settings: Settings
    db: Database
    catalogs: Catalogs
    renderer: Renderer
    rasa: RasaClient
    turns: TurnState
    gateway: Gateway
    handoff: Handoff
    staff_links: StaffTelegramLinks
    ui: UiCatalog
    templates: Jinja2Templates
    content_repo: ContentRepo
    telegram: TelegramChannel | None = None
    # Abuse limits (logins; the gateway has the same limiter for messages).
    limiter: Limiter | None = None
    rules: Rules | None = None
    # Operators' metrics (GET /metrics), shared by every part of the app.
    metrics: Metrics = field(default_factory=Metrics)


def services(request: Request) -> Services:
    return request.app.state.services


def app_services(app: Any) -> Services:
    """The services of an app made by ``create_app`` (the socket.io wrapper included)."""
    inner = getattr(app, "other_asgi_app", app)
    return inner.state.services

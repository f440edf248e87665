"""Which web pages may use the web chat: the origin check of the socket.io endpoint.

python-socketio takes the check as ``cors_allowed_origins``: a request that carries an
``Origin`` header (every browser request from a page on another site, and every
WebSocket handshake) is refused with 400 unless its origin is allowed, and an allowed
origin gets ``Access-Control-Allow-Origin`` (with credentials) on the polling transport,
so a widget embedded on an allowed site can connect and one anywhere else cannot.
Allowed: the app's own public origin (``WEGWIJS_PUBLIC_URL``) and ``WEGWIJS_ALLOWED_ORIGINS``;
in development also the loopback names of the app's own port (``localhost`` and
``127.0.0.1``), so ``make run`` works whichever a developer types. Requests without an
``Origin`` (programs, not pages in a browser) are not a cross-site risk and pass.
"""

from __future__ import annotations

import logging

from bot.lru import LruDict
from bot.settings import Settings, origin_of

logger = logging.getLogger(__name__)


class OriginCheck:
    """``check(origin) -> bool`` for python-socketio; each refused origin is logged once
    (an LRU of them), so a page retrying forever does not flood the log."""

    def __init__(self, settings: Settings) -> None:
        allowed = set(settings.allowed_origins)
        if not settings.production:
            allowed |= {f"http://{host}:{settings.app_port}" for host in ("127.0.0.1", "localhost")}
        self.allowed = frozenset(allowed)
        self._refused: LruDict[str, bool] = LruDict(maxsize=256)

    def __call__(self, origin: str | None) -> bool:
        if origin is None:
            return True
        normalised = origin_of(origin)
        if normalised is not None and normalised in self.allowed:
            return True
        shown = origin[:200]
        if shown not in self._refused:
            self._refused[shown] = True
            logger.warning("web chat refused a page from %r: origin not allowed "
                           "(WEGWIJS_ALLOWED_ORIGINS)", shown)
        return False

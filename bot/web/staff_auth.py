"""Staff login for the inbox and the content page: argon2 passwords, signed session
cookies (Starlette's SessionMiddleware, itsdangerous), CSRF tokens, limits on wrong
passwords per network address and per account from an address."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.clock import utcnow
from bot.db.models import Staff
from bot.db.staff import authenticate, get_staff
from bot.web.services import services

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_ok(request: Request, form: Any | None = None) -> bool:
    expected = request.session.get("csrf", "")
    given = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form else "") or ""
    return bool(expected) and hmac.compare_digest(str(given).encode(), expected.encode())


async def current_staff(request: Request) -> Staff | None:
    staff_id = request.session.get("staff_id")
    if not isinstance(staff_id, int):
        return None

    staff = await services(request).db.run(get_staff, staff_id=staff_id)
    # A session from before a password change or lock is not valid any more.
    if (staff is None or staff.disabled_at is not None
            or request.session.get("pw") != staff.password_hash[-16:]):
        return None
    return staff


def client_address(request: Request) -> str:
    """The client's network address (behind the proxy: the one uvicorn took from
    X-Forwarded-For, trusting only FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


async def login(request: Request, username: str, password: str) -> tuple[str, Staff | None]:
    """(status, staff): ok, wrong, locked (this account from this address: too many wrong
    passwords) or throttled (this address: too many wrong passwords for any account). On
    success the session is renewed.

    Failures are counted per address and per account *from that address*: someone who
    guesses is stopped, and the person whose account it is still logs in from their own
    address. A limited attempt is refused before the password is checked (no argon2 work)."""
    svc = services(request)
    username = username[:100].strip().lower()
    address = client_address(request)
    account_key = f"{username}|{address}"
    limiter, rules = svc.limiter, svc.rules
    if limiter is not None and rules is not None:
        if not await limiter.allows(address, rules.login_failures_per_ip):
            return "throttled", None
        if not await limiter.allows(account_key, rules.login_failures_per_account_ip):
            return "locked", None
    status, staff = await svc.db.run(_authenticate, username=username, password=password[:200])
    if staff is None:
        if limiter is not None and rules is not None:
            await limiter.take(address, rules.login_failures_per_ip)
            await limiter.take(account_key, rules.login_failures_per_account_ip)
        return status, None
    request.session.clear()
    request.session["staff_id"] = staff.id
    request.session["pw"] = staff.password_hash[-16:]
    request.session["ui"] = staff.locale or "nl"
    csrf_token(request)
    return status, staff


def to_login(request: Request) -> Response:
    if request.headers.get("HX-Request") or request.method != "GET":
        return Response("Log in first.", status_code=401)
    return RedirectResponse(f"/inbox/login?next={quote(request.url.path)}", status_code=303)


def _authenticate(*, session: Session, username: str, password: str) -> tuple[str, Staff | None]:
    result = authenticate(session=session, username=username, password=password, now=utcnow())
    if result.staff is not None:
        session.flush()
        session.expunge(result.staff)
    return result.status, result.staff

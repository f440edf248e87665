"""The casemanager inbox (``/inbox``): queue, conversation, reply, claim, close, note,
link codes; live by server-sent events + htmx. Dutch or English (``inbox.po``).

Access: a casemanager sees their own clients' escalations and the team queue; a team
lead sees all; anything else is 404, whatever the URL.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from babel.dates import format_datetime, format_timedelta
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.db import escalations as repo
from bot.db.clients import create_link_code
from bot.db.models import Casemanager, Client, Conversation, Escalation, Message, Staff
from bot.db.session import session_scope
from bot.db.staff import STAFF_CODE_PREFIX, new_telegram_code
from bot.handoff.rules import AMSTERDAM, as_aware
from bot.handoff.service import Handoff, NotAllowed
from bot.i18n.locales import NATIVE_NAMES, direction
from bot.rasa_client import RasaUnavailable
from bot.settings import Settings
from bot.web.staff_auth import CSRF_FIELD, csrf_ok, csrf_token, current_staff, login, to_login
from bot.web.ui import UI_LOCALES, UiCatalog

INBOX_ROLES = ("casemanager", "teamlead")


def _ui_locale(request: Request, staff: Staff | None = None) -> str:
    loc = request.session.get("ui") or (staff.locale if staff else None) or "nl"
    return loc if loc in UI_LOCALES else "nl"


def _safe_next(target: str | None, default: str) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def _waiting(since: datetime | None, now: datetime, ui: str) -> str:
    since = as_aware(since) or now
    return format_timedelta(now - since, locale=ui, threshold=1.1)


def _row(s: Any, esc: Escalation, now: datetime, ui_locale: str, ui: UiCatalog) -> dict[str, Any]:
    client = s.get(Client, esc.client_id) if esc.client_id else None
    cm = s.get(Casemanager, esc.casemanager_id) if esc.casemanager_id else None
    claimed = s.get(Staff, esc.claimed_by) if esc.claimed_by else None
    conv = s.get(Conversation, esc.conversation_id)
    locale = (conv.locale if conv else None) or esc.locale
    return {
        "id": esc.id,
        "urgent": bool(esc.urgent),
        "reason": ui.gettext(ui_locale, f"reason:{esc.reason or esc.kind}"),
        "waiting": _waiting(esc.created_at, now, ui_locale),
        "created": format_datetime(as_aware(esc.created_at).astimezone(AMSTERDAM), "short", locale=ui_locale),
        "locale": locale,
        "locale_name": NATIVE_NAMES.get(locale or "", "?"),
        "dir": direction(locale),
        "client": f"{client.first_name} {client.last_name}" if client else None,
        "assigned": cm.first_name if cm else None,
        "status": esc.status,
        "claimed_by": claimed.display_name if claimed else None,
        "channel": esc.channel or esc.conversation_id.split(":", 1)[0],
        "live": bool(esc.live),
        "new_messages": repo.messages_since(session=s, esc=esc),
        "context": [
            {"text": m.text, "kind": m.kind, "answered_with": ", ".join(m.answered_with or []),
             "dir": direction(m.locale)}
            for m in repo.context(session=s, esc=esc)
        ],
        "details": esc.details or {},
        "note": esc.note or "",
    }


def _message(m: Message, ui_locale: str) -> dict[str, Any]:
    return {
        "id": m.id,
        "direction": m.direction,
        "kind": m.kind,
        "text": m.text or "",
        "sender": m.sender_name,
        "dir": direction(m.locale),
        "lang": (m.locale or "").replace("_", "-"),
        "time": format_datetime(as_aware(m.created_at).astimezone(AMSTERDAM), "short", locale=ui_locale),
        "answered_with": ", ".join(m.answered_with or []),
        "attachment": (m.attachment or {}).get("type"),
        "file": bool((m.attachment or {}).get("file_id")),
        "status": m.status,
    }


def make_inbox_routes(
    settings: Settings, templates: Jinja2Templates, ui: UiCatalog, handoff: Handoff
) -> list[Route]:
    def render(request: Request, name: str, staff: Staff | None, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        ui_locale = _ui_locale(request, staff)
        return templates.TemplateResponse(
            request, name,
            {"_": ui.for_locale(ui_locale), "ui_locale": ui_locale, "staff": staff,
             "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), **context},
            status_code=status_code,
        )

    async def guarded_post(request: Request) -> tuple[Staff, Any] | Response:
        """A logged-in inbox user's form, with its CSRF token checked."""
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff
        form = await request.form()
        if not await csrf_ok(request, form):
            return Response("CSRF check failed.", status_code=403)
        return staff, form

    async def guard(request: Request) -> Staff | Response:
        staff = await current_staff(request)
        if staff is None:
            return to_login(request)
        if staff.role not in INBOX_ROLES:
            return render(request, "inbox/no_access.html", staff)
        return staff

    async def login_page(request: Request) -> Response:
        error = None
        if request.method == "POST":
            form = await request.form()
            if not await csrf_ok(request, form):
                error = "Your session expired. Please try again."
            else:
                status, staff = await login(request, str(form.get("username", "")), str(form.get("password", "")))
                if staff is not None:
                    default = "/content" if staff.role == "comms" else "/inbox"
                    return RedirectResponse(_safe_next(str(form.get("next", "")), default), status_code=303)
                error = ("This account is locked for 15 minutes after too many attempts."
                         if status == "locked" else "Wrong username or password.")
        return render(request, "inbox/login.html", None, error=error,
                      next=_safe_next(request.query_params.get("next"), ""),
                      status_code=401 if error else 200)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if await csrf_ok(request, form):
            request.session.clear()
        return RedirectResponse("/inbox/login", status_code=303)

    async def set_language(request: Request) -> Response:
        form = await request.form()
        if await csrf_ok(request, form) and form.get("ui") in UI_LOCALES:
            request.session["ui"] = form.get("ui")
        return RedirectResponse(_safe_next(str(form.get("next", "")), "/inbox"), status_code=303)

    async def queue_page(request: Request) -> Response:
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff
        return render(request, "inbox/queue.html", staff,
                      telegram_code=request.session.pop("telegram_code", None),
                      telegram_on=bool(settings.telegram_token))

    async def telegram_link(request: Request) -> Response:
        """A one-time code to link the casemanager's own Telegram for notifications."""
        checked = await guarded_post(request)
        if isinstance(checked, Response):
            return checked
        staff, _ = checked

        def _code() -> str:
            with session_scope() as s:
                return new_telegram_code(session=s, staff=s.get(Staff, staff.id),
                                         secret=settings.secret_key, now=datetime.now(timezone.utc))

        code = await run_in_threadpool(_code)
        bot = settings.telegram_bot_username or "<bot>"
        request.session["telegram_code"] = {
            "link": f"https://t.me/{bot}?start={STAFF_CODE_PREFIX}{code}",
            "command": f"/start {STAFF_CODE_PREFIX}{code}",
        }
        return RedirectResponse("/inbox", status_code=303)

    async def queue_fragment(request: Request) -> Response:
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff
        ui_locale = _ui_locale(request, staff)
        show_closed = request.query_params.get("closed") == "1"

        def _rows() -> list[dict[str, Any]]:
            now = datetime.now(timezone.utc)
            with session_scope() as s:
                return [_row(s, e, now, ui_locale, ui)
                        for e in repo.queue(session=s, staff=staff, closed=show_closed)]

        return render(request, "inbox/_queue.html", staff, rows=await run_in_threadpool(_rows),
                      closed=show_closed)

    async def load(request: Request, staff: Staff) -> tuple[Escalation, dict[str, Any]] | None:
        try:
            esc_id = int(request.path_params["id"])
        except ValueError:
            return None
        ui_locale = _ui_locale(request, staff)

        def _load() -> tuple[Escalation, dict[str, Any]] | None:
            with session_scope() as s:
                esc = repo.get_for(session=s, staff=staff, escalation_id=esc_id)
                if esc is None:
                    return None
                row = _row(s, esc, datetime.now(timezone.utc), ui_locale, ui)
                row["messages"] = [_message(m, ui_locale) for m in repo.transcript(
                    session=s, conversation_id=esc.conversation_id)]
                row["client_id"] = esc.client_id
                if esc.client_id is None:
                    query = select(Client).order_by(Client.first_name)
                    if staff.role != "teamlead":
                        query = query.where(Client.casemanager_id == staff.casemanager_id)
                    row["clients"] = [(c.id, f"{c.first_name} {c.last_name}") for c in s.execute(query).scalars()]
                s.expunge(esc)
                return esc, row

        return await run_in_threadpool(_load)

    async def escalation_page(request: Request) -> Response:
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff
        found = await load(request, staff)
        if found is None:
            return render(request, "inbox/not_found.html", staff, status_code=404)
        code = request.session.pop("link_code", None)
        return render(request, "inbox/escalation.html", staff, esc=found[1], link_code=code)

    async def transcript_fragment(request: Request) -> Response:
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff
        found = await load(request, staff)
        if found is None:
            return Response(status_code=404)
        return render(request, "inbox/_transcript.html", staff, esc=found[1])

    async def act(request: Request) -> Response:
        """POST claim / reply / close / note / link-code on one escalation."""
        checked = await guarded_post(request)
        if isinstance(checked, Response):
            return checked
        staff, form = checked
        found = await load(request, staff)
        if found is None:
            return Response(status_code=404)
        esc, _ = found
        action = request.path_params["action"]
        try:
            if action == "reply":
                text = str(form.get("text", ""))[:4000]
                await handoff.reply(staff_id=staff.id, escalation_id=esc.id, text=text)
            elif action == "close":
                await handoff.close(staff_id=staff.id, escalation_id=esc.id)
            elif action in ("claim", "note"):
                await run_in_threadpool(_update, staff.id, esc.id, action, str(form.get("note", ""))[:4000])
            elif action == "link-code":
                client_id = esc.client_id or _int(form.get("client_id"))
                code = await run_in_threadpool(_link_code, staff, client_id, settings)
                if code is None:
                    return Response(status_code=404)
                bot = settings.telegram_bot_username or "<bot>"
                request.session["link_code"] = {"code": code, "link": f"https://t.me/{bot}?start={code}"}
            else:
                return Response(status_code=404)
        except NotAllowed:
            return Response(status_code=409)
        except RasaUnavailable:
            return render(request, "inbox/not_found.html", staff, status_code=503,
                          message=ui.gettext(_ui_locale(request, staff),
                                             "The assistant cannot be reached. Nothing was changed; try again in a minute."))
        if request.headers.get("HX-Request"):
            return Response(status_code=204)
        return RedirectResponse(f"/inbox/escalations/{esc.id}", status_code=303)

    async def attachment(request: Request) -> Response:
        """A photo or file the person sent, fetched from Telegram for a casemanager who may
        see the conversation. Served inert: no sniffing, no scripts."""
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff
        message_id = _int(request.path_params["id"])

        def _find() -> dict[str, Any] | None:
            with session_scope() as s:
                msg = s.get(Message, message_id) if message_id else None
                if msg is None or not msg.attachment or not msg.attachment.get("file_id"):
                    return None
                visible = [e for e in s.execute(
                    select(Escalation).where(Escalation.conversation_id == msg.conversation_id)
                ).scalars() if repo.can_see(staff, e)]
                return dict(msg.attachment) if visible else None

        found = await run_in_threadpool(_find)
        if found is None or handoff.fetch_file is None:
            return Response(status_code=404)
        try:
            data = await handoff.fetch_file(found["file_id"])
        except Exception:  # noqa: BLE001 - Telegram unreachable, file gone
            return Response(status_code=502)
        mime = found.get("mime_type") or ("image/jpeg" if found["type"] == "photo" else "application/octet-stream")
        inline = mime.startswith("image/") or mime == "application/pdf"
        return Response(data, media_type=mime, headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
            "Content-Disposition": "inline" if inline else "attachment",
            "Cache-Control": "private, no-store",
        })

    async def events(request: Request) -> Response:
        """Server-sent events: 'change' whenever an escalation or a message changes."""
        staff = await guard(request)
        if isinstance(staff, Response):
            return staff

        async def stream():  # type: ignore[no-untyped-def]
            yield "retry: 2000\n\n"
            last = None
            idle = 0
            while not await request.is_disconnected():
                marker = await run_in_threadpool(_marker)
                if marker != last:
                    last = marker
                    yield "data: change\n\n"
                    idle = 0
                elif idle >= 15:
                    yield ": keep-alive\n\n"
                    idle = 0
                await asyncio.sleep(1.0)
                idle += 1

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return [
        Route("/inbox/login", login_page, methods=["GET", "POST"]),
        Route("/inbox/logout", logout, methods=["POST"]),
        Route("/inbox/language", set_language, methods=["POST"]),
        Route("/inbox", queue_page),
        Route("/inbox/queue", queue_fragment),
        Route("/inbox/telegram", telegram_link, methods=["POST"]),
        Route("/inbox/events", events),
        Route("/inbox/escalations/{id}", escalation_page),
        Route("/inbox/messages/{id}/attachment", attachment),
        Route("/inbox/escalations/{id}/transcript", transcript_fragment),
        Route("/inbox/escalations/{id}/{action}", act, methods=["POST"]),
    ]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _marker() -> tuple[Any, ...]:
    with session_scope() as s:
        return repo.change_marker(session=s)


def _update(staff_id: int, esc_id: int, action: str, note: str) -> None:
    with session_scope() as s:
        staff = s.get(Staff, staff_id)
        esc = repo.get_for(session=s, staff=staff, escalation_id=esc_id)
        if esc is None:
            raise NotAllowed
        if action == "claim":
            repo.claim(session=s, esc=esc, staff=staff)
            esc.updated_at = datetime.now(timezone.utc)
        else:
            repo.set_note(session=s, esc=esc, note=note)


def _link_code(staff: Staff, client_id: int | None, settings: Settings) -> str | None:
    if client_id is None:
        return None
    with session_scope() as s:
        client = s.get(Client, client_id)
        if client is None:
            return None
        if staff.role != "teamlead" and client.casemanager_id != staff.casemanager_id:
            return None
        return create_link_code(
            session=s, client_id=client.id, secret=settings.secret_key,
            ttl=timedelta(hours=settings.link_code_ttl_hours), now=datetime.now(timezone.utc),
        )

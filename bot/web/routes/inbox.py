"""The casemanager inbox (``/inbox``): queue, conversation, reply (typed, or from a reply
template in the person's language, with a preview of both versions), claim, close, note,
link codes; live by server-sent events + htmx. Dutch or English (``inbox.po``).

Access (``bot.db.access``): a casemanager sees their own clients' escalations and the team
queue; a team lead sees all; anything else is 404, whatever the URL. Every form carries a
CSRF token. What staff do here goes into the audit log (``bot.db.audit``, ids only), which
team leads read at ``/inbox/audit``.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_time, format_timedelta
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from bot.clock import AMSTERDAM, as_utc, utcnow
from bot.db import audit as audit_repo
from bot.db import escalations as repo
from bot.db.access import (
    can_see_conversation,
    may_read_audit_log,
    may_use_inbox,
    sees_every_escalation,
)
from bot.db.clients import clients_of, create_link_code_for
from bot.db.conversations import get_message
from bot.db.models import Escalation, Message, Staff
from bot.deeplinks import telegram_start_link
from bot.handoff.service import NotAllowed
from bot.i18n.locales import HTML_LANG, NATIVE_NAMES, direction
from bot.i18n.reply_templates import (
    OTHER_DOCUMENT,
    InvalidFields,
    choose,
    documents,
    fields_of,
    fill_both,
    outline,
    templates,
)
from bot.rasa_client import RasaUnavailable
from bot.roles import Role
from bot.web.inbox_terms import InboxTerms, event_of
from bot.web.services import services
from bot.web.staff_auth import (
    CSRF_FIELD,
    client_address,
    csrf_ok,
    csrf_token,
    current_staff,
    login,
    to_login,
)
from bot.web.ui import UI_LOCALES

SSE_POLL_S = 1.0
# The inbox's actions on an escalation as the audit log names them.
AUDIT_ACTIONS = {"reply": "reply", "close": "close", "claim": "claim", "note": "note",
                 "link-code": "link_code"}
LOGIN_ERRORS = {
    "wrong": "Wrong username or password.",
    "locked": "Too many wrong passwords for this account from your address. Try again in a few minutes.",
    "throttled": "Too many wrong passwords from your address. Try again later.",
}
SSE_KEEPALIVE_ROUNDS = 15
# The queue's filters; "all" is mine first, then the team queue.
QUEUE_VIEWS = ("all", "mine", "team", "urgent", "waiting", "closed")
# A reply template's fields as the inbox names them (the labels of its pickers).
FIELD_LABELS = {"day": "Day", "date": "Date", "time": "Time", "document": "Document"}


def _ui_locale(request: Request, staff: Staff | None = None) -> str:
    loc = request.session.get("ui") or (staff.locale if staff else None) or "nl"
    return loc if loc in UI_LOCALES else "nl"


def _safe_next(target: str | None, default: str) -> str:
    """A path on this site to go to after a form, else ``default``: never another site
    (``//host``, ``/\\host``, which browsers read as ``//host``) and no control characters."""
    if (target and target.startswith("/") and target[1:2] not in ("/", "\\")
            and not any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return default


def _time(dt: datetime | None, ui_locale: str) -> str:
    return format_datetime(as_utc(dt).astimezone(AMSTERDAM), "short", locale=ui_locale)


def _terms(svc: Any) -> InboxTerms:
    return InboxTerms(ui=svc.ui, content=svc.renderer.content, catalogs=svc.catalogs)


def _row(facts: dict[str, Any], esc: Escalation, now: datetime, ui_locale: str,
         ui: InboxTerms) -> dict[str, Any]:
    locale = facts["locale"]
    since = as_utc(esc.created_at) or now
    return {
        "id": esc.id,
        "urgent": bool(esc.urgent),
        "reason": ui.gettext(ui_locale, f"reason:{esc.reason or esc.kind}"),
        "waiting": format_timedelta(now - since, locale=ui_locale, threshold=1.1),
        "created": _time(esc.created_at, ui_locale),
        "locale": locale,
        "locale_name": NATIVE_NAMES.get(locale or "", "?"),
        "locale_ui_name": _language_in(locale, ui_locale),
        "dir": direction(locale),
        "client": facts["client"],
        "assigned": facts["assigned"],
        "status": esc.status,
        "claimed_by": facts["claimed_by"],
        "channel": esc.channel or esc.conversation_id.split(":", 1)[0],
        "live": bool(esc.live),
        "new_messages": facts["new_messages"],
        "context": [
            {"text": m.text, "kind": m.kind, "answered_with": ui.titles(m.answered_with, ui_locale),
             "event": _event(m, ui_locale, ui), "dir": direction(m.locale)}
            for m in facts["context"]
        ],
        "details": esc.details or {},
        "note": esc.note or "",
        "client_id": esc.client_id,
        "person_spoke_last": bool(facts.get("person_spoke_last")),
    }


def is_mine(staff: Staff, esc: Escalation) -> bool:
    """My own client's escalation, or one I claimed."""
    own = staff.casemanager_id is not None and esc.casemanager_id == staff.casemanager_id
    return own or (esc.claimed_by is not None and esc.claimed_by == staff.id)


def matches_search(row: dict[str, Any], query: str) -> bool:
    """Search by the client's name (any part, any case) or a number: the escalation's
    (``12``, ``#12``) or the client's."""
    q = query.strip().lstrip("#").strip().casefold()
    if not q:
        return True
    if q.isdigit():
        return int(q) in (row["id"], row["client_id"])
    return q in (row["client"] or "").casefold()


def in_view(row: dict[str, Any], view: str) -> bool:
    if view == "mine":
        return bool(row["mine"])
    if view == "team":
        return not row["mine"]
    if view == "urgent":
        return bool(row["urgent"])
    if view == "waiting":
        return bool(row["mine"]) and bool(row["person_spoke_last"])
    return True


def queue_view(params: Any) -> tuple[str, str]:
    """(view, search) of the queue's query string; ``closed=1`` is the closed view."""
    view = str(params.get("view") or ("closed" if params.get("closed") == "1" else "all"))
    return (view if view in QUEUE_VIEWS else "all"), str(params.get("q") or "")[:100]


def _language_in(locale: str | None, ui_locale: str) -> str:
    """The person's language named in the casemanager's ("Arabisch"), beside its own name."""
    if not locale:
        return ""
    try:
        return Locale.parse(locale).get_language_name(ui_locale) or ""
    except (ValueError, UnknownLocaleError):
        return ""


def _event(m: Message, ui_locale: str, ui: InboxTerms) -> str | None:
    if m.direction != "in":
        return None
    term = event_of(m.text or "", m.kind or "")
    return ui.gettext(ui_locale, term) if term else None


def _message(m: Message, ui_locale: str, ui: InboxTerms, today: date) -> dict[str, Any]:
    day = as_utc(m.created_at).astimezone(AMSTERDAM).date()
    return {
        "day": day.isoformat(),
        "day_label": ui.day(day, today, ui_locale),
        "event": _event(m, ui_locale, ui),
        "id": m.id,
        "direction": m.direction,
        "kind": m.kind,
        "text": m.text or "",
        "sender": m.sender_name,
        "dir": direction(m.locale),
        "lang": (m.locale or "").replace("_", "-"),
        "time": format_time(as_utc(m.created_at).astimezone(AMSTERDAM), "short", locale=ui_locale),
        "answered_with": ui.titles(m.answered_with, ui_locale),
        "attachment": (m.attachment or {}).get("type"),
        "file": bool((m.attachment or {}).get("file_id")),
        "status": m.status,
        # A casemanager's reply: from a template (their own version beside it), or typed
        # by hand and sent untranslated.
        "template": _own_version(m.template, ui_locale),
        "untranslated": m.kind == "staff" and not m.template,
    }


def _own_version(template: Any, ui_locale: str) -> dict[str, str] | None:
    if not isinstance(template, dict) or not template.get("text"):
        return None
    locale = str(template.get("locale") or "")
    return {"text": str(template["text"]), "lang": HTML_LANG.get(locale, ""),
            "language": _language_in(locale, ui_locale) or locale}


def render(request: Request, name: str, staff: Staff | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    svc = services(request)
    ui_locale = _ui_locale(request, staff)
    return svc.templates.TemplateResponse(
        request, name,
        {"_": svc.ui.for_locale(ui_locale), "ngettext": svc.ui.ngettext_for(ui_locale),
         "ui_locale": ui_locale, "staff": staff,
         "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), **context},
        status_code=status_code,
    )


async def guard(request: Request) -> Staff | Response:
    """The logged-in inbox user, or the response that sends anyone else away."""
    staff = await current_staff(request)
    if staff is None:
        return to_login(request)
    if not may_use_inbox(staff):
        return render(request, "inbox/no_access.html", staff)
    return staff


async def guarded_post(request: Request) -> tuple[Staff, Any] | Response:
    """A logged-in inbox user's form, with its CSRF token checked."""
    staff = await guard(request)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    if not await csrf_ok(request, form):
        return Response("CSRF check failed.", status_code=403)
    return staff, form


async def audit(request: Request, action: str, staff: Staff | None = None, **ids: Any) -> None:
    """One row in the staff audit log (ids only), with the request's address, hashed."""
    svc = services(request)
    await svc.db.run(audit_repo.record, action=action, staff=staff, address=client_address(request),
                     secret=svc.settings.secret_key, **ids)


async def login_page(request: Request) -> Response:
    error = None
    if request.method == "POST":
        form = await request.form()
        if not await csrf_ok(request, form):
            error = "Your session expired. Please try again."
        else:
            username = str(form.get("username", ""))
            status, staff = await login(request, username, str(form.get("password", "")))
            svc = services(request)
            if staff is not None:
                await audit(request, "login", staff)
            else:
                await svc.db.run(audit_repo.record_failed_login, username=username[:100],
                                 refused=status != "wrong", address=client_address(request),
                                 secret=svc.settings.secret_key)
            if staff is not None:
                default = "/content" if staff.role == Role.COMMS else "/inbox"
                return RedirectResponse(_safe_next(str(form.get("next", "")), default), status_code=303)
            error = LOGIN_ERRORS.get(status, LOGIN_ERRORS["wrong"])
    return render(request, "inbox/login.html", None, error=error,
                  next=_safe_next(request.query_params.get("next"), ""),
                  status_code=401 if error else 200)


async def logout(request: Request) -> Response:
    form = await request.form()
    if await csrf_ok(request, form):
        staff = await current_staff(request)
        if staff is not None:
            await audit(request, "logout", staff)
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
    svc = services(request)
    view, query = queue_view(request.query_params)
    queue = await svc.db.run(_queue, staff=staff, view=view, query=query,
                             ui_locale=_ui_locale(request, staff), ui=_terms(svc))
    return render(request, "inbox/queue.html", staff, **queue, views=QUEUE_VIEWS,
                  sees_everything=sees_every_escalation(staff),
                  telegram_code=request.session.pop("telegram_code", None),
                  telegram_on=bool(services(request).settings.telegram_token))


async def telegram_link(request: Request) -> Response:
    """A one-time code to link the casemanager's own Telegram for notifications."""
    checked = await guarded_post(request)
    if isinstance(checked, Response):
        return checked
    staff, _ = checked
    request.session["telegram_code"] = await services(request).staff_links.new_code(staff.id)
    await audit(request, "telegram_link", staff)
    return RedirectResponse("/inbox", status_code=303)


async def queue_fragment(request: Request) -> Response:
    staff = await guard(request)
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    view, query = queue_view(request.query_params)
    queue = await svc.db.run(_queue, staff=staff, view=view, query=query,
                             ui_locale=_ui_locale(request, staff), ui=_terms(svc))
    return render(request, "inbox/_queue.html", staff, **queue)


async def load(request: Request, staff: Staff) -> tuple[Escalation, dict[str, Any]] | None:
    """The escalation of the URL with everything the page shows, if this staff member may
    see it."""
    esc_id = _int(request.path_params["id"])
    if esc_id is None:
        return None
    svc = services(request)
    return await svc.db.run(_load, staff=staff, escalation_id=esc_id,
                            ui_locale=_ui_locale(request, staff), ui=_terms(svc))


async def escalation_page(request: Request) -> Response:
    staff = await guard(request)
    if isinstance(staff, Response):
        return staff
    found = await load(request, staff)
    if found is None:
        return render(request, "inbox/not_found.html", staff, status_code=404)
    await audit(request, "open_conversation", staff, escalation_id=found[0].id,
                client_id=found[0].client_id)
    await services(request).handoff.opened(found[0].conversation_id,
                                           bool(found[0].live) and found[0].status != "closed")
    code = request.session.pop("link_code", None)
    return render(request, "inbox/escalation.html", staff, esc=found[1], link_code=code,
                  **_template_choices(request, staff))


def _template_choices(request: Request, staff: Staff) -> dict[str, Any]:
    """The reply templates and documents as the inbox lists them, in the casemanager's
    language; today's date (Amsterdam) as the pickers' earliest."""
    svc = services(request)
    renderer = svc.renderer
    ui_locale = _ui_locale(request, staff)
    names = {f: svc.ui.gettext(ui_locale, label).lower() for f, label in FIELD_LABELS.items()}
    return {
        "templates": [{"key": t.key, "outline": outline(renderer, t.key, ui_locale, names),
                       "fields": fields_of(t.text)} for t in templates(renderer.content)],
        "documents": [{"key": d.key, "title": renderer.term(ui_locale, d.key, d.text)}
                      for d in documents(renderer.content)],
        "other_document": OTHER_DOCUMENT,
        "today": svc.handoff.today().isoformat(),
    }


async def preview(request: Request) -> Response:
    """What the person will receive from the chosen template, in their language and
    script, beside the casemanager's own language (htmx, while the form is filled). A POST,
    so that what is filled in never stands in a URL (history, logs)."""
    checked = await guarded_post(request)
    if isinstance(checked, Response):
        return checked
    staff, form = checked
    found = await load(request, staff)
    if found is None:
        return Response(status_code=404)
    return render(request, "inbox/_preview.html", staff,
                  **template_preview(request, staff, found[1], form))


def template_preview(request: Request, staff: Staff, esc: dict[str, Any], form: Any) -> dict[str, Any]:
    """The preview's context: ``preview`` (both versions), or ``missing`` (the first field
    still to fill in), or neither (no template chosen)."""
    svc = services(request)
    if not form.get("template"):
        return {}
    try:
        choice = choose(svc.renderer.content, form)
    except InvalidFields as invalid:
        return {"missing": str(invalid)}
    ui_locale = _ui_locale(request, staff)
    locale = esc["locale"] or svc.handoff.default_locale
    person, own = fill_both(svc.renderer, choice, locale, ui_locale, svc.handoff.today())
    label = svc.renderer.render("app_staff_label", locale, {"name": staff.display_name})
    return {"preview": {
        "person": person.text, "label": label.text, "dir": person.direction,
        "lang": HTML_LANG.get(locale, ""), "language": NATIVE_NAMES.get(locale, locale),
        "language_ui": _language_in(locale, ui_locale),
        "own": own.text, "own_lang": HTML_LANG.get(ui_locale, ""),
        "own_language": _language_in(ui_locale, ui_locale),
        "fallback": person.fallback, "untranslated": bool(person.untranslated),
    }}


async def _fragment(request: Request, template: str) -> Response:
    """One part of a conversation's page, for htmx to reload live (404 if not hers)."""
    staff = await guard(request)
    if isinstance(staff, Response):
        return staff
    found = await load(request, staff)
    if found is None:
        return Response(status_code=404)
    return render(request, template, staff, esc=found[1])


async def transcript_fragment(request: Request) -> Response:
    return await _fragment(request, "inbox/_transcript.html")


async def facts_fragment(request: Request) -> Response:
    """The facts panel (status, claimed by, …), reloaded when anything changes."""
    return await _fragment(request, "inbox/_facts.html")


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
    svc = services(request)
    handoff = svc.handoff
    action = request.path_params["action"]
    client_id = esc.client_id
    detail = None
    try:
        if action == "reply" and form.get("template"):
            try:
                choice = choose(svc.renderer.content, form)
            except InvalidFields as invalid:
                # The form asks for every field; only a hand-made request gets here.
                return Response(f"Fill in: {invalid}", status_code=422)
            await handoff.reply_template(staff_id=staff.id, escalation_id=esc.id, choice=choice,
                                         ui_locale=_ui_locale(request, staff))
            # Which template, never what was filled in.
            detail = choice.key
        elif action == "reply":
            text = str(form.get("text", ""))[:4000]
            await handoff.reply(staff_id=staff.id, escalation_id=esc.id, text=text)
        elif action == "close":
            await handoff.close(staff_id=staff.id, escalation_id=esc.id)
        elif action == "claim":
            await handoff.claim(staff_id=staff.id, escalation_id=esc.id)
        elif action == "note":
            await handoff.set_note(staff_id=staff.id, escalation_id=esc.id,
                                   note=str(form.get("note", ""))[:4000])
        elif action == "link-code":
            settings = svc.settings
            client_id = esc.client_id or _int(form.get("client_id"))
            code = await svc.db.run(
                create_link_code_for, staff=staff, client_id=client_id,
                secret=settings.secret_key, ttl=timedelta(hours=settings.link_code_ttl_hours),
                now=utcnow(),
            )
            if code is None:
                return Response(status_code=404)
            request.session["link_code"] = {
                "code": code, "link": telegram_start_link(settings.telegram_bot_username, code)
            }
        else:
            return Response(status_code=404)
    except NotAllowed:
        return Response(status_code=409)
    except RasaUnavailable:
        return render(request, "inbox/not_found.html", staff, status_code=503,
                      message=svc.ui.gettext(_ui_locale(request, staff),
                                             "The assistant cannot be reached. Nothing was changed; try again in a minute."))
    await audit(request, AUDIT_ACTIONS[action], staff, escalation_id=esc.id, client_id=client_id,
                detail=detail)
    if request.headers.get("HX-Request"):
        return Response(status_code=204)
    return RedirectResponse(f"/inbox/escalations/{esc.id}", status_code=303)


async def attachment(request: Request) -> Response:
    """A photo or file the person sent, fetched from Telegram for a casemanager who may
    see the conversation. Served inert: no sniffing, no scripts."""
    staff = await guard(request)
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    found = await svc.db.run(_visible_attachment, staff=staff,
                             message_id=_int(request.path_params["id"]))
    fetch_file = svc.handoff.fetch_file
    if found is None or fetch_file is None:
        return Response(status_code=404)
    await audit(request, "open_attachment", staff, message_id=_int(request.path_params["id"]))
    try:
        data = await fetch_file(found["file_id"])
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
    db = services(request).db

    async def stream():  # type: ignore[no-untyped-def]
        yield "retry: 2000\n\n"
        last = None
        idle = 0
        while not await request.is_disconnected():
            marker = await db.run(repo.change_marker)
            if marker != last:
                last = marker
                yield "data: change\n\n"
                idle = 0
            elif idle >= SSE_KEEPALIVE_ROUNDS:
                yield ": keep-alive\n\n"
                idle = 0
            await asyncio.sleep(SSE_POLL_S)
            idle += 1

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def audit_page(request: Request) -> Response:
    """The staff audit log, newest first, 100 a page (``?before=<id>``), optionally of one
    account (``?staff=<id>``): team leads only; for anyone else it does not exist (404)."""
    staff = await guard(request)
    if isinstance(staff, Response):
        return staff
    if not may_read_audit_log(staff):
        return render(request, "inbox/not_found.html", staff, status_code=404)
    svc = services(request)
    ui_locale = _ui_locale(request, staff)
    of = _int(request.query_params.get("staff"))
    rows = await svc.db.run(audit_repo.entries, before=_int(request.query_params.get("before")),
                            staff_id=of)
    entries = [{
        "time": _time(r.at, ui_locale),
        "actor": r.actor or "?",
        "staff_id": r.staff_id,
        "code": r.action,
        "action": svc.ui.gettext(ui_locale, f"audit:{r.action}"),
        "escalation_id": r.escalation_id,
        "client_id": r.client_id,
        "message_id": r.message_id,
        "detail": r.detail or "",
        "address": r.address_hash or "",
    } for r in rows]
    older = rows[-1].id if len(rows) == audit_repo.PAGE_SIZE else None
    return render(request, "inbox/audit.html", staff, entries=entries, older=older, of=of)


ROUTES = [
    Route("/inbox/login", login_page, methods=["GET", "POST"]),
    Route("/inbox/logout", logout, methods=["POST"]),
    Route("/inbox/language", set_language, methods=["POST"]),
    Route("/inbox", queue_page),
    Route("/inbox/queue", queue_fragment),
    Route("/inbox/telegram", telegram_link, methods=["POST"]),
    Route("/inbox/events", events),
    Route("/inbox/audit", audit_page),
    Route("/inbox/escalations/{id}", escalation_page),
    Route("/inbox/messages/{id}/attachment", attachment),
    Route("/inbox/escalations/{id}/transcript", transcript_fragment),
    Route("/inbox/escalations/{id}/facts", facts_fragment),
    Route("/inbox/escalations/{id}/preview", preview, methods=["POST"]),
    Route("/inbox/escalations/{id}/{action}", act, methods=["POST"]),
]


def _int(value: Any) -> int | None:
    """A whole number a database column can hold (64 bits), or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -2**63 <= number < 2**63 else None


# Work on one session (run with Database.run) ------------------------------------------


def _queue(*, session: Session, staff: Staff, view: str, query: str, ui_locale: str,
           ui: InboxTerms) -> dict[str, Any]:
    """The queue as the page shows it: the rows of this view and search, split into mine
    and the team queue, and how many requests are open (the tab title)."""
    now = utcnow()
    rows = []
    for e in repo.queue(session=session, staff=staff, closed=view == "closed"):
        row = _row(repo.inbox_facts(session=session, esc=e), e, now, ui_locale, ui)
        row["mine"] = is_mine(staff, e)
        rows.append(row)
    waiting = (len(rows) if view != "closed"
               else len(repo.queue(session=session, staff=staff, closed=False)))
    rows = [r for r in rows if in_view(r, view) and matches_search(r, query)]
    return {
        "view": view, "query": query, "waiting": waiting, "closed": view == "closed",
        "rows": rows,
        "mine": [r for r in rows if r["mine"]],
        "team": [r for r in rows if not r["mine"]],
    }


def _load(*, session: Session, staff: Staff, escalation_id: int, ui_locale: str,
          ui: InboxTerms) -> tuple[Escalation, dict[str, Any]] | None:
    esc = repo.get_for(session=session, staff=staff, escalation_id=escalation_id)
    if esc is None:
        return None
    row = _row(repo.inbox_facts(session=session, esc=esc), esc, utcnow(), ui_locale, ui)
    today = utcnow().astimezone(AMSTERDAM).date()
    row["messages"] = [_message(m, ui_locale, ui, today) for m in repo.transcript(
        session=session, conversation_id=esc.conversation_id)]
    row["client_id"] = esc.client_id
    if esc.client_id is None:
        row["clients"] = clients_of(session=session, staff=staff)
    session.expunge(esc)
    return esc, row


def _visible_attachment(*, session: Session, staff: Staff, message_id: int | None) -> dict[str, Any] | None:
    msg = get_message(session=session, message_id=message_id)
    if msg is None or not msg.attachment or not msg.attachment.get("file_id"):
        return None
    escalations = repo.of_conversation(session=session, conversation_id=msg.conversation_id)
    return dict(msg.attachment) if can_see_conversation(staff, escalations) else None

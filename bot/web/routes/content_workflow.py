"""The content workflow over HTTP (issue 15, point 2): one text's history with its drafts,
saving a draft, and a reviewer's approve (now or at a time), reject and rollback.

Access: a login that may use the content page; what it may do is its content roles
(``bot.content.editing``). Forms carry the CSRF token; every change is in the audit log.
The browser editor (topics, previews side by side) builds on these handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clock import AMSTERDAM
from bot.content import editing
from bot.db.access import may_use_content_page
from bot.i18n.exchange import SOURCE
from bot.i18n.locales import HTML_LANG, LOCALES, direction
from bot.web.routes.inbox import render
from bot.web.services import services
from bot.web.staff_auth import client_address, csrf_ok, current_staff, to_login

WRITABLE = (SOURCE, *LOCALES)


async def content_staff(request: Request) -> Any:
    """The signed-in staff member who may use the content pages, or the response refusing them."""
    staff = await current_staff(request)
    if staff is None:
        return to_login(request)
    if not may_use_content_page(staff):
        return render(request, "inbox/no_access.html", staff, status_code=403)
    return staff


def where(request: Request) -> dict[str, str]:
    """The request's address for the audit log (kept as a keyed hash)."""
    return {"address": client_address(request), "secret": services(request).settings.secret_key}


def _history_url(key: str, locale: str) -> str:
    return "/content/history?" + urlencode({"key": key, "locale": locale})


async def history_page(request: Request) -> Response:
    staff = await content_staff(request)
    if isinstance(staff, Response):
        return staff
    key = request.query_params.get("key", "")
    locale = request.query_params.get("locale", SOURCE)
    if locale not in WRITABLE or not key:
        return render(request, "inbox/not_found.html", staff, status_code=404)
    return await _history(request, staff, key, locale)


async def _history(request: Request, staff: Any, key: str, locale: str,
                   status_code: int = 200, problems: list[str] | None = None,
                   error: str | None = None) -> Response:
    entries = await services(request).db.run(editing.history, key=key, locale=locale)
    live = next((e for e in entries if e.live), None)
    return render(
        request, "inbox/content_history.html", staff, status_code=status_code,
        key=key, locale=locale, entries=entries,
        current=live.text if live else "",
        current_facts=facts_box(live.facts or []) if live else "",
        may_edit=editing.may_edit(staff, locale),
        may_review=editing.may_review(staff), problems=problems or [], error=error,
        lang="en" if locale == SOURCE else HTML_LANG[locale], dir=direction(locale),
    )


async def staff_and_form(request: Request) -> tuple[Any, Any] | Response:
    """``content_staff`` and the posted form after its CSRF check, or the refusal."""
    staff = await content_staff(request)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    if not await csrf_ok(request, form):
        return Response("CSRF check failed.", status_code=403)
    return staff, form


async def save_draft(request: Request) -> Response:
    got = await staff_and_form(request)
    if isinstance(got, Response):
        return got
    staff, form = got
    key, locale = str(form.get("key", "")), str(form.get("locale", ""))
    if locale not in WRITABLE or not key:
        return render(request, "inbox/not_found.html", staff, status_code=404)
    facts = buttons = None
    if locale == SOURCE and "facts" in form:
        facts, bad = parse_facts(str(form.get("facts", "")))
        if bad:
            return await _refused(request, staff, key, locale, 409, problems=bad)
    if locale == SOURCE and "buttons" in form:
        live = services(request).renderer.content.get(key)
        buttons, bad = parse_buttons(str(form.get("buttons", "")),
                                     button_dicts(live.buttons) if live is not None else [])
        if bad:
            return await _refused(request, staff, key, locale, 409, problems=bad)
    db = services(request).db
    try:
        if locale != SOURCE and "buttons" in form:
            # A translator's box: the locale's button titles, each a draft of its own.
            shown = await db.run(editing.button_titles, key=key, locale=locale)
            parsed, bad = parse_buttons(str(form.get("buttons", "")),
                                        [{"id": b.id, "title": b.title} for b in shown], empty_ok=True)
            if bad:
                return await _refused(request, staff, key, locale, 409, problems=bad)
            await db.run(editing.save_translation, staff=staff, key=key, locale=locale,
                         text=str(form.get("text", "")),
                         titles={b["id"]: b["title"] for b in parsed}, **where(request))
        else:
            await db.run(editing.save_draft, staff=staff, key=key, locale=locale,
                         text=str(form.get("text", "")), facts=facts,
                         buttons=buttons, **where(request))
    except editing.NotAllowed as exc:
        return await _refused(request, staff, key, locale, 403, error=str(exc))
    except editing.Refused as exc:
        return await _refused(request, staff, key, locale, 409, problems=exc.problems)
    if form.get("back") == "topic":  # saved in the editor: back to the topic, at the column
        code = "en" if locale == SOURCE else locale
        return RedirectResponse(f"{topic_url(key)}#col-{code}", status_code=303)
    return RedirectResponse(_history_url(key, locale), status_code=303)


def topic_url(key: str) -> str:
    return "/content/topics/" + quote(key, safe="/")


def parse_facts(value: str) -> tuple[list[dict[str, str]], list[str]]:
    """The facts box: one fact a line, ``claim | https source | date`` and optionally
    ``| review-by day``."""
    facts, bad = [], []
    for n, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (3, 4) or not all(parts[:3]):
            bad.append(f"fact line {n}: write claim | https source | date (| review-by day)")
            continue
        fact = {"claim": parts[0], "source": parts[1], "date": parts[2]}
        if len(parts) == 4 and parts[3]:
            fact["review_by"] = parts[3]
        facts.append(fact)
    return facts, bad


def facts_box(facts: list[dict[str, str]]) -> str:
    """The facts as the box shows them (the inverse of :func:`parse_facts`)."""
    return "\n".join(" | ".join([f["claim"], f["source"], f["date"]]
                                 + ([f["review_by"]] if f.get("review_by") else []))
                      for f in facts)


def button_dicts(buttons: Any) -> list[dict[str, Any]]:
    """Buttons (``bot.i18n.content.Button``) as the store keeps them."""
    return [{"id": b.id, "title": b.title, "payload": b.payload,
             **({} if b.translate else {"translate": False})} for b in buttons]


def buttons_box(buttons: list[dict[str, Any]]) -> str:
    """The buttons box: one a line, ``id | title`` (the inverse of :func:`parse_buttons`)."""
    return "\n".join(f"{b['id']} | {b['title']}" for b in buttons)


def parse_buttons(value: str, current: list[dict[str, Any]],
                  empty_ok: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """The buttons box against the text's buttons: each line ``id | new title``. The
    titles change; which buttons there are and what they do (the payload, an intent of
    the bot) do not, so every id must be there once and no other. ``empty_ok``: a
    translation's box, where a title may stay empty (not translated yet; an emptied one
    is a draft whose problem blocks its publication)."""
    by_id = {b["id"]: b for b in current}
    titles: dict[str, str] = {}
    bad = []
    for n, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        ident, sep, title = (p.strip() for p in line.partition("|"))
        if not sep or (not title and not empty_ok):
            bad.append(f"button line {n}: write id | title")
        elif ident not in by_id:
            bad.append(f"button line {n}: there is no button {ident!r} (the buttons are {', '.join(by_id)})")
        elif ident in titles:
            bad.append(f"button line {n}: button {ident!r} twice")
        else:
            titles[ident] = title
    missing = [i for i in by_id if i not in titles]
    if missing and not bad:
        bad.append(f"every button needs a title: {', '.join(missing)} is missing")
    return [{**b, "title": titles.get(b["id"], b["title"])} for b in current], bad


def _publish_at(value: str) -> datetime | None:
    """A ``datetime-local`` field, Amsterdam time (empty: now)."""
    if not value.strip():
        return None
    return datetime.fromisoformat(value.strip()).replace(tzinfo=AMSTERDAM)


async def act(request: Request) -> Response:
    got = await staff_and_form(request)
    if isinstance(got, Response):
        return got
    staff, form = got
    action = request.url.path.rsplit("/", 1)[1]
    try:
        version_id = int(request.path_params["id"])
        publish_at = _publish_at(str(form.get("publish_at", "")))
    except ValueError:
        return Response("Bad request.", status_code=400)
    db = services(request).db
    place = where(request)

    def run(*, session):  # type: ignore[no-untyped-def]
        target = editing.target_of(session=session, version_id=version_id)
        if target is None:
            return None
        key, locale = target
        try:
            if action == "approve":
                editing.approve(session=session, staff=staff, version_id=version_id,
                                publish_at=publish_at, **place)
            elif action == "reject":
                editing.reject(session=session, staff=staff, version_id=version_id, **place)
            elif action == "cancel":
                editing.cancel(session=session, staff=staff, version_id=version_id, **place)
            else:
                editing.rollback(session=session, staff=staff, version_id=version_id, **place)
        except (editing.NotAllowed, editing.Refused) as exc:
            return key, locale, exc
        return key, locale, None

    done = await db.run(run)
    if done is None:
        return render(request, "inbox/not_found.html", staff, status_code=404)
    key, locale, exc = done
    if isinstance(exc, editing.NotAllowed):
        return await _refused(request, staff, key, locale, 403, error=str(exc))
    if isinstance(exc, editing.Refused):
        return await _refused(request, staff, key, locale, 409, problems=exc.problems)
    return RedirectResponse(_history_url(key, locale), status_code=303)


async def _refused(request: Request, staff: Any, key: str, locale: str, status: int,
                   problems: list[str] | None = None, error: str | None = None) -> Response:
    return await _history(request, staff, key, locale, status_code=status, problems=problems,
                          error=error)


ROUTES = [
    Route("/content/history", history_page),
    Route("/content/drafts", save_draft, methods=["POST"]),
    *[Route(f"/content/versions/{{id}}/{name}", act, methods=["POST"], name=f"content_{name}")
      for name in ("approve", "reject", "rollback", "cancel")],
]

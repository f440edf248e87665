"""The communications team's page (/content): every answer in the five locales as a person
sees it, search, what is outdated or missing, the facts due for review, and the questions
the bot could not answer.

Access: a staff login with a role that may use it (``bot.db.access``); see ``wegwijs staff``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.clock import AMSTERDAM, utcnow
from bot.content import editing
from bot.db.access import may_use_content_page
from bot.db.content import store_version
from bot.db.conversations import answered_with_any
from bot.db.session import Database
from bot.i18n.locales import HTML_LANG, LOCALES, NATIVE_NAMES, direction
from bot.privacy import redact
from bot.web.services import services
from bot.web.staff_auth import current_staff, to_login

UNANSWERED_KEYS = {"utter_ask_rephrase", "utter_out_of_scope", "utter_offer_casemanager",
                   "utter_benefits/unknown", "utter_insurance/unknown"}
# What the page fills placeholders with, so an answer looks as a person would see it.
EXAMPLE_ARGUMENTS: dict[str, Any] = {
    "previous": "nl", "first_name": "Amal", "count": 3, "kind_key": "term_appointment_casemanager",
    "starts_at": "2026-11-24T09:00:00+00:00", "until_at": "2026-11-24T16:00:00+00:00",
    "next_at": "2026-11-25T07:30:00+00:00", "duration": 60, "location": "Stadsloket Nieuw-West",
    "address": "Osdorpplein 1000", "with_whom": "Leila Haddad", "bring": "verblijfsvergunning",
    "name": "Taalschool De Brug", "minutes": 10, "waiting_weeks": 3,
    "reason_keys": ["term_school_reason_evening", "term_school_reason_childcare"], "choices": [],
}


async def unanswered_questions(db: Database, limit: int = 100) -> dict[str, list[dict[str, Any]]]:
    """Recent messages the bot could not answer, per locale, personal data redacted."""
    out: dict[str, list[dict[str, Any]]] = {loc: [] for loc in LOCALES}
    for msg, conv_locale in await db.run(answered_with_any, keys=UNANSWERED_KEYS):
        locale = msg.locale or conv_locale or "en"
        bucket = out.setdefault(locale, [])
        if len(bucket) < limit:
            bucket.append({"text": redact(msg.text or ""), "at": msg.created_at})
    return out


async def content_page(request: Request) -> Response:
    svc = services(request)
    staff = await current_staff(request)
    if staff is None:
        return to_login(request)
    if not may_use_content_page(staff):
        return Response("This page is for the communications team.", status_code=403)
    query = (request.query_params.get("q") or "").strip()
    # The store's status once it is in use; the files' before that.
    in_store = await svc.db.run(store_version) > 0
    statuses = {s.locale: s for s in (await svc.db.run(editing.status) if in_store
                                      else svc.content_repo.status())}
    outdated = {loc: {o["key"] for o in s.outdated} for loc, s in statuses.items()}
    rows = []
    for key in svc.renderer.content.responses():
        cells = []
        for locale in LOCALES:
            r = svc.renderer.render(key, locale, EXAMPLE_ARGUMENTS)
            cells.append({
                "locale": locale, "lang": HTML_LANG[locale], "dir": r.direction,
                "text": r.text, "buttons": [b["title"] for b in r.buttons],
                "missing": r.fallback, "outdated": key in outdated.get(locale, set()),
            })
        haystack = " ".join([key] + [c["text"] for c in cells]).casefold()
        if query and query.casefold() not in haystack:
            continue
        rows.append({"key": key, "cells": cells})
    return svc.templates.TemplateResponse(
        request,
        "content.html",
        {
            "rows": rows, "query": query, "statuses": [statuses[loc] for loc in LOCALES],
            "locales": [(loc, NATIVE_NAMES[loc], HTML_LANG[loc], direction(loc)) for loc in LOCALES],
            "unanswered": await unanswered_questions(svc.db),
            # The published facts: the store's once it is in use (an approved new review-by
            # day counts at once), the file's before that.
            "due_facts": svc.content_repo.due_for_review(
                utcnow().astimezone(AMSTERDAM).date(),
                svc.renderer.content.responses() if in_store else None),
        },
    )

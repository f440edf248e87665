"""The communications team's editor (/content, issue 15 point 1): every text by a human
title in Dutch and English, grouped by area, with search; per topic the English source and
every locale side by side, each with a live preview as the chat bubble a person would see;
the facts; the facts due for review; the questions the bot could not answer (redacted).

Saving, reviewing and publishing go through the workflow's handlers
(``bot.web.routes.content_workflow``); this module only shows and previews. Access: a staff
login with a role that may use it (``bot.db.access``); see ``wegwijs staff``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clock import AMSTERDAM, as_utc, utcnow
from bot.content import candidates as nlu_candidates
from bot.content import editing
from bot.content.preview import bubble, draft_problems
from bot.content.topics import AREAS, TopicTitles
from bot.db.content import store_version
from bot.db.conversations import answered_with_any
from bot.db.session import Database
from bot.i18n.content import FAQ_FAMILIES
from bot.i18n.exchange import SOURCE
from bot.i18n.locales import HTML_LANG, LOCALES, NATIVE_NAMES, direction
from bot.i18n.workflow import TELEGRAM_LIMIT
from bot.privacy import redact
from bot.settings import ROOT
from bot.web.routes.content_workflow import (
    button_dicts,
    buttons_box,
    content_staff,
    facts_box,
    parse_buttons,
    parse_facts,
    staff_and_form,
    topic_url,
    where,
)
from bot.web.routes.inbox import render
from bot.web.services import services

UNANSWERED_KEYS = {"utter_ask_rephrase", "utter_out_of_scope", "utter_offer_casemanager",
                   *(f"utter_{family}/unknown" for family in FAQ_FAMILIES)}
# The translations beside the English source, in the order the editor shows them (English
# is the source itself, not a translation).
TRANSLATIONS: tuple[str, ...] = tuple(loc for loc in ("nl", "ar", "ti", "fa_AF") if loc in LOCALES)
UNANSWERED_SHOWN = 20  # per language, the newest: each with its own choice of topic
TEXT_MAX = 20_000  # a preview request's text: far above Telegram's limit, bounded


async def unanswered_questions(db: Database, limit: int = 100) -> dict[str, list[dict[str, Any]]]:
    """Recent messages the bot could not answer, per locale, personal data redacted."""
    out: dict[str, list[dict[str, Any]]] = {loc: [] for loc in LOCALES}
    for msg, conv_locale in await db.run(answered_with_any, keys=UNANSWERED_KEYS):
        locale = msg.locale or conv_locale or "en"
        bucket = out.setdefault(locale, [])
        if len(bucket) < limit:
            at = as_utc(msg.created_at)
            bucket.append({"id": msg.id, "text": redact(msg.text or ""),
                           "at": at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M") if at else ""})
    return out


_TITLES: dict[Path, TopicTitles] = {}


def _titles(request: Request) -> TopicTitles:
    """The titles beside the app's content file (content/topics.yml), one reader per file."""
    path = Path(services(request).renderer.content.path)
    if path not in _TITLES:
        _TITLES[path] = TopicTitles.beside(path)
    return _TITLES[path]


async def _states(request: Request) -> tuple[bool, dict[str, Any], set[tuple[str, str]]]:
    """(store in use, status per locale, the (key, locale) with a draft waiting)."""
    svc = services(request)
    in_store = await svc.db.run(store_version) > 0
    statuses = {s.locale: s for s in (await svc.db.run(editing.status) if in_store
                                      else svc.content_repo.status())}
    drafts = {(d.key, d.locale) for d in await svc.db.run(editing.drafts)} if in_store else set()
    return in_store, statuses, drafts


def _cell_state(svc: Any, key: str, english: str, locale: str, outdated: set[str]) -> str:
    """"ok", "missing" or "review" (a translation of older English)."""
    if key in outdated:
        return "review"
    return "ok" if svc.renderer.catalogs.lookup(locale, key, english) else "missing"


async def content_page(request: Request) -> Response:
    staff = await content_staff(request)
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    query = (request.query_params.get("q") or "").strip()
    in_store, statuses, drafts = await _states(request)
    outdated = {loc: {o["key"] for o in s.outdated} for loc, s in statuses.items()}
    responses = svc.renderer.content.responses()
    # A button title's draft (``button:<id>``) waits for every answer with that button.
    button_drafts = {(k.removeprefix("button:"), loc) for k, loc in drafts if k.startswith("button:")}
    titles = _titles(request)
    grouped = titles.grouped(list(responses))
    areas = []
    shown = 0
    for area in AREAS:
        topics = []
        for t in grouped[area]:
            english = responses[t.key].text
            ids = [b.id for b in responses[t.key].buttons]
            cells = [{"locale": loc, "state": _cell_state(svc, t.key, english, loc, outdated.get(loc, set())),
                      "draft": (t.key, loc) in drafts or any((i, loc) in button_drafts for i in ids)}
                     for loc in TRANSLATIONS]
            if query:
                texts = [svc.renderer.catalogs.lookup(loc, t.key, english) or "" for loc in TRANSLATIONS]
                haystack = " ".join([t.key, t.nl, t.en, english, *texts]).casefold()
                if query.casefold() not in haystack:
                    continue
            topics.append({"topic": t, "url": topic_url(t.key), "cells": cells,
                           "source_draft": (t.key, SOURCE) in drafts})
        shown += len(topics)
        areas.append({"area": area, "topics": topics})
    return render(
        request, "inbox/content_list.html", staff,
        areas=areas, query=query, shown=shown, total=len(responses),
        statuses=[statuses[loc] for loc in LOCALES if loc != "en"],
        languages=_languages(), in_store=in_store, waiting=len(drafts),
        unanswered=await unanswered_questions(svc.db, limit=UNANSWERED_SHOWN),
        # The published facts: the store's once it is in use (an approved new review-by
        # day counts at once), the file's before that.
        due_facts=svc.content_repo.due_for_review(utcnow().astimezone(AMSTERDAM).date(),
                                                  responses if in_store else None),
        topic_url=topic_url,
        # "This is topic X": the topics the assistant is trained to recognise, by title
        # in the staff member's language, per area (a key is never asked for).
        topic_groups=[(a, [(t.key, t.title(staff.locale or "nl")) for t in grouped[a]
                           if nlu_candidates.intent_of(t.key) in _intents()]) for a in AREAS],
        candidates=[{**c, "title": titles.topic("utter_" + c["intent"]).title(staff.locale or "nl")}
                    for c in await svc.db.run(candidate_rows)],
        # A question already saved as an example says so, instead of asking again.
        handled={m: {"state": state, "title": titles.topic("utter_" + intent).title(staff.locale or "nl")}
                 for m, (intent, state) in (await svc.db.run(handled_questions)).items()},
        may_review=editing.may_review(staff),
        may_write_english=in_store and editing.may_edit(staff, SOURCE),
    )


def candidate_rows(*, session: Any) -> list[dict[str, Any]]:
    """The candidates waiting for review and the 20 reviewed last, for the list."""
    rows = nlu_candidates.candidates(session=session)
    waiting = [r for r in rows if r.state == "proposed"]
    done = [r for r in rows if r.state != "proposed"][-20:]
    return [{"id": r.id, "locale": r.locale, "text": r.text, "intent": r.intent, "state": r.state,
             "author": r.author, "lang": HTML_LANG.get(r.locale, r.locale), "dir": direction(r.locale)}
            for r in waiting + list(reversed(done))]


def handled_questions(*, session: Any) -> dict[int, tuple[str, str]]:
    """Per unanswered question (message id) saved as a candidate: (its intent, state)."""
    return {r.message_id: (r.intent, r.state) for r in nlu_candidates.candidates(session=session)
            if r.message_id is not None and r.state != "rejected"}


_INTENTS: dict[Path, set[str]] = {}


def _intents() -> set[str]:
    """The intents with training data (read once per process)."""
    if ROOT not in _INTENTS:
        _INTENTS[ROOT] = nlu_candidates.known_intents(ROOT)
    return _INTENTS[ROOT]


async def _question_form(request: Request) -> tuple[Any, Any, int] | Response:
    """The staff member, the form and the unanswered question's id it names; a form
    without a numeric ``message_id`` is a bad request (400)."""
    got = await staff_and_form(request)
    if isinstance(got, Response):
        return got
    staff, form = got
    try:
        return staff, form, int(str(form.get("message_id", "")))
    except ValueError:
        return Response("Bad request.", status_code=400)


async def _candidate_step(request: Request, staff: Any, step: Any, done: Any) -> Response:
    """One step of the unanswered-questions flow: ``step`` runs in the database and
    ``done(result)`` says where to go next; a refusal is the no-access page (403) or the
    problems (409)."""
    try:
        result = await services(request).db.run(step, staff=staff, **where(request))
    except editing.NotAllowed:
        return render(request, "inbox/no_access.html", staff, status_code=403)
    except editing.Refused as exc:
        return Response("; ".join(exc.problems), status_code=409)
    return RedirectResponse(done(result), status_code=303)


async def propose_candidate(request: Request) -> Response:
    """"This is topic X": the question as a candidate training example."""
    got = await _question_form(request)
    if isinstance(got, Response):
        return got
    staff, form, message_id = got
    step = partial(nlu_candidates.propose, message_id=message_id,
                   key=str(form.get("key", "")).strip(), intents=_intents())
    return await _candidate_step(request, staff, step, lambda _: "/content#candidates")


async def new_topic(request: Request) -> Response:
    """"New topic": a draft English answer under a new key, opened on its history page."""
    got = await _question_form(request)
    if isinstance(got, Response):
        return got
    staff, form, message_id = got
    step = partial(nlu_candidates.start_topic, message_id=message_id,
                   title=str(form.get("title", ""))[:200],
                   existing=set(services(request).renderer.content.responses()))
    return await _candidate_step(request, staff, step,
                                 lambda key: "/content/history?" + _query(key, SOURCE))


async def review_candidate(request: Request) -> Response:
    got = await staff_and_form(request)
    if isinstance(got, Response):
        return got
    staff, _form = got
    step = partial(nlu_candidates.review, candidate_id=int(request.path_params["id"]),
                   accept=request.url.path.endswith("/accept"))
    return await _candidate_step(request, staff, step, lambda _: "/content#candidates")


def _languages() -> list[dict[str, str]]:
    return [{"code": loc, "native": NATIVE_NAMES[loc], "lang": HTML_LANG[loc], "dir": direction(loc)}
            for loc in LOCALES]


async def topic_page(request: Request) -> Response:
    staff = await content_staff(request)
    if isinstance(staff, Response):
        return staff
    svc = services(request)
    key = request.path_params["key"]
    response = svc.renderer.content.get(key)
    if response is None:
        return render(request, "inbox/not_found.html", staff, status_code=404)
    in_store, statuses, drafts = await _states(request)
    now = utcnow()
    topic = _titles(request).topic(key)
    # A draft waiting for review opens in the box, with what blocks its publication
    # beside it and its bubble (point 5: the checks, not only right after saving).
    waiting = await svc.db.run(editing.waiting_drafts, key=key) if in_store else {}
    source = waiting.get(SOURCE)
    facts = source.facts if source is not None else [
        {"claim": f.claim, "source": f.source, "date": f.date, "review_by": f.review_by}
        for f in response.facts]
    buttons = source.buttons if source is not None else button_dicts(response.buttons)
    columns = [{
        "locale": SOURCE, "code": "en", "native": NATIVE_NAMES["en"], "lang": "en", "dir": "ltr",
        "text": source.text if source is not None else response.text, "state": "ok",
        "draft": (key, SOURCE) in drafts, "waiting": source,
        "may_edit": in_store and editing.may_edit(staff, SOURCE),
        "bubble": bubble(svc.renderer, key, SOURCE, now=now,
                         text=source.text if source is not None else None,
                         titles={b["id"]: b["title"] for b in source.buttons or []}
                         if source is not None else None),
        "facts_box": facts_box(facts), "buttons_box": buttons_box(buttons) if buttons else "",
        "button_drafts": [],  # the English buttons are part of the English draft
    }]
    for loc in TRANSLATIONS:
        outdated = {o["key"] for o in statuses[loc].outdated}
        state = _cell_state(svc, key, response.text, loc, outdated)
        draft = waiting.get(loc)
        # The locale's button titles (a waiting draft's first), for the translator's box.
        titles = await svc.db.run(editing.button_titles, key=key, locale=loc) if in_store else []
        drafted = {b.id: b.title for b in titles if b.waiting is not None}
        columns.append({
            "locale": loc, "code": loc, "native": NATIVE_NAMES[loc], "lang": HTML_LANG[loc],
            "dir": direction(loc), "state": state, "draft": (key, loc) in drafts, "waiting": draft,
            "text": draft.text if draft is not None else (
                svc.renderer.catalogs.lookup(loc, key, response.text)
                or (await _last_translation(request, key, loc) if state == "review" else "")),
            "may_edit": in_store and editing.may_edit(staff, loc),
            "bubble": bubble(svc.renderer, key, loc, now=now,
                             text=draft.text if draft is not None else None, titles=drafted),
            "buttons_box": buttons_box([{"id": b.id, "title": b.title} for b in titles]),
            "button_drafts": [b for b in titles if b.waiting is not None],
            "button_url": lambda b, loc=loc: "/content/history?" + _query(b.context, loc),
        })
        columns[-1]["draft"] = columns[-1]["draft"] or bool(drafted)
    return render(
        request, "inbox/content_topic.html", staff,
        topic=topic, key=key, response=response, columns=columns, in_store=in_store,
        facts=list(response.facts), limit=TELEGRAM_LIMIT,
        history_url=lambda loc: "/content/history?" + _query(key, loc),
    )


async def _last_translation(request: Request, key: str, locale: str) -> str:
    """The translation of the older English (needs review; not served): the translator
    starts from it rather than from an empty box."""
    entries = await services(request).db.run(editing.history, key=key, locale=locale)
    return next((e.text for e in entries if e.live), "")


def _query(key: str, locale: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"key": key, "locale": locale})


async def preview(request: Request) -> Response:
    """The bubble and the problems of a text being written (htmx, as the editor types)."""
    got = await staff_and_form(request)
    if isinstance(got, Response):
        return got
    staff, form = got
    svc = services(request)
    key, locale = str(form.get("key", "")), str(form.get("locale", ""))
    text = str(form.get("text", ""))[:TEXT_MAX].replace("\r\n", "\n").strip()
    if svc.renderer.content.get(key) is None or locale not in (SOURCE, *TRANSLATIONS):
        return Response("Unknown text.", status_code=404)
    facts, bad = None, []
    if locale == SOURCE and "facts" in form:
        facts, bad = parse_facts(str(form.get("facts", ""))[:TEXT_MAX])
    titles = None
    if "buttons" in form:  # the buttons box: the titles as written, shown on the chips
        live = svc.renderer.content.get(key)
        current = [{"id": b.id, "title": b.title} for b in live.buttons
                   if locale == SOURCE or b.translate]
        parsed, wrong = parse_buttons(str(form.get("buttons", ""))[:TEXT_MAX], current,
                                      empty_ok=locale != SOURCE)
        bad += wrong
        titles = {b["id"]: b["title"] for b in parsed}
    return render(
        request, "inbox/_content_bubble.html", staff,
        b=bubble(svc.renderer, key, locale, text=text, titles=titles, now=utcnow()),
        problems=bad + draft_problems(svc.renderer, key, locale, text, facts, titles),
        limit=TELEGRAM_LIMIT,
    )


ROUTES = [
    Route("/content", content_page),
    Route("/content/topics/{key:path}", topic_page),
    Route("/content/preview", preview, methods=["POST"]),
    Route("/content/candidates", propose_candidate, methods=["POST"]),
    Route("/content/new-topic", new_topic, methods=["POST"]),
    Route("/content/candidates/{id:int}/accept", review_candidate, methods=["POST"]),
    Route("/content/candidates/{id:int}/reject", review_candidate, methods=["POST"]),
]

"""The editor's previews (issue 15, points 1 and 5): a text as the chat bubble a person
would see it (filled with realistic sample values, right to left where the locale reads
so, its buttons, its length against Telegram's limit), a draft's text included, and what
in a draft blocks its publication.

Previews never count as served fallbacks (the metrics and the log count only what people
get): :class:`DraftCatalogs` looks texts up without the live catalogs' counting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup, escape

from bot.clock import AMSTERDAM
from bot.i18n.content import Fact, Response
from bot.i18n.exchange import SOURCE
from bot.i18n.locales import FALLBACK_CHAIN, HTML_LANG, LRI, PDI
from bot.i18n.render import Renderer
from bot.i18n.reply_templates import PREFIX, Choice, fields_of, fill_template
from bot.i18n.workflow import TELEGRAM_LIMIT, button_title_problems, source_problems, text_problems


def telegram_length(text: str) -> int:
    """The length Telegram counts (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def sample_arguments(key: str, now: datetime) -> dict[str, Any]:
    """What the preview fills a text's placeholders with: values as they would be in a
    real conversation, per text where one placeholder means different things ({name} is a
    casemanager in a handoff, a school in the school list)."""
    local = now.astimezone(AMSTERDAM)
    tomorrow = local.date() + timedelta(days=1)

    def at(day: date, hour: int, minute: int = 0) -> str:
        return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM).isoformat()

    args: dict[str, Any] = {
        "first_name": "Amal", "previous": "nl", "count": 3, "name": "Sanne de Vries",
        "kind_key": "term_appointment_casemanager", "starts_at": at(tomorrow, 10),
        "duration": 60, "location": "Stadsloket Nieuw-West",
        "address": "Osdorpplein 1000, 1068 TG Amsterdam", "with_whom": "Leila Haddad",
        "bring": "verblijfsvergunning, paspoort", "until_at": at(local.date(), 17),
        "next_at": at(tomorrow, 8, 30), "minutes": 15, "waiting_weeks": 3,
        "reason_keys": ["term_school_reason_evening", "term_school_reason_childcare"],
        "choices": [
            {"id": "1", "kind_key": "term_appointment_casemanager", "starts_at": at(tomorrow, 10)},
            {"id": "2", "kind_key": "term_appointment_language_boost",
             "starts_at": at(tomorrow + timedelta(days=6), 13, 30)},
        ],
    }
    if key == "utter_school_item":
        args.update(name="Taalschool De Brug", address="Burgemeester Röellstraat 44")
    return args


def reply_choice(key: str, text: str, today: date) -> Choice:
    """A reply template's sample fields: tomorrow, at ten, in three days, an ID card."""
    samples: dict[str, Any] = {"day": today + timedelta(days=1), "time": time(10, 0),
                               "date": today + timedelta(days=3),
                               "document": ("term", "term_document_id")}
    return Choice(key, {f: samples[f] for f in fields_of(text) if f in samples})


@dataclass
class DraftCatalogs:
    """The live catalogs with one locale's text of one key replaced by a draft (or none)."""

    base: Any
    overrides: dict[tuple[str, str], str]

    def lookup(self, locale: str, context: str, source: str) -> str | None:
        if (locale, context) in self.overrides:
            return self.overrides[(locale, context)] or None
        return self.base.lookup(locale, context, source)

    def translate(self, locale: str, context: str, source: str) -> tuple[str, str]:
        for candidate in (locale, *(f for f in FALLBACK_CHAIN if f != locale)):
            text = self.lookup(candidate, context, source)
            if text is not None:
                return text, candidate
        return source, "en"

    def plural_forms(self, locale: str, context: str, singular: str) -> tuple[str, ...] | None:
        return self.base.plural_forms(locale, context, singular)


@dataclass
class DraftContent:
    """The live answers with one English text replaced by a draft."""

    base: Any
    draft: Response | None = None

    def responses(self) -> dict[str, Response]:
        out = dict(self.base.responses())
        if self.draft is not None:
            out[self.draft.key] = self.draft
        return out

    def get(self, key: str) -> Response | None:
        if self.draft is not None and key == self.draft.key:
            return self.draft
        return self.base.get(key)


@dataclass
class Bubble:
    """One text as the person sees it."""

    locale: str  # the locale the text is for ("en" for the English source)
    text: str
    buttons: list[str]
    direction: str
    lang: str  # HTML lang of the text shown (a fallback's, if it fell back)
    fallback: bool
    length: int

    @property
    def too_long(self) -> bool:
        return self.length > TELEGRAM_LIMIT

    @property
    def html(self) -> Markup:
        return bubble_html(self.text)


_ISOLATE = re.compile(f"{LRI}([^{PDI}]*){PDI}")
_URL = re.compile(r"https?://")
SHORT_RUN = 32  # a left-to-right run up to this long stays on one line (the web chat's too)


def bubble_html(text: str) -> Markup:
    """The bubble's text as HTML, as the web chat draws it (bot/web/static/webchat.js):
    each left-to-right isolate of right-to-left text (a URL, a Dutch term) a
    ``<bdi dir="ltr">``, a URL one box, a short run kept on one line, so a line break
    never reorders them (the isolate's marks stay inside, so the text is as sent).
    Everything else escaped; Telegram gets the plain text."""
    out, last = [], 0
    for m in _ISOLATE.finditer(text):
        out.append(escape(text[last:m.start()]))
        inner = m.group(1)
        kind = "url" if _URL.search(inner) else ("ltr-run" if len(inner) <= SHORT_RUN else "ltr")
        out.append(Markup('<bdi dir="ltr" class="{}">{}</bdi>').format(kind, m.group(0)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def bubble(renderer: Renderer, key: str, locale: str, *, text: str | None = None,
           titles: dict[str, str] | None = None, now: datetime) -> Bubble:
    """``key`` in ``locale`` (``"source"``: the English) as a bubble; ``text`` a draft of
    that locale's text (the live one when None), ``titles`` drafts of its buttons' titles
    by button id (an empty one: not translated, the person sees the English)."""
    target = "en" if locale == SOURCE else locale
    content, catalogs = DraftContent(renderer.content), DraftCatalogs(renderer.catalogs, {})
    live = renderer.content.get(key)
    if live is not None and (text is not None or titles):
        if locale == SOURCE:
            content.draft = replace(
                live, text=live.text if text is None else text,
                buttons=tuple(replace(b, title=(titles or {}).get(b.id, b.title)) for b in live.buttons))
        else:
            if text is not None:
                catalogs.overrides[(locale, key)] = text
            for ident, title in (titles or {}).items():
                catalogs.overrides[(locale, f"button:{ident}")] = title
    preview = Renderer(content, catalogs, clock=lambda: now, terms=renderer.terms)  # type: ignore[arg-type]
    if key.startswith(PREFIX) and live is not None:
        filled = fill_template(preview, reply_choice(key, (content.get(key) or live).text,
                                                     now.astimezone(AMSTERDAM).date()),
                               target, now.astimezone(AMSTERDAM).date())
        shown, buttons, direction, fallback = filled.text, [], filled.direction, filled.fallback
    else:
        r = preview.render(key, target, sample_arguments(key, now))
        shown, buttons, direction = r.text, [b["title"] for b in r.buttons], r.direction
        fallback = r.fallback
    # A fallback is the English source (Dutch only if there were no English).
    lang = "en" if fallback else HTML_LANG.get(target, target)
    return Bubble(target, shown, buttons, direction, lang, fallback, telegram_length(shown))


def draft_problems(renderer: Renderer, key: str, locale: str, text: str,
                   facts: list[dict[str, str]] | None = None,
                   titles: dict[str, str] | None = None) -> list[str]:
    """What would block a draft of ``key`` in ``locale`` with ``text`` (the checks on save,
    shown next to the field as the text is written); for the English, ``facts`` are the
    draft's facts (None: the live ones); ``titles`` the buttons' titles in the box, by id
    (None: the live ones)."""
    live = renderer.content.get(key)
    if locale == SOURCE:
        response = replace(live, text=text) if live is not None else Response(key=key, text=text)
        if facts is not None:
            response = replace(response, facts=tuple(
                Fact(f["claim"], f["source"], f["date"], f.get("review_by", "")) for f in facts))
        if titles is not None:
            response = replace(response, buttons=tuple(
                replace(b, title=titles.get(b.id, b.title)) for b in response.buttons))
        return source_problems(response) + text_problems(text, text)
    if live is None:
        return [f"there is no English answer {key!r} to translate"]
    out = ["the translation is empty"] if not text.strip() else text_problems(live.text, text)
    for b in live.buttons:
        title = (titles or {}).get(b.id)
        if not b.translate or title is None:
            continue
        if not title.strip():
            # Not translated yet is allowed (the person sees the English); a title that
            # was there and is taken out is a missing title.
            if renderer.catalogs.lookup(locale, f"button:{b.id}", b.title):
                out.append(f"button {b.id!r}: the button has no title")
            continue
        out += [f"button {b.id!r}: {p}"
                for p in text_problems(b.title, title) + button_title_problems(title)]
    return out


__all__ = ["Bubble", "DraftCatalogs", "DraftContent", "bubble", "bubble_html", "draft_problems",
           "reply_choice", "sample_arguments", "telegram_length"]

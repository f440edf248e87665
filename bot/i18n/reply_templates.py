"""Reply templates: what a casemanager can send from the inbox in the person's language.

A template is content: a ``reply_*`` key in ``content/responses.yml``, translated in the
same catalogs as the bot's answers (so ``wegwijs content check`` and the fallback counting
cover it). Its placeholders are the fields the casemanager fills in, in Dutch or English:

- ``{day}``: a date, said as "today", "tomorrow" (``term_today``, ``term_tomorrow``) or
  "on <date>" (``term_on_day``);
- ``{date}``: a date, the locale's full format ("dinsdag 24 november 2026");
- ``{time}``: a time, the locale's short format ("10:30 AM", "10:30 ቅ.ቀ.");
- ``{document}``: one of the ``term_document_*`` texts, or the casemanager's own words
  (sent as typed: not translated, and the inbox says so).

Dates and times are written with Babel's CLDR data for the person's locale: month and day
names in Arabic, Tigrinya and Dari (``fa_AF``: "نومبر", not Iranian "نوامبر"), always in
the Gregorian calendar and with Western digits, as on Dutch letters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from bot.i18n.content import ContentSource, Response
from bot.i18n.locales import RTL_LOCALES
from bot.i18n.render import Renderer, fill, isolate_ltr

logger = logging.getLogger(__name__)

PREFIX = "reply_"
DOCUMENT_PREFIX = "term_document_"
FIELDS = ("day", "date", "time", "document")
# The {document} choice "my own words".
OTHER_DOCUMENT = "other"
DOCUMENT_TEXT_MAX = 100
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class InvalidFields(ValueError):
    """A template that does not exist, or a field missing or not valid (its name)."""


@dataclass(frozen=True)
class Filled:
    """A template filled in one locale."""

    key: str
    locale: str
    text: str
    direction: str
    # The template or one of its terms came from another locale (counted by the catalogs).
    fallback: bool = False
    # Fields sent as the casemanager typed them ("document").
    untranslated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    """What the casemanager chose: a template and its fields' values (checked)."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def templates(content: ContentSource) -> list[Response]:
    """Every reply template, in the order of the content file."""
    return [r for k, r in content.responses().items() if k.startswith(PREFIX)]


def documents(content: ContentSource) -> list[Response]:
    """The documents a casemanager can ask for, in the order of the content file."""
    return [r for k, r in content.responses().items() if k.startswith(DOCUMENT_PREFIX)]


def fields_of(text: str) -> list[str]:
    """The fields of a template's text, in order, each once."""
    out: list[str] = []
    for name in _PLACEHOLDER.findall(text):
        if name not in out:
            out.append(name)
    return out


def unknown_fields(text: str) -> list[str]:
    """Placeholders a reply template may not use (the content check reports them)."""
    return [name for name in fields_of(text) if name not in FIELDS]


def choose(content: ContentSource, form: Mapping[str, Any]) -> Choice:
    """The template and field values of an inbox form; raises :class:`InvalidFields`
    naming what is missing or wrong."""
    key = str(form.get("template") or "")
    response = content.get(key) if key.startswith(PREFIX) else None
    if response is None:
        raise InvalidFields("template")
    values: dict[str, Any] = {}
    for name in fields_of(response.text):
        raw = str(form.get(name) or "").strip()
        if name in ("day", "date"):
            try:
                values[name] = date.fromisoformat(raw)
            except ValueError:
                raise InvalidFields(name) from None
        elif name == "time":
            if not _TIME.match(raw):
                raise InvalidFields(name)
            values[name] = time.fromisoformat(raw)
        elif name == "document":
            if raw == OTHER_DOCUMENT:
                own = " ".join(str(form.get("document_text") or "").split())
                if not own or len(own) > DOCUMENT_TEXT_MAX:
                    raise InvalidFields("document_text")
                values[name] = ("text", own)
            elif raw.startswith(DOCUMENT_PREFIX) and content.get(raw) is not None:
                values[name] = ("term", raw)
            else:
                raise InvalidFields(name)
        else:
            raise InvalidFields(name)
    return Choice(key, values)


def fill_template(renderer: Renderer, choice: Choice, locale: str, today: date) -> Filled:
    """The template in ``locale``, its fields written that locale's way. ``today``
    (Amsterdam) decides when {day} is "today" or "tomorrow"."""
    catalogs = renderer.catalogs
    content = renderer.content
    fallback = False
    untranslated: list[str] = []

    def term(key: str, **values: Any) -> str:
        nonlocal fallback
        response = content.get(key)
        assert response is not None, f"content/responses.yml must define {key}"
        text, used = catalogs.translate(locale, key, response.text)
        fallback = fallback or used != locale
        return fill(text, values)

    values: dict[str, str] = {}
    for name, value in choice.values.items():
        if name == "day":
            days = (value - today) // timedelta(days=1) if isinstance(value, date) else None
            if days == 0:
                values[name] = term("term_today")
            elif days == 1:
                values[name] = term("term_tomorrow")
            else:
                values[name] = term("term_on_day", date=_date(value, locale))
        elif name == "date":
            values[name] = _date(value, locale)
        elif name == "time":
            values[name] = format_time(datetime.combine(today, value), "short", locale=cldr_locale(locale))
        elif name == "document":
            kind, document = value
            if kind == "term":
                values[name] = term(document)
            else:
                values[name] = document
                untranslated.append(name)
    response = content.get(choice.key)
    assert response is not None
    text, used = catalogs.translate(locale, response.key, response.text)
    fallback = fallback or used != locale
    text = fill(text, values)
    rtl = used in RTL_LOCALES
    return Filled(key=choice.key, locale=locale, text=isolate_ltr(text) if rtl else text,
                  direction="rtl" if rtl else "ltr", fallback=fallback,
                  untranslated=tuple(untranslated))


def fill_both(renderer: Renderer, choice: Choice, locale: str, ui_locale: str,
              today: date) -> tuple[Filled, Filled]:
    """The template as the person receives it (``locale``) and as the casemanager wrote it
    (``ui_locale``): what is sent and previewed, and kept beside it in the transcript."""
    return (fill_template(renderer, choice, locale, today),
            fill_template(renderer, choice, ui_locale, today))


def outline(renderer: Renderer, key: str, locale: str, names: Mapping[str, str] | None = None) -> str:
    """A template as the inbox lists it: its text in ``locale`` with each field by its
    name in brackets ("Ik bel u [dag] om [tijd].") or, without names, "…"."""
    response = renderer.content.get(key)
    if response is None:
        return key
    text, _ = renderer.catalogs.translate(locale, key, response.text)
    names = names or {}
    return _PLACEHOLDER.sub(lambda m: f"[{names[m.group(1)]}]" if m.group(1) in names else "…", text)


def cldr_locale(locale: str) -> str:
    """The locale Babel writes dates and times in: the locale itself, else its language
    ("fa" for an unknown "fa_XX"), else English, said in the log (never silently)."""
    for candidate in (locale, locale.split("_")[0]):
        try:
            Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
        return candidate
    logger.warning("Babel has no dates for locale=%s; written the English way", locale)
    return "en"


def _date(value: date, locale: str) -> str:
    return format_date(value, "full", locale=cldr_locale(locale))

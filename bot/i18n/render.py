"""Render a response (``utter_*``) in a locale: text, buttons, placeholders, direction.

This is what the Rasa NLG endpoint returns, and what the app uses for its own messages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import AMSTERDAM, utcnow
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource, Response, button_context
from bot.i18n.locales import LRI, NATIVE_NAMES, PDI, RLM, RTL_LOCALES
from bot.i18n.terms import TermBase, term_base_for

logger = logging.getLogger(__name__)

# A run of Latin letters, digits, and what joins them in words, numbers, URLs and
# phone numbers ("zorgtoeslag", "€385", "0800-0113", "https://www.113.nl", "14 020").
# A URL is a run of its own, never joined to the words before it ("DigiD: https://…" is
# two), and sentence punctuation after a run (". , : ;") stays outside it, in the
# right-to-left sentence, as does a closing bracket.
_URL = r"https?://[A-Za-z0-9/:.\-_%&=?#@+~]*[A-Za-z0-9/\-_%&=#@+~]"
_WORD = r"[A-Za-z0-9€](?:[A-Za-z0-9€/:.\-_%&=?#@+]*[A-Za-z0-9€/%#\-_=+])?"
_LTR_RUN = re.compile(
    f"{_URL}|(?!https?://){_WORD}(?:[ \\-](?!https?://){_WORD})*"
)


@dataclass
class Rendered:
    key: str
    locale: str
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    direction: str = "ltr"
    fallback: bool = False

    def as_nlg(self) -> dict[str, Any]:
        """The shape Rasa expects from an NLG endpoint."""
        return {
            "text": self.text,
            "buttons": self.buttons,
            "image": None,
            "elements": [],
            "attachments": [],
            "custom": {},
        }


def isolate_ltr(text: str) -> str:
    """Make Latin words, numbers and URLs read correctly inside right-to-left text.

    Each such run is wrapped in a left-to-right isolate, and each line starts with a
    right-to-left mark so that apps that guess direction from the first letter agree.
    Text already isolated as one unit (an address, a Dutch name: see ``TermBase``) is
    left as it is.
    """
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        line = _ISOLATED_OR_LTR_RUN.sub(
            lambda m: m.group(0) if m.group(0).startswith(LRI) else f"{LRI}{m.group(0)}{PDI}", line
        )
        lines.append(RLM + line)
    return "\n".join(lines)


_ISOLATED_OR_LTR_RUN = re.compile(f"{LRI}[^{PDI}]*{PDI}|" + _LTR_RUN.pattern)
# Appointment items written by the City's systems in Dutch: rendered from the term base
# in the person's language with the Dutch in brackets (bring, place, with whom); the
# address as one left-to-right unit.
APPOINTMENT_ITEMS = ("bring", "location", "with_whom", "address")


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace ``{name}`` placeholders; unknown ones stay visible (and are logged).

    Only ``{identifier}`` is a placeholder, so JSON in button payloads
    (``/set_language{"language": "{previous}"}``) is left intact.
    """

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in values:
            return str(values[name])
        logger.warning("Placeholder {%s} has no value", name)
        return m.group(0)

    return _PLACEHOLDER.sub(sub, template)


# Timestamps whose {<name>_date} is said as "today" or "tomorrow" when it is (Amsterdam
# time, at the moment of rendering): "You can expect an answer from today, 08:30", not
# "from Monday, November 23" on that Monday. Only where the sentence reads well with it.
RELATIVE_DAYS = ("next_at",)
DAY_TERMS = {0: "term_today", 1: "term_tomorrow"}


@dataclass
class Renderer:
    content: ContentSource
    catalogs: Catalogs
    # What "today" is (tests inject a clock).
    clock: Callable[[], datetime] = utcnow
    # The term base (content/terms.yml beside the content file when not given).
    terms: TermBase | None = None

    def __post_init__(self) -> None:
        if self.terms is None:
            self.terms = term_base_for(self.content)

    def resolve(self, key: str) -> Response | None:
        response = self.content.get(key)
        if response is None and "/" in key:
            # A retrieval key the catalogs do not know yet: the topic's "unknown" answer.
            response = self.content.get(key.split("/", 1)[0] + "/unknown")
        return response

    def term(self, locale: str, context: str, source: str) -> str:
        return self.catalogs.translate(locale, context, source)[0]

    def values(self, locale: str, arguments: dict[str, Any], rtl: bool = False) -> dict[str, Any]:
        """Placeholder values: the arguments, plus ``<name>_key`` arguments translated
        (a term of the content file), ``reason_keys`` as a list in the locale's way, and
        the Dutch appointment items in the locale (``APPOINTMENT_ITEMS``)."""
        from babel.lists import format_list

        values = placeholder_values(locale, arguments)
        self.appointment_items(values, locale, rtl)
        for name, key in arguments.items():
            if name.endswith("_key") and isinstance(key, str):
                r = self.content.get(key)
                values[name.removesuffix("_key")] = self.term(locale, key, r.text) if r else key
        for name in RELATIVE_DAYS:
            term = self.day_term(arguments.get(name))
            if term is not None and (r := self.content.get(term)):
                values[name.removesuffix("_at") + "_date"] = self.term(locale, term, r.text)
        reason_keys = arguments.get("reason_keys")
        if isinstance(reason_keys, list):
            terms = [self.term(locale, k, r.text) for k in reason_keys if (r := self.content.get(k))]
            values["reasons"] = format_list(terms, locale=locale) if terms else ""
        return values

    def appointment_items(self, values: dict[str, Any], locale: str, rtl: bool) -> None:
        """What to bring, the place and with whom in ``locale``, the Dutch in brackets."""
        terms = self.terms
        for name in APPOINTMENT_ITEMS:
            value = values.get(name)
            if not isinstance(value, str) or not value.strip():
                continue
            if terms is None or name == "address":
                values[name] = f"{LRI}{value}{PDI}" if rtl else value
            elif name == "bring":
                values[name] = terms.bring(value, locale, rtl)
            elif name == "location":
                values[name] = terms.place(value, locale, rtl)
            else:
                values[name] = terms.person(value, locale, rtl)

    def day_term(self, iso: Any) -> str | None:
        """``term_today`` or ``term_tomorrow`` for a timestamp on those days, else None."""
        if not isinstance(iso, str):
            return None
        try:
            day = datetime.fromisoformat(iso).astimezone(AMSTERDAM).date()
        except ValueError:
            return None
        today = self.clock().astimezone(AMSTERDAM).date()
        return DAY_TERMS.get((day - today) // timedelta(days=1))

    def render(self, key: str, locale: str, arguments: dict[str, Any] | None = None) -> Rendered:
        response = self.resolve(key)
        if response is None:
            logger.error("Unknown response %s; answering with app_error", key)
            response = self.content.get("app_error")
            assert response is not None, "content/responses.yml must define app_error"
        arguments = arguments or {}
        text, used = self.catalogs.translate(locale, response.key, response.text)
        # A fallback text is English or Dutch: it reads left to right.
        rtl = used in RTL_LOCALES
        values = self.values(locale, arguments, rtl)
        text = fill(text, values)
        buttons = []
        for b in response.buttons:
            title = b.title
            if b.translate:
                title, _ = self.catalogs.translate(locale, button_context(b), b.title)
            buttons.append({"title": fill(title, values), "payload": fill(b.payload, values)})
        if response.choice_button is not None:
            for choice in arguments.get("choices") or []:
                if isinstance(choice, dict):
                    cv = self.values(locale, choice)
                    title = self.term(locale, response.key + ":choice", response.choice_button.title)
                    buttons.append(
                        {"title": fill(title, cv), "payload": fill(response.choice_button.payload, cv)}
                    )
        if rtl:
            text = isolate_ltr(text)
        return Rendered(
            key=response.key,
            locale=locale,
            text=text,
            buttons=buttons,
            direction="rtl" if rtl else "ltr",
            fallback=used != locale,
        )


def format_when(iso: str, locale: str) -> tuple[str, str]:
    """(date, time) of an ISO timestamp in Amsterdam time, written the locale's way."""
    from babel.dates import format_date, format_time

    when = datetime.fromisoformat(iso).astimezone(AMSTERDAM)
    return (
        format_date(when, format="full", locale=locale),
        format_time(when, format="short", locale=locale),
    )


def placeholder_values(locale: str, arguments: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in arguments.items() if isinstance(v, (str, int, float))}
    values.setdefault("language_name", NATIVE_NAMES.get(locale, locale))
    previous = arguments.get("previous")
    if isinstance(previous, str) and previous in NATIVE_NAMES:
        values["previous_name"] = NATIVE_NAMES[previous]
    # Every "<name>_at" ISO timestamp gives {<name>_date} and {<name>_time} in the locale's
    # way ("starts_at" also plain {date} and {time}).
    for name, value in arguments.items():
        if not (name.endswith("_at") and isinstance(value, str)):
            continue
        try:
            date_text, time_text = format_when(value, locale)
        except ValueError:
            logger.warning("%s is not an ISO timestamp: %r", name, value[:40])
            continue
        prefix = name.removesuffix("_at")
        values[f"{prefix}_date"], values[f"{prefix}_time"] = date_text, time_text
        if name == "starts_at":
            values["date"], values["time"] = date_text, time_text
    return values

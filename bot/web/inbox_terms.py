"""How the inbox names what happened in a conversation, in the casemanager's language:
the bot's answers by their topic's title ("Healthcare allowance (zorgtoeslag)", not
``utter_benefits/zorgtoeslag``), commands and link codes as events ("started the chat",
not ``/start``), and days as "Today", "Yesterday" or a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource, button_context
from bot.web.ui import UiCatalog
from bot.web.ui_terms import ANSWER_KEYS

# What a command the person sent (or a button that sends one) means, by its intent.
COMMAND_EVENTS = {
    "start": "event:start",
    "set_language": "event:set_language",
    "help": "event:help",
    "talk_to_casemanager": "event:talk_to_casemanager",
    "forget_me": "event:forget_me",
    "link_account": "event:link_code",
}
REDACTED_CODE = "[code]"


def event_of(text: str, kind: str) -> str | None:
    """The event term of a message that is a command or a link code, else None."""
    stripped = (text or "").strip()
    if stripped == REDACTED_CODE:
        return "event:link_code"
    if kind not in ("command", "button") or not stripped.startswith("/"):
        return None
    intent = stripped[1:].split("{", 1)[0].split(" ", 1)[0]
    return COMMAND_EVENTS.get(intent, "event:button")


def topic_title(key: str, ui_locale: str, *, content: ContentSource, catalogs: Catalogs,
                ui: UiCatalog) -> str:
    """A response key as a casemanager reads it."""
    if "/" in key:
        topic = key.split("/", 1)[1]
        for response in content.responses().values():
            for button in response.buttons:
                if button.id == topic or button.payload == topic:
                    if ui_locale == "en":
                        return button.title
                    return catalogs.lookup(ui_locale, button_context(button), button.title) or button.title
        return topic.replace("_", " ")
    if key in ANSWER_KEYS:
        return ui.gettext(ui_locale, f"answer:{key}")
    return key.removeprefix("utter_").removeprefix("app_").replace("_", " ")


def day_label(day: date, today: date, ui_locale: str, ui: UiCatalog) -> str:
    if day == today:
        return ui.gettext(ui_locale, "Today")
    if (today - day).days == 1:
        return ui.gettext(ui_locale, "Yesterday")
    return format_date(day, "full", locale=ui_locale)


@dataclass
class InboxTerms:
    """The staff catalog with the content, so that the inbox can name topics."""

    ui: UiCatalog
    content: ContentSource
    catalogs: Catalogs

    def gettext(self, locale: str, message: str, **values: Any) -> str:
        return self.ui.gettext(locale, message, **values)

    def ngettext(self, locale: str, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.ui.ngettext(locale, singular, plural, n, **values)

    def titles(self, keys: list[str] | None, ui_locale: str) -> str:
        """The bot's answers of one turn by their titles, in order, each once."""
        seen: list[str] = []
        for key in keys or []:
            title = topic_title(key, ui_locale, content=self.content, catalogs=self.catalogs, ui=self.ui)
            if title not in seen:
                seen.append(title)
        return ", ".join(seen)

    def day(self, day: date, today: date, ui_locale: str) -> str:
        return day_label(day, today, ui_locale, self.ui)

"""The language of the staff pages (inbox, login): Dutch or English, from Babel catalogs
``locales/<nl|en>/LC_MESSAGES/inbox.po``, with the same fallback and counting as the bot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n.catalogs import Catalogs

UI_LOCALES = ("nl", "en")


@dataclass
class UiCatalog:
    catalogs: Catalogs

    @classmethod
    def load(cls, locales_dir: Path) -> UiCatalog:
        return cls(Catalogs(locales_dir, domain="inbox"))

    def gettext(self, locale: str, message: str, **values: Any) -> str:
        text, _ = self.catalogs.translate(locale if locale in UI_LOCALES else "nl", "", message)
        return text % values if values else text

    def for_locale(self, locale: str):  # type: ignore[no-untyped-def]
        """``_`` for templates: ``{{ _("Queue") }}``, ``{{ _("%(n)s waiting", n=3) }}``."""
        return lambda message, **values: self.gettext(locale, message, **values)

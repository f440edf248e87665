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

    def ngettext(self, locale: str, singular: str, plural: str, n: int, **values: Any) -> str:
        """The form for ``n`` ("1 message", "2 messages"; never "1 berichten"), with ``num``
        (and ``values``) filled in. Dutch and English both have two forms: one for 1, the
        other for every other number. An untranslated entry falls back to the English source."""
        locale = locale if locale in UI_LOCALES else "nl"
        index = 0 if n == 1 else 1
        forms = self.catalogs.plural_forms(locale, "", singular)
        text = forms[min(index, len(forms) - 1)] if forms else (singular if index == 0 else plural)
        return text % {"num": n, **values}

    def for_locale(self, locale: str):  # type: ignore[no-untyped-def]
        """``_`` for templates: ``{{ _("Queue") }}``, ``{{ _("%(n)s waiting", n=3) }}``."""
        return lambda message, **values: self.gettext(locale, message, **values)

    def ngettext_for(self, locale: str):  # type: ignore[no-untyped-def]
        """``ngettext`` for templates: ``{{ ngettext("%(num)s message", "%(num)s messages", n) }}``."""
        return lambda singular, plural, n, **values: self.ngettext(locale, singular, plural, n, **values)

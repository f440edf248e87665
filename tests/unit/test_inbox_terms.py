"""How the inbox names what happened (bot/web/inbox_terms.py): events, topics, days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.web.inbox_terms import InboxTerms, event_of
from bot.web.ui import UiCatalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def terms() -> InboxTerms:
    return InboxTerms(ui=UiCatalog.load(ROOT / "locales"),
                      content=ContentSource(ROOT / "content" / "responses.yml"),
                      catalogs=Catalogs(ROOT / "locales"))


@pytest.mark.parametrize(("text", "kind", "event"), [
    ("/start", "command", "event:start"),
    ('/set_language{"language": "ar"}', "button", "event:set_language"),
    ("/talk_to_casemanager", "command", "event:talk_to_casemanager"),
    ("/benefits_overview", "button", "event:button"),
    (" [code] ", "text", "event:link_code"),
    ("/start", "text", None),  # typed by the person: shown as they typed it
    ("hallo", "text", None),
])
def test_commands_and_codes_are_events(text: str, kind: str, event: str | None) -> None:
    assert event_of(text, kind) == event


def test_topics_by_their_title(terms: InboxTerms) -> None:
    assert terms.titles(["utter_benefits/zorgtoeslag"], "en") == "Healthcare allowance (zorgtoeslag)"
    assert terms.titles(["utter_benefits/zorgtoeslag"], "nl") == "Zorgtoeslag"
    assert terms.titles(["utter_benefits/no_such_topic"], "en") == "no such topic"
    assert terms.titles(["utter_greet", "utter_greet", "app_unknown_thing"], "en") == "Greeting, unknown thing"
    assert terms.titles(None, "nl") == ""


def test_days(terms: InboxTerms) -> None:
    today = date(2026, 11, 23)
    assert terms.day(today, today, "nl") == "Vandaag"
    assert terms.day(date(2026, 11, 22), today, "en") == "Yesterday"
    assert terms.day(date(2026, 11, 2), today, "nl") == "maandag 2 november 2026"
    assert terms.ngettext("nl", "%(num)s message since", "%(num)s messages since", 1) == "1 bericht sindsdien"

"""School choice actions (actions/schools.py): answers in any language, reasons."""

from __future__ import annotations

import pytest

from actions.schools import ActionRecommendSchools, ActionStartSchoolChoice, ValidateSchoolForm
from bot.db.session import Database
from harness.trackers import as_sender, link, run, slot_events, tracker


async def test_school_choice_prefills_district_when_linked(db: Database, seeded: None) -> None:
    link(db, "webchat:amal3", 1)
    events, messages = await run(ActionStartSchoolChoice(), as_sender(tracker(), "webchat:amal3"))
    assert slot_events(events)["school_district"] == "Nieuw-West"
    assert [m["response"] for m in messages] == ["utter_school_intro"]


@pytest.mark.parametrize(
    ("slot", "text", "intent", "locale", "value"),
    [
        ("school_district", "ik woon in nieuw west", "inform", "nl", "Nieuw-West"),
        ("school_district", "انا ساكن بالبيلمر", "inform", "ar", "Zuidoost"),
        ("school_district", "نورد", "inform", "fa_AF", "Noord"),
        ("school_district", "ኣብ ኖርድ እነብር", "inform", "ti", "Noord"),
        ("school_district", "Weesp", "inform", "en", "Weesp"),
        ("school_time", "in the evening please", "inform", "en", "evening"),
        ("school_time", "بالمسا", "inform", "ar", "evening"),
        ("school_time", "ምሸት", "inform", "ti", "evening"),
        ("school_time", "روز", "inform", "fa_AF", "daytime"),
        ("school_childcare", "ja", "affirm", "nl", "yes"),
        ("school_women_only", "ኣይፋል", "deny", "ti", "no"),
        ("school_route", "onderwijsroute", "inform", "nl", "onderwijs"),
        ("school_route", "maakt niet uit", "inform", "nl", "any"),
        ("school_time", "x", "skip", "ar", "any"),
    ],
)
async def test_school_answers_by_button_or_free_text(slot: str, text: str, intent: str, locale: str, value: str) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    t = tracker(text=text, intent=intent, slots={"language": locale, "requested_slot": slot})
    extract = getattr(ValidateSchoolForm(), f"extract_{slot}")
    assert await extract(CollectingDispatcher(), t, {}) == {slot: value}


async def test_recommendations_come_with_reasons(db: Database, seeded: None) -> None:
    t = tracker(slots={"school_district": "Noord", "school_time": "evening", "school_childcare": "yes", "school_women_only": "any", "school_route": "b1"})
    events, messages = await run(ActionRecommendSchools(), t)
    items = [m for m in messages if m["response"] == "utter_school_item"]
    assert len(items) == 3
    assert "term_school_reason_childcare" in items[0]["reason_keys"]
    assert messages[-1]["response"] == "utter_school_pass_on"
    assert slot_events(events)["school_choices"]

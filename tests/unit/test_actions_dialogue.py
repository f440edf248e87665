"""Fallback and yes/no answers (actions/dialogue.py) on scenario trackers."""

from __future__ import annotations

import pytest

from actions.dialogue import OFFER_CASEMANAGER, ActionAnswerYesNo, ActionHandleFallback
from bot.db.session import Database
from bot.i18n.locales import LOCALES
from harness.trackers import run, slot_events, tracker


@pytest.mark.parametrize("locale", LOCALES)
async def test_two_step_fallback(locale: str) -> None:
    events, messages = await run(ActionHandleFallback(), tracker(intent="nlu_fallback", slots={"language": locale, "fallback_count": 1}))
    assert [m["response"] for m in messages] == ["utter_ask_rephrase"] and events == []
    events, messages = await run(ActionHandleFallback(), tracker(intent="nlu_fallback", slots={"language": locale, "fallback_count": 2}))
    assert [m["response"] for m in messages] == ["utter_offer_casemanager"]
    assert slot_events(events) == {"pending_question": OFFER_CASEMANAGER}


async def test_out_of_scope_first_says_what_the_bot_knows() -> None:
    _, messages = await run(ActionHandleFallback(), tracker(intent="out_of_scope", slots={"fallback_count": 1}))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


async def test_no_after_casemanager_offer_shows_the_topics(db: Database) -> None:
    t = tracker(intent="deny", slots={"pending_question": OFFER_CASEMANAGER, "fallback_count": 2})
    events, messages = await run(ActionAnswerYesNo(), t)
    assert [m["response"] for m in messages] == ["utter_help"]
    assert slot_events(events) == {"pending_question": None, "fallback_count": 0}


async def test_yes_after_casemanager_offer_hands_over(db: Database) -> None:
    from bot.db.models import Escalation

    t = tracker(intent="affirm", slots={"pending_question": OFFER_CASEMANAGER, "fallback_count": 2})
    events, messages = await run(ActionAnswerYesNo(), t)
    # Not linked: the team answers; which message depends on the office hours now.
    assert [m["response"] for m in messages][0].startswith("utter_handoff_team_")
    assert slot_events(events) == {"pending_question": None, "fallback_count": 0}
    assert any(e.get("event") == "pause" for e in events)
    with db.session() as s:
        esc = s.query(Escalation).one()
        assert (esc.reason, esc.live, esc.casemanager_id) == ("not_understood", 1, None)


async def test_yes_without_question_is_acknowledged() -> None:
    events, messages = await run(ActionAnswerYesNo(), tracker(intent="affirm"))
    assert [m["response"] for m in messages] == ["utter_ack"] and events == []

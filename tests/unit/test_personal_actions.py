"""Personal-service actions on scenario trackers against a seeded database, in every locale."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from actions.appointments import (
    ActionAskAppointmentId,
    ActionRequestReschedule,
    ActionShowAppointments,
    ActionStartReschedule,
    ValidateRescheduleForm,
)
from actions.linking import ActionLinkAccount
from actions.schools import ActionRecommendSchools, ActionStartSchoolChoice, ValidateSchoolForm
from bot.db import clients as repo
from bot.db.models import Conversation, Escalation
from bot.db.seed import seed
from bot.db.session import session_scope
from bot.i18n.locales import LOCALES
from tests.unit.test_actions import run, slot_events, tracker

NOW = datetime.now(timezone.utc)


@pytest.fixture
def seeded(db_url: str) -> str:
    with session_scope() as s:
        seed(session=s)
    return db_url


def link(conversation_id: str, client_id: int) -> None:
    with session_scope() as s:
        code = repo.create_link_code(session=s, client_id=client_id, secret="k", ttl=timedelta(hours=1), now=NOW)
    with session_scope() as s:
        assert repo.redeem_link_code(session=s, conversation_id=conversation_id, code=code, secret="k", now=NOW).status == "linked"


def as_sender(t, sender: str):  # type: ignore[no-untyped-def]
    t.sender_id = sender
    return t


@pytest.mark.parametrize("locale", LOCALES)
async def test_unlinked_person_cannot_see_appointments(seeded: str, locale: str) -> None:
    t = as_sender(tracker(intent="ask_appointment", slots={"language": locale}), "webchat:nobody")
    _, messages = await run(ActionShowAppointments(), t)
    assert [m["response"] for m in messages] == ["utter_not_linked"]


async def test_linked_person_sees_own_appointments_only(seeded: str) -> None:
    link("webchat:amal", 1)
    t = as_sender(tracker(intent="ask_appointment"), "webchat:amal")
    _, messages = await run(ActionShowAppointments(), t)
    assert messages[0]["response"] == "utter_appointments_intro" and messages[0]["first_name"] == "Amal"
    items = [m for m in messages if m["response"] == "utter_appointment_item"]
    with session_scope() as s:
        own = repo.upcoming_appointments(session=s, client_id=1, now=NOW)
        assert [m["starts_at"] for m in items] == [repo.as_utc(a.starts_at).isoformat() for a in own]


async def test_slots_and_entities_cannot_choose_another_client(seeded: str) -> None:
    link("webchat:yohannes", 2)  # client 2 has no upcoming appointments
    t = as_sender(
        tracker(
            text='/ask_appointment{"client_id": 1}',
            intent="ask_appointment",
            entities=[{"entity": "client_id", "value": 1}],
            slots={"client_id": 1, "sender_id": "webchat:amal"},
            metadata={"client_id": 1, "sender_id": "webchat:amal"},
        ),
        "webchat:yohannes",
    )
    _, messages = await run(ActionShowAppointments(), t)
    assert [m["response"] for m in messages] == ["utter_no_appointments"]
    assert messages[0]["first_name"] == "Yohannes"


@pytest.mark.parametrize(("status", "response"), [("invalid", "utter_link_invalid"), ("expired", "utter_link_expired"), ("rate_limited", "utter_link_rate_limited"), (None, "utter_link_how")])
async def test_link_outcomes(seeded: str, status: str | None, response: str) -> None:
    t = as_sender(tracker(intent="link_account", metadata={"link_status": status} if status else {}), "webchat:x")
    _, messages = await run(ActionLinkAccount(), t)
    assert [m["response"] for m in messages] == [response]


async def test_link_success_greets_by_first_name(seeded: str) -> None:
    link("webchat:freshta", 3)
    t = as_sender(tracker(intent="link_account", metadata={"link_status": "linked"}), "webchat:freshta")
    _, messages = await run(ActionLinkAccount(), t)
    assert messages == [{**messages[0], "response": "utter_link_success", "first_name": "Freshta"}]


async def test_a_forged_linked_status_without_a_link_greets_nobody(seeded: str) -> None:
    t = as_sender(tracker(intent="link_account", metadata={"link_status": "linked"}), "webchat:forger")
    _, messages = await run(ActionLinkAccount(), t)
    assert [m["response"] for m in messages] == ["utter_link_how"]


async def test_reschedule_flow_stores_a_request_not_a_change(seeded: str) -> None:
    link("webchat:amal2", 1)
    events, _ = await run(ActionStartReschedule(), as_sender(tracker(intent="change_appointment"), "webchat:amal2"))
    assert slot_events(events)["can_reschedule"] is True
    _, messages = await run(ActionAskAppointmentId(), as_sender(tracker(), "webchat:amal2"))
    choices = messages[0]["choices"]
    assert choices and messages[0]["response"] == "utter_ask_appointment_id"
    chosen = choices[0]["id"]
    validator = ValidateRescheduleForm()
    assert validator.validate_appointment_id(chosen, *_vargs("webchat:amal2")) == {"appointment_id": chosen}
    t = as_sender(tracker(slots={"appointment_id": chosen, "reschedule_reason": "mijn kind is ziek"}), "webchat:amal2")
    events, messages = await run(ActionRequestReschedule(), t)
    assert [m["response"] for m in messages] == ["utter_reschedule_requested"]
    with session_scope() as s:
        esc = s.execute(select(Escalation)).scalar_one()
        assert esc.kind == "reschedule" and esc.client_id == 1 and esc.details["reason"] == "mijn kind is ziek"
        assert esc.casemanager_id is not None


def _vargs(sender: str):  # type: ignore[no-untyped-def]
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher(), as_sender(tracker(), sender), {}


async def test_cannot_reschedule_someone_elses_appointment(seeded: str) -> None:
    link("webchat:samuel", 4)
    with session_scope() as s:
        amal_appt = repo.upcoming_appointments(session=s, client_id=1, now=NOW)[0].id
    validator = ValidateRescheduleForm()
    assert validator.validate_appointment_id(str(amal_appt), *_vargs("webchat:samuel")) == {"appointment_id": None}
    t = as_sender(tracker(slots={"appointment_id": str(amal_appt), "reschedule_reason": "x"}), "webchat:samuel")
    _, messages = await run(ActionRequestReschedule(), t)
    assert [m["response"] for m in messages] == ["utter_appointment_not_found"]


async def test_school_choice_prefills_district_when_linked(seeded: str) -> None:
    link("webchat:amal3", 1)
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


async def test_recommendations_come_with_reasons(seeded: str) -> None:
    t = tracker(slots={"school_district": "Noord", "school_time": "evening", "school_childcare": "yes", "school_women_only": "any", "school_route": "b1"})
    events, messages = await run(ActionRecommendSchools(), t)
    items = [m for m in messages if m["response"] == "utter_school_item"]
    assert len(items) == 3
    assert "term_school_reason_childcare" in items[0]["reason_keys"]
    assert messages[-1]["response"] == "utter_school_pass_on"
    assert slot_events(events)["school_choices"]


async def test_forget_me_marks_the_conversation(seeded: str) -> None:
    from actions.dialogue import ActionAnswerYesNo
    from actions.privacy import CONFIRM_FORGET

    with session_scope() as s:
        s.add(Conversation(id="webchat:bye", channel="webchat"))
    t = as_sender(tracker(intent="affirm", slots={"pending_question": CONFIRM_FORGET}), "webchat:bye")
    _, messages = await run(ActionAnswerYesNo(), t)
    assert [m["response"] for m in messages] == ["utter_forget_me_done"]
    with session_scope() as s:
        assert s.get(Conversation, "webchat:bye").erase_requested == 1

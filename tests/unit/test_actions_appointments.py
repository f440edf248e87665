"""Appointment actions (actions/appointments.py) on scenario trackers: only the person's own."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from actions.appointments import (
    ActionAskAppointmentId,
    ActionRequestReschedule,
    ActionShowAppointments,
    ActionStartReschedule,
    ValidateRescheduleForm,
)
from bot.db import clients as repo
from bot.db.models import Escalation
from bot.db.session import Database
from bot.i18n.locales import LOCALES
from harness.trackers import as_sender, link, run, slot_events, tracker

NOW = datetime.now(timezone.utc)



@pytest.mark.parametrize("locale", LOCALES)
async def test_unlinked_person_cannot_see_appointments(db: Database, seeded: None, locale: str) -> None:
    t = as_sender(tracker(intent="ask_appointment", slots={"language": locale}), "webchat:nobody")
    _, messages = await run(ActionShowAppointments(), t)
    assert [m["response"] for m in messages] == ["utter_not_linked"]


async def test_linked_person_sees_own_appointments_only(db: Database, seeded: None) -> None:
    link(db, "webchat:amal", 1)
    t = as_sender(tracker(intent="ask_appointment"), "webchat:amal")
    _, messages = await run(ActionShowAppointments(), t)
    assert messages[0]["response"] == "utter_appointments_intro" and messages[0]["first_name"] == "Amal"
    items = [m for m in messages if m["response"] == "utter_appointment_item"]
    with db.session() as s:
        own = repo.upcoming_appointments(session=s, client_id=1, now=NOW)
        assert [m["starts_at"] for m in items] == [repo.as_utc(a.starts_at).isoformat() for a in own]


async def test_slots_and_entities_cannot_choose_another_client(db: Database, seeded: None) -> None:
    link(db, "webchat:yohannes", 2)  # client 2 has no upcoming appointments
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


async def test_reschedule_flow_stores_a_request_not_a_change(db: Database, seeded: None) -> None:
    link(db, "webchat:amal2", 1)
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
    with db.session() as s:
        esc = s.execute(select(Escalation)).scalar_one()
        assert esc.kind == "reschedule" and esc.client_id == 1 and esc.details["reason"] == "mijn kind is ziek"
        assert esc.casemanager_id is not None


def _vargs(sender: str):  # type: ignore[no-untyped-def]
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher(), as_sender(tracker(), sender), {}


async def test_cannot_reschedule_someone_elses_appointment(db: Database, seeded: None) -> None:
    link(db, "webchat:samuel", 4)
    with db.session() as s:
        amal_appt = repo.upcoming_appointments(session=s, client_id=1, now=NOW)[0].id
    validator = ValidateRescheduleForm()
    assert validator.validate_appointment_id(str(amal_appt), *_vargs("webchat:samuel")) == {"appointment_id": None}
    t = as_sender(tracker(slots={"appointment_id": str(amal_appt), "reschedule_reason": "x"}), "webchat:samuel")
    _, messages = await run(ActionRequestReschedule(), t)
    assert [m["response"] for m in messages] == ["utter_appointment_not_found"]

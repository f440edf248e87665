"""The person's own appointments, and asking the casemanager to move one."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.db import db, linked_client
from bot.clock import as_utc, utcnow
from bot.db.clients import own_appointment, upcoming_appointments
from bot.db.models import Appointment
from bot.handoff.escalate import add_request


def appointment_arguments(appt: Appointment) -> dict[str, Any]:
    """What the NLG needs to show one appointment; dates are formatted per locale there."""
    return {
        "kind_key": f"term_appointment_{appt.kind}",
        "starts_at": as_utc(appt.starts_at).isoformat(),
        "duration": appt.duration_min or 60,
        "location": appt.location or "",
        "address": appt.address or "",
        "with_whom": appt.with_whom or "",
        "bring": appt.bring or "",
    }


class ActionShowAppointments(Action):
    """Next appointments of the linked client; how to link when not linked."""

    def name(self) -> str:
        return "action_show_appointments"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with db() as session:
            client = linked_client(session, tracker)
            if client is None:
                dispatcher.utter_message(response="utter_not_linked")
                return []
            appts = upcoming_appointments(
                session=session, client_id=client.id, now=utcnow()
            )
            if not appts:
                dispatcher.utter_message(response="utter_no_appointments", first_name=client.first_name)
                return []
            dispatcher.utter_message(
                response="utter_appointments_intro", first_name=client.first_name, count=len(appts)
            )
            for appt in appts:
                dispatcher.utter_message(response="utter_appointment_item", **appointment_arguments(appt))
        return []


class ActionAskAppointmentId(Action):
    """Which appointment to move: one button per upcoming appointment."""

    def name(self) -> str:
        return "action_ask_appointment_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with db() as session:
            client = linked_client(session, tracker)
            appts = (
                upcoming_appointments(session=session, client_id=client.id, now=utcnow())
                if client
                else []
            )
            choices = [
                {"id": str(a.id), **appointment_arguments(a)} for a in appts
            ]
        dispatcher.utter_message(response="utter_ask_appointment_id", choices=choices)
        return []


class ValidateRescheduleForm(FormValidationAction):
    """Only the person's own appointments can be chosen; the reason is free text."""

    def name(self) -> str:
        return "validate_reschedule_form"

    def validate_appointment_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with db() as session:
            client = linked_client(session, tracker)
            if own_appointment(session=session, client=client, appointment_id=value) is None:
                dispatcher.utter_message(response="utter_appointment_not_found")
                return {"appointment_id": None}
        return {"appointment_id": str(value)}

    def validate_reschedule_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"reschedule_reason": text[:1000] if text else None}


class ActionStartReschedule(Action):
    """Before the form: only for linked clients with upcoming appointments."""

    def name(self) -> str:
        return "action_start_reschedule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("appointment_id", None), SlotSet("reschedule_reason", None)]
        with db() as session:
            client = linked_client(session, tracker)
            if client is None:
                dispatcher.utter_message(response="utter_not_linked")
                return [*reset, SlotSet("can_reschedule", False)]
            if not upcoming_appointments(session=session, client_id=client.id, now=utcnow()):
                dispatcher.utter_message(response="utter_no_appointments", first_name=client.first_name)
                return [*reset, SlotSet("can_reschedule", False)]
        return [*reset, SlotSet("can_reschedule", True)]


class ActionRequestReschedule(Action):
    """After the form: a request to the casemanager. The bot never moves appointments."""

    def name(self) -> str:
        return "action_request_reschedule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        appt_id = tracker.get_slot("appointment_id")
        reason = tracker.get_slot("reschedule_reason") or ""
        with db() as session:
            client = linked_client(session, tracker)
            appt = own_appointment(session=session, client=client, appointment_id=appt_id)
            if appt is None:
                dispatcher.utter_message(response="utter_appointment_not_found")
                return [SlotSet("appointment_id", None), SlotSet("reschedule_reason", None)]
            add_request(
                session=session,
                conversation_id=tracker.sender_id,
                client=client,
                kind="reschedule",
                details={"appointment_id": appt.id, "reason": reason,
                         "starts_at": as_utc(appt.starts_at).isoformat()},
                locale=tracker.get_slot("language"),
                now=utcnow(),
            )
            args = appointment_arguments(appt)
        dispatcher.utter_message(response="utter_reschedule_requested", **args)
        return [SlotSet("appointment_id", None), SlotSet("reschedule_reason", None)]

"""When the bot does not understand, and the yes/no answers that follow its questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over
from actions.privacy import CONFIRM_FORGET, request_erasure
from bot.handoff.rules import NOT_UNDERSTOOD

OFFER_CASEMANAGER = "offer_casemanager"


class ActionHandleFallback(Action):
    """Two steps: first ask to rephrase (topic buttons), then offer the casemanager."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        count = tracker.get_slot("fallback_count") or 0
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if count >= 2:
            dispatcher.utter_message(response="utter_offer_casemanager")
            return [SlotSet("pending_question", OFFER_CASEMANAGER)]
        if intent == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []


class ActionAnswerYesNo(Action):
    """"Yes"/"no" mean something only after a question; otherwise acknowledge."""

    def name(self) -> str:
        return "action_answer_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        pending = tracker.get_slot("pending_question")
        events: list[dict[str, Any]] = [SlotSet("pending_question", None)] if pending else []
        if pending == CONFIRM_FORGET and intent == "affirm":
            if request_erasure(tracker.sender_id):
                dispatcher.utter_message(response="utter_forget_me_done")
            else:
                dispatcher.utter_message(response="app_error")
        elif pending == CONFIRM_FORGET:
            dispatcher.utter_message(response="utter_forget_me_cancelled")
        elif pending == OFFER_CASEMANAGER and intent == "affirm":
            # The bot failed twice and the person wants a person.
            return [*events, *hand_over(dispatcher, tracker, NOT_UNDERSTOOD)]
        elif pending == OFFER_CASEMANAGER:
            dispatcher.utter_message(response="utter_help")
            events.append(SlotSet("fallback_count", 0))
        else:
            dispatcher.utter_message(response="utter_ack")
        return events

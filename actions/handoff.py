"""Handing the conversation to a person: the client's own casemanager, or the team."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.db import db
from bot.clock import utcnow
from bot.handoff.escalate import HandoffLimit, open_handoff
from bot.handoff.rules import ASKED, URGENT, handoff_response, office_status
from bot.privacy import log_id
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def hand_over(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[dict[str, Any]]:
    """Open the escalation, say who answers and when, and pause the bot."""
    now = utcnow()
    channel = (((tracker.latest_message or {}).get("metadata")) or {}).get("channel")
    try:
        with db() as session:
            esc, assignment = open_handoff(
                session=session,
                conversation_id=tracker.sender_id,
                channel=channel if isinstance(channel, str) else None,
                locale=tracker.get_slot("language"),
                reason=reason,
                urgent=reason == URGENT,
                now=now,
                unlinked_per_hour=get_settings().limit_handoffs_per_unlinked_conversation,
            )
            escalation_id = esc.id
    except HandoffLimit:
        # Not one more for the team queue this hour (each tells every team lead): the
        # phone route instead.
        logger.warning("handoff limit of an unlinked conversation reached: %s", tracker.sender_id)
        dispatcher.utter_message(response="utter_casemanager_contact")
        return [SlotSet("fallback_count", 0)]
    except Exception:  # noqa: BLE001 - never a wall: give the phone route instead
        logger.exception("could not open a handoff for %s", log_id(tracker.sender_id))
        dispatcher.utter_message(response="utter_casemanager_contact")
        return [SlotSet("fallback_count", 0)]
    key, arguments = handoff_response(assignment, office_status(assignment.office_hours, now))
    dispatcher.utter_message(response=key, **arguments)
    logger.info("handoff %s opened for %s (%s)", escalation_id, log_id(tracker.sender_id), reason)
    return [SlotSet("fallback_count", 0), SlotSet("pending_question", None), ConversationPaused()]


class ActionHandoff(Action):
    """The person asked for their casemanager, or needs urgent help."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        return hand_over(dispatcher, tracker, URGENT if intent == "urgent_help" else ASKED)

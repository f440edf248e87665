"""Erasing a person's data on request (forget_me): explain, confirm, erase.

The erasure itself happens in the app right after this turn (it can delete Rasa's tracker
only once Rasa has finished writing it): this action records the request
(``bot.db.erasure``), which the app's housekeeping job carries out if that turn fails.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.db import db
from bot.db.erasure import request_erasure as record_request

CONFIRM_FORGET = "forget_me"


class ActionAskForgetMe(Action):
    """Says what will be erased and asks for a yes or no."""

    def name(self) -> str:
        return "action_ask_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_forget_me_confirm")
        return [SlotSet("pending_question", CONFIRM_FORGET)]


def request_erasure(conversation_id: str) -> bool:
    with db() as session:
        return record_request(session=session, conversation_id=conversation_id) > 0

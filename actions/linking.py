"""Linking a chat to a client with the casemanager's one-time code.

The app redeems the code before Rasa sees the message (so the code never reaches the
tracker) and passes only the outcome in the message metadata (``link_status``).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_user_event
from actions.db import db, linked_client

_RESPONSES = {
    "invalid": "utter_link_invalid",
    "expired": "utter_link_expired",
    "rate_limited": "utter_link_rate_limited",
}


class ActionLinkAccount(Action):
    """Tells the outcome of a code; without one, explains how linking works."""

    def name(self) -> str:
        return "action_link_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        status = ((latest_user_event(tracker) or {}).get("metadata") or {}).get("link_status")
        with db() as session:
            client = linked_client(session, tracker)
            first_name = client.first_name if client else None
        if status == "linked" and first_name:
            dispatcher.utter_message(response="utter_link_success", first_name=first_name)
        elif status in _RESPONSES:
            dispatcher.utter_message(response=_RESPONSES[status])
        elif first_name:
            dispatcher.utter_message(response="utter_link_already", first_name=first_name)
        else:
            dispatcher.utter_message(response="utter_link_how")
        return []

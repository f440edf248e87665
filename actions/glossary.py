"""What does a Dutch word on a letter mean? (intent ``explain_term``)

The word comes from the entity ``term`` (``nlu.components.GlossaryTermExtractor``); when the
message carries none (a button payload, an older model) the action looks in the text itself.
Each word is answered with its explanation, ``utter_term/<key>`` (content/responses.yml,
translated in the catalogs; the Dutch word stays in brackets), or, for a word that is a topic
of its own (zorgtoeslag, eigen risico), with that topic's answer; at most two words per message,
so a long letter pasted in does not become ten answers. With no known word the person is
asked which word, and offered their casemanager, who can explain the letter itself.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from nlu.glossary import GlossaryMatcher

TERM = "term"
MAX_WORDS = 2
_matcher = GlossaryMatcher()


def asked_terms(latest: dict[str, Any], matcher: GlossaryMatcher | None = None) -> list[str]:
    """The glossary keys of the latest message, in order, each once."""
    keys: list[str] = []
    for entity in latest.get("entities") or []:
        if entity.get("entity") == TERM and entity.get("value") and entity["value"] not in keys:
            keys.append(str(entity["value"]))
    if not keys:
        keys = [hit.key for hit in (matcher or _matcher).find(latest.get("text") or "")]
    known = set((matcher or _matcher).glossary().keys)
    return [k for k in keys if k in known][:MAX_WORDS]


class ActionExplainTerm(Action):
    """Explains the Dutch words of a letter that the person asks about."""

    def name(self) -> str:
        return "action_explain_term"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        keys = asked_terms(tracker.latest_message or {})
        if not keys:
            dispatcher.utter_message(response="utter_explain_term_ask")
        glossary = _matcher.glossary()
        for key in keys:
            dispatcher.utter_message(response=glossary.answer(key))
        return []

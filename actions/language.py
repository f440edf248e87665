"""The conversation's locale: chosen by button or request, guessed, or switched when the
person clearly writes in another of the five languages."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import metadata_locale
from bot.i18n.locales import to_locale
from nlu.langid import Prediction, is_clear_switch, language_script, scripts_of

# Messages that say nothing about how the person writes: no switch on them. A question
# about a Dutch word is often typed in Dutch, copied from the letter ("wat is een
# aanmaning"): the conversation keeps its language.
_NO_SWITCH_INTENTS = {"start", "set_language", "nlu_fallback", "explain_term"}
# Intents whose failures count towards the two-step fallback.
_FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}


def requested_locale(tracker: Tracker) -> str | None:
    """The locale asked for in this message (language button or "can we speak Dari?")."""
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") != "set_language":
        return None
    for entity in latest.get("entities") or []:
        if entity.get("entity") == "language":
            loc = to_locale(entity.get("value"))
            if loc:
                return loc
    return None


class ValidateSlotMappings(Action):
    """Runs after every user message (Rasa's slot extraction hook): keeps ``language``,
    ``fallback_count`` and ``pending_question`` up to date."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        if intent == "session_start":
            # The app starting a new Rasa session (bot.channels.gateway): nothing the
            # person said, so nothing changes.
            return []
        current = tracker.get_slot("language")
        events: list[dict[str, Any]] = []

        locale = requested_locale(tracker)
        if locale is None and current is None and intent == "start":
            # First contact: the welcome is written in the client's hint (the browser's
            # or Telegram's language: the NLG endpoint reads it from the metadata), but
            # that is only a guess; the person's first message decides.
            pass
        elif locale is None and current is None:
            hint = metadata_locale(tracker) or earlier_hint(tracker)
            locale = first_locale(_detected(latest), hint)
            if locale and hint and locale != hint and intent != "urgent_help":
                # The welcome was in the guessed language: say once that the answer is
                # in the person's, with the way back.
                dispatcher.utter_message(
                    response="utter_language_switched", locale=locale, previous=hint
                )
        elif locale is None and intent not in _NO_SWITCH_INTENTS:
            pred = _detected(latest)
            if is_clear_switch(pred, current):
                locale = pred.locale
                # Emergency numbers come first, in the person's language: no notice then.
                if intent != "urgent_help":
                    dispatcher.utter_message(
                        response="utter_language_switched", locale=locale, previous=current
                    )
        if locale and locale != current:
            events.append(SlotSet("language", locale))

        count = tracker.get_slot("fallback_count") or 0
        new_count = count + 1 if intent in _FALLBACK_INTENTS else 0
        if new_count != count:
            events.append(SlotSet("fallback_count", new_count))
        if intent not in ("affirm", "deny") and tracker.get_slot("pending_question"):
            events.append(SlotSet("pending_question", None))
        return events


def earlier_hint(tracker: Tracker) -> str | None:
    """The hint an earlier message of the conversation came with (the welcome's), for a
    client that sends it only once."""
    for event in reversed(tracker.events):
        meta = (event.get("metadata") or {}) if event.get("event") == "user" else {}
        locale = to_locale(meta.get("language") or meta.get("locale"))
        if locale:
            return locale
    return None


def first_locale(pred: Prediction, hint: str | None) -> str | None:
    """The locale of a conversation's first message: the client's hint, unless the
    message is written in a script the hinted locale never uses ("مرحبا" or "ሰላም" from a
    browser set to English or Dutch): then the language it is written in, at once."""
    if pred.locale and hint and pred.locale != hint and pred.words >= 1 and (
        pred.script in ("arabic", "ethiopic") and pred.script not in scripts_of(hint)
    ):
        return pred.locale
    # Latin letters are shared ("ok", "hallo", Arabic typed in Latin): the usual rule.
    if is_clear_switch(pred, hint):
        return pred.locale
    return hint or pred.locale


def _detected(latest: dict[str, Any]) -> Prediction:
    locale = latest.get("language")
    text = latest.get("text") or ""
    words = len([w for w in text.split() if any(ch.isalpha() for ch in w)])
    script = language_script(text) if locale else None
    return Prediction(locale, float(latest.get("language_confidence") or 0.0), script, words)


class ActionSetLanguage(Action):
    """Answers "can we speak …?": confirms in the new language, or offers the choice."""

    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if requested_locale(tracker):
            dispatcher.utter_message(response="utter_language_set")
        else:
            dispatcher.utter_message(response="utter_choose_language")
        return []

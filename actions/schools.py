"""Choosing a language school: a short form, then the best three with their reasons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.db import db, linked_client
from bot.clock import utcnow
from bot.db.schools import DISTRICTS, Preferences, rank_schools, school_names
from bot.handoff.escalate import add_request
from nlu.text import normalize

ANY = "any"
SLOTS = ("school_district", "school_time", "school_childcare", "school_women_only", "school_route")

# Words people use, in the five languages, normalised with nlu.text.normalize.
_DISTRICT_WORDS = {
    "Centrum": ["centrum", "center", "centre", "city centre", "سنتروم", "المركز", "مركز", "مرکز", "ሴንትሩም", "ማእከል"],
    "Noord": ["noord", "north", "نورد", "الشمال", "شمال", "ኖርድ", "ሰሜን"],
    "West": ["west", "ويست", "الغرب", "غرب", "وست", "ዌስት", "ምዕራብ"],
    "Nieuw-West": ["nieuw-west", "nieuw west", "nieuwwest", "new west", "نيو ويست", "نیو وست", "ኒዩ ዌስት", "ኒው ዌስት"],
    "Zuid": ["zuid", "south", "زاود", "الجنوب", "جنوب", "زاوت", "ዛውድ", "ደቡብ"],
    "Oost": ["oost", "east", "اوست", "الشرق", "شرق", "ኦስት", "ምብራቕ"],
    "Zuidoost": ["zuidoost", "south east", "southeast", "bijlmer", "زاوداوست", "بيلمر", "بیلمر", "ዛውድኦስት", "ቢልመር"],
    "Weesp": ["weesp", "ويسب", "ویسپ", "ዌስፕ"],
}
_TIME_WORDS = {
    "daytime": ["daytime", "day", "morning", "overdag", "dag", "ochtend", "نهار", "الصبح", "صباح", "روز", "صبح", "ቀትሪ", "ንግሆ", "መዓልቲ"],
    "evening": ["evening", "night", "avond", "savonds", "مسا", "مساء", "المسا", "بالليل", "شب", "شام", "ምሸት", "ምሸት ምሸት"],
    "weekend": ["weekend", "saturday", "sunday", "zaterdag", "zondag", "ويكند", "السبت", "آخر الاسبوع", "اخر الاسبوع", "آخر هفته", "اخر هفته", "شنبه", "ቀዳም", "ሰንበት", "ቀዳመ ሰንበት"],
}
_ROUTE_WORDS = {
    "b1": ["b1", "b1-route", "b1 route", "بي 1", "بی 1", "ቢ1"],
    "onderwijs": ["onderwijs", "onderwijsroute", "study", "university", "education", "دراسة", "جامعة", "تحصیل", "دانشگاه", "ትምህርቲ", "ዩኒቨርሲቲ"],
    "z": ["z-route", "z route", "zroute", "slow", "langzaam", "زد", "ዜድ"],
}
_SKIP_WORDS = [
    "skip", "any", "doesnt matter", "doesn't matter", "dont know", "don't know", "no preference",
    "maakt niet uit", "weet ik niet", "overslaan", "geen voorkeur",
    "مش مهم", "ما بعرف", "لا يهم", "ما بفرق", "فرق نمیکنه", "نمیدانم", "نمیفامم", "مهم نیست",
    "ግድ የብለይን", "ኣይፈልጥን", "ዝኾነ",
]


def _match(text: str, table: dict[str, list[str]], locale: str | None) -> str | None:
    norm = normalize(text, locale)
    padded = f" {norm} "
    best = None
    for value, words in table.items():
        for w in words:
            for form in {normalize(w, locale), normalize(w, "ar"), normalize(w, "fa_AF")}:
                if form and (f" {form} " in padded or (len(form) > 3 and form in norm)):
                    if best is None or len(form) > best[1]:
                        best = (value, len(form))
    return best[0] if best else None


def is_skip(tracker: Tracker) -> bool:
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") == "skip":
        return True
    text = normalize(latest.get("text") or "", tracker.get_slot("language"))
    return any(normalize(w, tracker.get_slot("language")) in f" {text} " for w in _SKIP_WORDS)


def yes_no(tracker: Tracker) -> bool | None:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return {"affirm": True, "deny": False}.get(intent)


class ValidateSchoolForm(FormValidationAction):
    """Reads each answer from a button or from free text, in any of the five languages."""

    def name(self) -> str:
        return "validate_school_form"

    @staticmethod
    def _extract(tracker: Tracker, slot: str, read) -> dict:  # type: ignore[no-untyped-def]
        """The answer to ``slot`` if it is the question asked: skip, or what ``read`` finds."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        if is_skip(tracker):
            return {slot: ANY}
        value = read(tracker)
        return {} if value is None else {slot: value}

    async def extract_school_district(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:  # type: ignore[no-untyped-def]
        return self._extract(tracker, "school_district", lambda t: _match_text(t, _DISTRICT_WORDS))

    async def extract_school_time(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:  # type: ignore[no-untyped-def]
        return self._extract(tracker, "school_time", lambda t: _match_text(t, _TIME_WORDS))

    async def extract_school_childcare(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:  # type: ignore[no-untyped-def]
        return self._extract(tracker, "school_childcare", _yes_no_value)

    async def extract_school_women_only(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:  # type: ignore[no-untyped-def]
        return self._extract(tracker, "school_women_only", _yes_no_value)

    async def extract_school_route(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict:  # type: ignore[no-untyped-def]
        return self._extract(tracker, "school_route", lambda t: _match_text(t, _ROUTE_WORDS))


def _match_text(tracker: Tracker, table: dict[str, list[str]]) -> str | None:
    return _match((tracker.latest_message or {}).get("text") or "", table, tracker.get_slot("language"))


def _yes_no_value(tracker: Tracker) -> str | None:
    answer = yes_no(tracker)
    return None if answer is None else ("yes" if answer else "no")


class ActionStartSchoolChoice(Action):
    """Clears earlier answers; fills the district from the client record when linked."""

    def name(self) -> str:
        return "action_start_school_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = [SlotSet(slot, None) for slot in SLOTS]
        with db() as session:
            client = linked_client(session, tracker)
            if client and client.district in DISTRICTS:
                events.append(SlotSet("school_district", client.district))
                if not client.children:
                    events.append(SlotSet("school_childcare", "no"))
        dispatcher.utter_message(response="utter_school_intro")
        return events


def preferences(tracker: Tracker) -> Preferences:
    def val(slot: str) -> str | None:
        v = tracker.get_slot(slot)
        return None if v in (None, ANY) else v

    return Preferences(
        district=val("school_district"),
        time_of_day=val("school_time"),
        childcare=val("school_childcare") == "yes",
        women_only=val("school_women_only") == "yes",
        route=val("school_route"),
    )


class ActionRecommendSchools(Action):
    """The best three schools, each with why it fits, and a button to the casemanager."""

    def name(self) -> str:
        return "action_recommend_schools"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        prefs = preferences(tracker)
        with db() as session:
            matches = rank_schools(session=session, prefs=prefs)
            if not matches:
                dispatcher.utter_message(response="utter_no_school_found")
                return []
            dispatcher.utter_message(response="utter_schools_intro", count=len(matches))
            for m in matches:
                dispatcher.utter_message(
                    response="utter_school_item",
                    name=m.school.name,
                    address=m.school.address,
                    district=m.school.district,
                    minutes=m.minutes,
                    from_district=prefs.district or "",
                    waiting_weeks=m.school.waiting_weeks or 0,
                    reason_keys=[f"term_school_reason_{r}" for r in m.reasons],
                )
            ids = ",".join(str(m.school.id) for m in matches)
        dispatcher.utter_message(response="utter_school_pass_on")
        return [SlotSet("school_choices", ids)]


class ActionPassSchoolChoice(Action):
    """Sends the proposed schools and the answers to the casemanager."""

    def name(self) -> str:
        return "action_pass_school_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ids = [int(i) for i in (tracker.get_slot("school_choices") or "").split(",") if i.isdigit()]
        if not ids:
            dispatcher.utter_message(response="utter_school_nothing_to_pass")
            return []
        with db() as session:
            client = linked_client(session, tracker)
            names = school_names(session=session, school_ids=ids)
            add_request(
                session=session,
                conversation_id=tracker.sender_id,
                client=client,
                kind="school_choice",
                details={"schools": names, "preferences": {s: tracker.get_slot(s) for s in SLOTS}},
                locale=tracker.get_slot("language"),
                now=utcnow(),
            )
        dispatcher.utter_message(
            response="utter_school_passed" if client else "utter_school_passed_unlinked"
        )
        return [SlotSet("school_choices", None)]

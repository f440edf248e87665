"""The conversation's locale (actions/language.py) on scenario trackers, in every locale."""

from __future__ import annotations

import pytest

from actions.language import ActionSetLanguage, ValidateSlotMappings
from bot.i18n.locales import LOCALES
from harness.trackers import run, slot_events, tracker

SAMPLE = {
    "ar": "بدي اعرف عن الزورخ توسلاخ",
    "ti": "ዞርኽቱስላኽ ክረክብ እኽእል ዶ",
    "fa_AF": "میخایم در باره زورخ توسلاخ بفامم",
    "en": "can i get healthcare allowance please",
    "nl": "kan ik zorgtoeslag krijgen alsjeblieft",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_language_button_sets_the_slot(locale: str) -> None:
    t = tracker(
        text=f'/set_language{{"language": "{locale}"}}',
        intent="set_language",
        entities=[{"entity": "language", "value": locale}],
        slots={"language": "nl" if locale != "nl" else "en"},
    )
    events, messages = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == locale
    assert messages == []  # no switch notice for a choice the person made


@pytest.mark.parametrize("locale", LOCALES)
async def test_clear_writing_in_another_locale_switches_once_with_notice(locale: str) -> None:
    previous = "nl" if locale != "nl" else "ar"
    t = tracker(text=SAMPLE[locale], intent="benefits", language=locale, slots={"language": previous})
    events, messages = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == locale
    assert [m["response"] for m in messages] == ["utter_language_switched"]
    assert messages[0]["locale"] == locale and messages[0]["previous"] == previous


@pytest.mark.parametrize("locale", LOCALES)
async def test_same_locale_does_not_repeat_the_notice(locale: str) -> None:
    t = tracker(text=SAMPLE[locale], intent="benefits", language=locale, slots={"language": locale})
    events, messages = await run(ValidateSlotMappings(), t)
    assert "language" not in slot_events(events)
    assert messages == []


async def test_urgent_help_switches_silently_so_the_numbers_come_first() -> None:
    t = tracker(text="ساعدوني زوجي عم يضربني", intent="urgent_help", language="ar", slots={"language": "nl"})
    events, messages = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == "ar"
    assert messages == []


async def test_one_word_in_another_language_does_not_switch() -> None:
    t = tracker(text="zorgtoeslag", intent="benefits", language="nl", slots={"language": "ar"})
    events, messages = await run(ValidateSlotMappings(), t)
    assert "language" not in slot_events(events) and messages == []


@pytest.mark.parametrize(("hint", "locale"), [("fa-AF", "fa_AF"), ("ti-ER", "ti"), ("ar-SY", "ar"), ("nl-NL", "nl"), ("en-GB", "en")])
async def test_first_message_takes_the_client_hint(hint: str, locale: str) -> None:
    # The welcome (/start) only uses the hint; the person's first message sets the locale.
    start = tracker(text="/start", intent="start", metadata={"language": hint})
    events, _ = await run(ValidateSlotMappings(), start)
    assert "language" not in slot_events(events)
    t = tracker(text="ok", intent="affirm", language="en", metadata={"language": hint})
    events, _ = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == locale


async def test_the_welcomes_hint_counts_when_the_first_message_has_none() -> None:
    t = tracker(text="ABC-DEF-123", intent="link_account", language="en")
    t.events.insert(0, {"event": "user", "text": "/start", "metadata": {"language": "nl-NL"}})
    events, messages = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == "nl" and messages == []


@pytest.mark.parametrize(("text", "detected", "hint"), [
    ("مرحبا", "ar", "en-US"), ("سلام", "fa_AF", "nl-NL"), ("ሰላም", "ti", "en"), ("مرحبا", "ar", "ti"),
])
async def test_a_first_message_in_another_script_than_the_hint_is_answered_in_its_language(
    text: str, detected: str, hint: str
) -> None:
    t = tracker(text=text, intent="greet", language=detected, metadata={"language": hint})
    events, messages = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == detected
    # Said once, with the way back to the guessed language.
    assert [m["response"] for m in messages] == ["utter_language_switched"]


@pytest.mark.parametrize(("text", "detected", "hint", "expected"), [
    ("hallo", "nl", "en", "en"),  # same script, one word: the hint stands
    ("ok", "en", "ti", "ti"),  # one Latin word from a Tigrinya browser: the hint stands
    ("salam", "fa_AF", "ar", "ar"),  # Latin letters are how Arabic is often typed too
    ("سلام", "fa_AF", "ar", "ar"),  # Arabic or Dari, one shared word: the hint stands
])
async def test_a_first_message_in_the_hints_script_keeps_the_hint(
    text: str, detected: str, hint: str, expected: str
) -> None:
    t = tracker(text=text, intent="greet", language=detected, metadata={"language": hint})
    events, _ = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == expected


async def test_first_message_without_hint_uses_detected_language() -> None:
    t = tracker(text=SAMPLE["ti"], intent="benefits", language="ti")
    events, messages = await run(ValidateSlotMappings(), t)
    assert slot_events(events)["language"] == "ti" and messages == []


async def test_language_named_in_another_intent_is_not_a_switch() -> None:
    t = tracker(
        text="i want to learn dutch",
        intent="choose_language_school",
        language="en",
        entities=[{"entity": "language", "value": "nl"}],
        slots={"language": "en"},
    )
    events, _ = await run(ValidateSlotMappings(), t)
    assert "language" not in slot_events(events)


async def test_fallback_counter_counts_and_resets() -> None:
    events, _ = await run(ValidateSlotMappings(), tracker(intent="nlu_fallback", slots={"language": "en", "fallback_count": 1}))
    assert slot_events(events)["fallback_count"] == 2
    events, _ = await run(ValidateSlotMappings(), tracker(intent="greet", slots={"language": "en", "fallback_count": 2}))
    assert slot_events(events)["fallback_count"] == 0


async def test_set_language_without_a_language_offers_the_choice() -> None:
    _, messages = await run(ActionSetLanguage(), tracker(intent="set_language", text="other language"))
    assert [m["response"] for m in messages] == ["utter_choose_language"]


async def test_set_language_with_a_language_confirms() -> None:
    t = tracker(intent="set_language", entities=[{"entity": "language", "value": "ti"}])
    _, messages = await run(ActionSetLanguage(), t)
    assert [m["response"] for m in messages] == ["utter_language_set"]


async def test_a_new_session_changes_no_slot() -> None:
    from actions.dialogue import OFFER_CASEMANAGER as pending

    t = tracker(intent="session_start", text="/session_start",
                slots={"language": "ti", "fallback_count": 1, "pending_question": pending})
    events, messages = await run(ValidateSlotMappings(), t)
    assert events == [] and messages == []

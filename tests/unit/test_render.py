"""Rendering answers from the catalogs: every locale, fallback, RTL, placeholders, reload."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource, load_responses
from bot.i18n.locales import LOCALES
from bot.i18n.render import LRI, PDI, RLM, Renderer, fill, isolate_ltr
from harness.po_files import edit_po

ROOT = Path(__file__).resolve().parents[2]


def make_renderer(content: Path, locales: Path) -> Renderer:
    return Renderer(ContentSource(content), Catalogs(locales))


@pytest.fixture
def renderer() -> Renderer:
    return make_renderer(ROOT / "content" / "responses.yml", ROOT / "locales")


def domain_responses() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return sorted(domain["responses"])


def retrieval_keys() -> list[str]:
    keys = set()
    for path in (ROOT / "nlu").glob("*/*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "/" in block["intent"]:
                keys.add("utter_" + block["intent"])
    return sorted(keys)


@pytest.mark.parametrize("key", domain_responses() + retrieval_keys())
def test_every_response_has_english_source(key: str) -> None:
    assert key in load_responses(ROOT / "content" / "responses.yml")


SAMPLE_ARGUMENTS = {
    "previous": "nl",
    "first_name": "Amal",
    "count": 2,
    "kind_key": "term_appointment_intake",
    "starts_at": "2026-11-24T09:00:00+00:00",
    "until_at": "2026-11-24T16:00:00+00:00",
    "next_at": "2026-11-25T07:30:00+00:00",
    "duration": 60,
    "location": "Stadsloket",
    "address": "Osdorpplein 1000",
    "with_whom": "Leila",
    "bring": "paspoort",
    "name": "Taalschool",
    "minutes": 10,
    "waiting_weeks": 2,
    "reason_keys": ["term_school_reason_evening", "term_school_reason_childcare"],
    "choices": [],
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", domain_responses() + retrieval_keys())
def test_every_response_is_translated(renderer: Renderer, locale: str, key: str) -> None:
    rendered = renderer.render(key, locale, SAMPLE_ARGUMENTS)
    assert not rendered.fallback, f"{key} has no {locale} translation"
    assert rendered.text.strip()
    assert "{" not in re.sub(r"\{[^}]*\"", "", rendered.text), rendered.text
    if locale != "en":
        english = renderer.render(key, "en", SAMPLE_ARGUMENTS)
        assert rendered.text != english.text


@pytest.mark.parametrize("locale", LOCALES)
def test_buttons_are_translated_and_keep_payloads(renderer: Renderer, locale: str) -> None:
    rendered = renderer.render("utter_help", locale)
    english = renderer.render("utter_help", "en")
    assert [b["payload"] for b in rendered.buttons] == [b["payload"] for b in english.buttons]
    if locale != "en":
        assert [b["title"] for b in rendered.buttons] != [b["title"] for b in english.buttons]


def test_language_buttons_show_own_names_in_every_locale(renderer: Renderer) -> None:
    for locale in LOCALES:
        titles = [b["title"] for b in renderer.render("utter_welcome", locale).buttons]
        assert titles == ["العربية", "ትግርኛ", "دری", "English", "Nederlands"]


@pytest.mark.parametrize("locale", ["ar", "fa_AF"])
def test_rtl_locales_mark_direction_and_isolate_latin(renderer: Renderer, locale: str) -> None:
    rendered = renderer.render("utter_benefits/zorgtoeslag", locale)
    assert rendered.direction == "rtl"
    assert all(line.startswith(RLM) for line in rendered.text.split("\n") if line.strip())
    assert f"{LRI}zorgtoeslag{PDI}" in rendered.text


@pytest.mark.parametrize("locale", ["ti", "en", "nl"])
def test_ltr_locales_have_no_bidi_marks(renderer: Renderer, locale: str) -> None:
    rendered = renderer.render("utter_benefits/zorgtoeslag", locale)
    assert rendered.direction == "ltr"
    assert not {RLM, LRI, PDI} & set(rendered.text)


def test_isolate_ltr_keeps_phone_numbers_and_urls_whole() -> None:
    text = isolate_ltr("اتصل 0800-0113 او https://www.113.nl")
    assert f"{LRI}0800-0113{PDI}" in text
    assert f"{LRI}https://www.113.nl{PDI}" in text


def test_urgent_help_keeps_every_number_in_every_locale(renderer: Renderer) -> None:
    for locale in LOCALES:
        text = renderer.render("utter_urgent_help", locale).text
        for number in ("112", "0800-0113", "0800-2000", "14 020"):
            assert number in text, (locale, number)


def test_switch_notice_offers_the_way_back(renderer: Renderer) -> None:
    rendered = renderer.render("utter_language_switched", "ti", {"previous": "ar"})
    assert rendered.buttons == [
        {"title": "↩ العربية", "payload": '/set_language{"language": "ar"}'}
    ]


def test_fill_leaves_json_and_unknown_placeholders() -> None:
    assert fill('/x{"a": "{v}"} {w}', {"v": 1}) == '/x{"a": "1"} {w}'


def test_unknown_retrieval_key_gets_the_topic_fallback(renderer: Renderer) -> None:
    assert renderer.render("utter_benefits/new_topic", "nl").key == "utter_benefits/unknown"


def test_unknown_response_gets_the_error_message(renderer: Renderer) -> None:
    assert renderer.render("utter_does_not_exist", "ar").key == "app_error"


def test_missing_translation_falls_back_to_english_and_is_counted(content_copy) -> None:
    content, locales = content_copy
    r = make_renderer(content, locales)
    edit_po(locales / "ti" / "LC_MESSAGES" / "wegwijs.po", "utter_goodbye", "")
    rendered = r.render("utter_goodbye", "ti")
    assert rendered.fallback
    assert rendered.text == r.render("utter_goodbye", "en").text
    assert r.catalogs.fallback_summary()["ti"] == 1


def test_fuzzy_translation_counts_as_missing(content_copy) -> None:
    content, locales = content_copy
    r = make_renderer(content, locales)
    edit_po(locales / "nl" / "LC_MESSAGES" / "wegwijs.po", "utter_thank", None, fuzzy=True)
    assert r.render("utter_thank", "nl").fallback


def test_english_missing_too_falls_back_to_dutch(content_copy) -> None:
    content, locales = content_copy
    r = make_renderer(content, locales)
    edit_po(locales / "ar" / "LC_MESSAGES" / "wegwijs.po", "utter_thank", "")
    # English is the source language and is never missing in the real catalogs; make it
    # so here to see the second step of the chain.
    r.catalogs.lookup = _lookup_without_english(r.catalogs.lookup)  # type: ignore[method-assign]
    rendered = r.render("utter_thank", "ar")
    assert rendered.text == r.render("utter_thank", "nl").text
    assert rendered.direction == "ltr"


def _lookup_without_english(original):  # type: ignore[no-untyped-def]
    def lookup(locale: str, context: str, source: str) -> str | None:
        return None if locale == "en" else original(locale, context, source)

    return lookup


def test_edited_catalog_changes_the_answer_without_restart(content_copy) -> None:
    content, locales = content_copy
    r = make_renderer(content, locales)
    assert "Tot ziens" in r.render("utter_goodbye", "nl").text
    edit_po(locales / "nl" / "LC_MESSAGES" / "wegwijs.po", "utter_goodbye", "Dag! Tot snel.")
    assert r.render("utter_goodbye", "nl").text == "Dag! Tot snel."


@pytest.mark.parametrize(
    ("locale", "weekday"),
    [("ar", "الثلاثاء"), ("ti", "ሰሉስ"), ("fa_AF", "سه\u200cشنبه"), ("en", "Tuesday"), ("nl", "dinsdag")],
)
def test_appointment_dates_are_written_the_locale_way(renderer: Renderer, locale: str, weekday: str) -> None:
    # 09:00 UTC on 24 November 2026 is 10:00 in Amsterdam.
    text = renderer.render("utter_appointment_item", locale, SAMPLE_ARGUMENTS).text
    assert weekday in text and "10:00" in text and "24" in text


def test_appointment_kind_and_school_reasons_are_translated(renderer: Renderer) -> None:
    text = renderer.render("utter_appointment_item", "nl", SAMPLE_ARGUMENTS).text
    assert text.startswith("Intakegesprek")
    school = renderer.render("utter_school_item", "nl", SAMPLE_ARGUMENTS).text
    assert "avondlessen en kinderopvang" in school


def test_choices_become_buttons_with_their_own_payloads(renderer: Renderer) -> None:
    choice = {k: v for k, v in SAMPLE_ARGUMENTS.items() if k != "choices"}
    args = {"choices": [{**choice, "id": "7"}, {**choice, "id": "9", "kind_key": "term_appointment_assessment"}]}
    buttons = renderer.render("utter_ask_appointment_id", "ti", args).buttons
    assert [b["payload"] for b in buttons] == [
        '/change_appointment{"appointment_id": "7"}',
        '/change_appointment{"appointment_id": "9"}',
    ]
    assert buttons[0]["title"].startswith("ቀዳማይ ርክብ")


@pytest.mark.parametrize(("locale", "expected"), [("nl", "17:00"), ("en", "5:00\u202fPM"), ("ar", "5:00 م"), ("ti", "5:00 ድ.ቀ."), ("fa_AF", "17:00")])
def test_any_timestamp_argument_is_written_the_locales_way(renderer: Renderer, locale: str, expected: str) -> None:
    text = renderer.render(
        "utter_handoff_own_open", locale, {"name": "Sanne", "until_at": "2026-11-24T16:00:00+00:00"}
    ).text
    visible = re.sub("[\u2066-\u2069\u200e\u200f]", "", text)  # without the bidi marks
    assert expected in visible and "{until_time}" not in text


# Monday 23 November 2026, 06:00 in Amsterdam (05:00 UTC): office hours start at 08:30.
MONDAY_MORNING = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)
TODAY = {"ar": "اليوم", "ti": "ሎሚ", "fa_AF": "امروز", "en": "today", "nl": "vandaag"}
TOMORROW = {"ar": "غداً", "ti": "ጽባሕ", "fa_AF": "فردا", "en": "tomorrow", "nl": "morgen"}
MONDAY = {"ar": "الاثنين", "ti": "ሰኑይ", "fa_AF": "دوشنبه", "en": "Monday", "nl": "maandag"}


def visible(text: str) -> str:
    return re.sub("[\u2066-\u2069\u200e\u200f]", "", text)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_handoff_says_today_and_tomorrow_by_name(locale: str) -> None:
    clocked = Renderer(ContentSource(ROOT / "content" / "responses.yml"), Catalogs(ROOT / "locales"),
                       clock=lambda: MONDAY_MORNING)
    for key in ("utter_handoff_own_closed", "utter_handoff_team_closed"):
        today = visible(clocked.render(key, locale, {"name": "Sanne", "next_at": "2026-11-23T07:30:00+00:00"}).text)
        assert TODAY[locale] in today and MONDAY[locale] not in today and "23" not in today, (key, today)
        assert "8:30" in today
        tomorrow = visible(clocked.render(key, locale, {"name": "Sanne", "next_at": "2026-11-24T07:30:00+00:00"}).text)
        assert TOMORROW[locale] in tomorrow and "24" not in tomorrow, (key, tomorrow)
        # Later than tomorrow (and on a Friday evening for Monday): the date itself.
        later = visible(clocked.render(key, locale, {"name": "Sanne", "next_at": "2026-11-30T07:30:00+00:00"}).text)
        assert MONDAY[locale] in later and "30" in later and TODAY[locale] not in later, (key, later)


def test_a_text_yaml_reads_as_a_boolean_is_refused(tmp_path: Path) -> None:
    # YAML reads an unquoted No, Yes, On or Off as true/false: the web chat's sign-out
    # button "No" once reached every catalog as the English source "False".
    path = tmp_path / "responses.yml"
    path.write_text("ok_no:\n  text: No\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ok_no.*quotes"):
        load_responses(path)
    path.write_text("ok_no:\n  text: 'No'\n  buttons:\n  - {id: b, title: Yes, payload: /affirm}\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="ok_no.*quotes"):
        load_responses(path)


def test_the_sign_out_question_offers_no_in_every_locale(renderer: Renderer) -> None:
    texts = {locale: renderer.render("webchat_sign_out_no", locale).text for locale in LOCALES}
    assert texts["en"] == "No"
    assert "False" not in texts.values()


def test_a_url_is_its_own_isolate_and_punctuation_stays_outside() -> None:
    text = isolate_ltr("باستخدام DigiD: https://www.toeslagen.nl (Mijn toeslagen). مسؤول")
    assert f"{LRI}DigiD{PDI}: {LRI}https://www.toeslagen.nl{PDI} ({LRI}Mijn toeslagen{PDI})." in text
    assert isolate_ltr("اتصل https://www.113.nl.").endswith(f"{LRI}https://www.113.nl{PDI}.")
    assert f"{LRI}14 020{PDI}, {LRI}€385{PDI}" in isolate_ltr("اتصل 14 020, €385")


@pytest.mark.parametrize("locale", ["ar", "fa_AF"])
def test_the_allowance_url_and_the_dutch_term_are_isolated_apart(renderer: Renderer, locale: str) -> None:
    text = renderer.render("utter_benefits/zorgtoeslag", locale).text
    assert f"{LRI}https://www.toeslagen.nl{PDI} ({LRI}Mijn toeslagen{PDI})" in text


def test_telegram_gets_the_isolated_text_as_plain_text(renderer: Renderer) -> None:
    from bot.channels.gateway import Reply
    from bot.channels.telegram.compose import compose

    text = renderer.render("utter_benefits/zorgtoeslag", "ar").text
    sent = compose([Reply(text)])[0].text
    assert "<" not in sent and "bdi" not in sent  # no markup: Telegram's HTML is escaped text
    assert f"{LRI}https://www.toeslagen.nl{PDI} ({LRI}Mijn toeslagen{PDI})" in sent

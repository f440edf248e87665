"""Appointment items (what to bring, the kind of meeting, the place, with whom) in the
person's language with the Dutch word in brackets, and whole in right-to-left text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import LOCALES
from bot.i18n.render import LRI, PDI, RLM, Renderer
from bot.i18n.terms import NB_HYPHEN, NBSP, load_terms

ROOT = Path(__file__).resolve().parents[2]
TERMS = load_terms(ROOT / "content" / "terms.yml")
APPOINTMENT = {
    "kind_key": "term_appointment_assessment",
    "starts_at": "2026-11-25T09:00:00+00:00",
    "duration": 120,
    "location": "Werkplein Amsterdam (demo)",
    "address": "Jan van Galenstraat 323, 1061 AZ Amsterdam",
    "with_whom": "adviseur werk",
    "bring": "verblijfsvergunning, paspoort of ID, diploma's en cv",
}


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(ContentSource(ROOT / "content" / "responses.yml"), Catalogs(ROOT / "locales"))


def plain(text: str) -> str:
    """The text as read: without bidi marks, no-break spaces and hyphens as ordinary ones."""
    return re.sub(f"[{RLM}{LRI}{PDI}]", "", text).replace(NBSP, " ").replace("\u2060", "")


def bring_line(text: str) -> str:
    return plain(text.split("\n")[-1])


@pytest.mark.parametrize("locale", ["ar", "ti", "fa_AF", "en"])
def test_what_to_bring_is_in_the_persons_language_with_the_dutch_in_brackets(renderer: Renderer, locale: str) -> None:
    args = {**APPOINTMENT, "bring": "verblijfsvergunning, brief van de Belastingdienst, schrift en pen"}
    line = bring_line(renderer.render("utter_appointment_item", locale, args).text)
    for term_id in ("verblijfsvergunning", "brief_belastingdienst", "schrift_en_pen"):
        term = TERMS[term_id]
        assert f"{term.name(locale)} ({term.nl})" in line, line
    # No English gloss in another language's answer.
    if locale != "en":
        assert "residence permit" not in line and "Bring" not in line


def test_dutch_shows_the_dutch_items_as_they_are(renderer: Renderer) -> None:
    line = bring_line(renderer.render("utter_appointment_item", "nl", APPOINTMENT).text)
    assert line == "Meenemen: verblijfsvergunning, paspoort of ID, diploma's en cv"


@pytest.mark.parametrize("locale", ["ar", "ti", "fa_AF"])
def test_alternatives_are_joined_by_the_locales_or(renderer: Renderer, locale: str) -> None:
    line = bring_line(renderer.render("utter_appointment_item", locale, APPOINTMENT).text)
    word = {"ar": " أو ", "ti": " ወይ ", "fa_AF": " یا "}[locale]
    assert f"{TERMS['paspoort'].name(locale)} (paspoort){word}{TERMS['id_kaart'].name(locale)} (ID)" in line


def test_an_item_the_term_base_does_not_know_is_shown_as_written(renderer: Renderer) -> None:
    args = {**APPOINTMENT, "bring": "verblijfsvergunning, uittreksel BRP"}
    text = renderer.render("utter_appointment_item", "ar", args).text
    assert f"{LRI}uittreksel{NBSP}BRP{PDI}" in text


@pytest.mark.parametrize("locale", ["ar", "ti", "fa_AF", "en"])
def test_the_kind_the_place_and_the_role_carry_the_dutch_word(renderer: Renderer, locale: str) -> None:
    text = plain(renderer.render("utter_appointment_item", locale, APPOINTMENT).text)
    kind, _when, place, with_whom, _bring = text.split("\n")
    assert "(brede intake)" in kind
    assert place.startswith(f"{TERMS['werkplein'].name(locale)} (Werkplein Amsterdam (demo))")
    assert f"{TERMS['adviseur_werk'].name(locale)} (adviseur werk)" in with_whom


@pytest.mark.parametrize("locale", ["ar", "ti", "fa_AF", "en", "nl"])
@pytest.mark.parametrize("kind", ["intake", "assessment", "casemanager", "language_boost", "exam", "job_hunter"])
def test_every_appointment_kind_names_its_dutch_word(renderer: Renderer, locale: str, kind: str) -> None:
    dutch = {"intake": "intakegesprek", "assessment": "brede intake", "casemanager": "klantmanager",
             "language_boost": "taalboost", "exam": "inburgeringsexamen", "job_hunter": "jobhunter"}[kind]
    rendered = renderer.render("utter_appointment_item", locale, {**APPOINTMENT, "kind_key": f"term_appointment_{kind}"})
    assert not rendered.fallback
    assert dutch in plain(rendered.text).split("\n")[0].lower()


@pytest.mark.parametrize("locale", ["ar", "fa_AF"])
def test_in_right_to_left_each_dutch_name_and_the_address_is_one_left_to_right_unit(renderer: Renderer, locale: str) -> None:
    text = renderer.render("utter_appointment_item", locale, APPOINTMENT).text
    # The place's name with its own brackets, and the address with its comma, each one
    # isolate: split in pieces they would be shown in the wrong order.
    assert f"({LRI}Werkplein{NBSP}Amsterdam{NBSP}(demo){PDI})" in text
    assert f"{LRI}Jan van Galenstraat 323, 1061 AZ Amsterdam{PDI}" in text
    assert f"({LRI}verblijfsvergunning{PDI})" in text
    # Never an isolate inside an isolate, never one left open.
    depth = 0
    for ch in text:
        depth += {LRI: 1, PDI: -1}.get(ch, 0)
        assert depth in (0, 1)
    assert depth == 0
    assert all(line.startswith(RLM) for line in text.split("\n") if line.strip())


@pytest.mark.parametrize("locale", ["ti", "en", "nl"])
def test_left_to_right_locales_get_no_bidi_marks_in_appointments(renderer: Renderer, locale: str) -> None:
    text = renderer.render("utter_appointment_item", locale, APPOINTMENT).text
    assert not {RLM, LRI, PDI} & set(text)


def test_a_persons_name_stays_as_it_is(renderer: Renderer) -> None:
    text = plain(renderer.render("utter_appointment_item", "ar", {**APPOINTMENT, "with_whom": "Leila Haddad"}).text)
    assert text.split("\n")[3].endswith("Leila Haddad")


def test_every_term_has_a_name_in_every_locale() -> None:
    for term in TERMS.values():
        for locale in LOCALES:
            assert term.name(locale).strip(), (term.id, locale)


@pytest.mark.parametrize("locale", ["ar", "fa_AF"])
def test_in_right_to_left_a_short_dutch_name_stays_on_one_line(renderer: Renderer, locale: str) -> None:
    args = {**APPOINTMENT, "location": "Stadsloket Nieuw-West", "bring": "brief van de Belastingdienst"}
    text = renderer.render("utter_appointment_item", locale, args).text
    assert f"{LRI}Stadsloket{NBSP}Nieuw{NB_HYPHEN}West{PDI}" in text
    assert f"{LRI}brief{NBSP}van{NBSP}de{NBSP}Belastingdienst{PDI}" in text

"""Reply templates: chosen and checked from the inbox's form, filled in every locale with
dates and times the locale's way, right to left where needed, and a missing translation
falling back (counted, and said)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import LOCALES
from bot.i18n.render import LRI, PDI, RLM, Renderer
from bot.i18n.reply_templates import (
    FIELDS,
    Choice,
    InvalidFields,
    choose,
    cldr_locale,
    documents,
    fields_of,
    fill_template,
    outline,
    templates,
    unknown_fields,
)
from bot.i18n.workflow import ContentRepo
from harness.po_files import edit_po

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)  # a Monday
CALL = {"template": "reply_call_you", "day": "2026-11-24", "time": "10:30"}


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(ContentSource(ROOT / "content" / "responses.yml"), Catalogs(ROOT / "locales"))


def test_the_six_templates_of_the_issue_are_content(renderer: Renderer) -> None:
    keys = [r.key for r in templates(renderer.content)]
    assert keys == ["reply_call_you", "reply_bring_document", "reply_appointment_moved",
                    "reply_letter_read", "reply_message_received", "reply_send_photo"]
    assert len(documents(renderer.content)) >= 5
    for r in templates(renderer.content):
        assert not unknown_fields(r.text), r.key


@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_and_document_is_translated_with_its_fields(renderer: Renderer, locale: str) -> None:
    for r in templates(renderer.content) + documents(renderer.content):
        text = renderer.catalogs.lookup(locale, r.key, r.text)
        assert text, f"{r.key} has no {locale} translation"
        assert sorted(fields_of(text)) == sorted(fields_of(r.text)), (r.key, locale)


def test_choose_reads_and_checks_the_fields(renderer: Renderer) -> None:
    choice = choose(renderer.content, CALL)
    assert choice.key == "reply_call_you"
    assert choice.values["day"] == date(2026, 11, 24)
    assert str(choice.values["time"]) == "10:30:00"
    bring = choose(renderer.content, {"template": "reply_bring_document", "document": "term_document_payslip"})
    assert bring.values["document"] == ("term", "term_document_payslip")
    own = choose(renderer.content, {"template": "reply_bring_document", "document": "other",
                                    "document_text": "  uw   diploma "})
    assert own.values["document"] == ("text", "uw diploma")
    assert choose(renderer.content, {"template": "reply_send_photo"}).values == {}


@pytest.mark.parametrize(("form", "field"), [
    ({}, "template"),
    ({"template": "utter_goodbye"}, "template"),
    ({"template": "reply_nothing"}, "template"),
    ({"template": "reply_call_you", "time": "10:30"}, "day"),
    ({"template": "reply_call_you", "day": "24-11-2026", "time": "10:30"}, "day"),
    ({"template": "reply_call_you", "day": "2026-11-24", "time": "25:00"}, "time"),
    ({"template": "reply_call_you", "day": "2026-11-24"}, "time"),
    ({"template": "reply_bring_document"}, "document"),
    ({"template": "reply_bring_document", "document": "utter_goodbye"}, "document"),
    ({"template": "reply_bring_document", "document": "term_document_nothing"}, "document"),
    ({"template": "reply_bring_document", "document": "other", "document_text": " "}, "document_text"),
    ({"template": "reply_bring_document", "document": "other", "document_text": "x" * 101}, "document_text"),
])
def test_choose_refuses_what_is_missing_or_wrong(renderer: Renderer, form: dict, field: str) -> None:
    with pytest.raises(InvalidFields) as refused:
        choose(renderer.content, form)
    assert str(refused.value) == field


def test_a_template_with_a_field_nobody_fills_is_refused(tmp_path: Path) -> None:
    content = tmp_path / "responses.yml"
    content.write_text("reply_odd:\n  text: Hello {name}\n", encoding="utf-8")
    with pytest.raises(InvalidFields):
        choose(ContentSource(content), {"template": "reply_odd", "name": "x"})


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "I will call you tomorrow at 10:30\u202fAM."),
    ("nl", "Ik bel u morgen om 10:30."),
])
def test_tomorrow_and_a_time_in_english_and_dutch(renderer: Renderer, locale: str, expected: str) -> None:
    filled = fill_template(renderer, choose(renderer.content, CALL), locale, TODAY)
    assert filled.text.replace(" AM", "\u202fAM") == expected
    assert filled.direction == "ltr" and not filled.fallback


def test_today_and_a_later_day(renderer: Renderer) -> None:
    today = choose(renderer.content, {**CALL, "day": "2026-11-23"})
    assert fill_template(renderer, today, "nl", TODAY).text.startswith("Ik bel u vandaag om")
    later = choose(renderer.content, {**CALL, "day": "2026-11-27"})
    assert fill_template(renderer, later, "nl", TODAY).text == "Ik bel u op vrijdag 27 november 2026 om 10:30."
    assert fill_template(renderer, later, "en", TODAY).text.startswith(
        "I will call you on Friday, November 27, 2026 at 10:30")


def test_arabic_month_names_right_to_left(renderer: Renderer) -> None:
    choice = choose(renderer.content, {"template": "reply_appointment_moved", "date": "2026-12-02",
                                       "time": "14:15"})
    filled = fill_template(renderer, choice, "ar", TODAY)
    assert filled.direction == "rtl"
    assert filled.text.startswith(RLM)
    assert "ديسمبر" in filled.text and "الأربعاء" in filled.text
    # Latin digits inside Arabic read left to right (isolated).
    assert LRI in filled.text


def test_dari_uses_afghan_month_names(renderer: Renderer) -> None:
    choice = choose(renderer.content, {"template": "reply_letter_read", "date": "2026-11-27"})
    filled = fill_template(renderer, choice, "fa_AF", TODAY)
    assert filled.direction == "rtl"
    assert "نومبر" in filled.text and "نوامبر" not in filled.text  # Dari, not Iranian Persian
    assert "جمعه" in filled.text


def test_tigrinya_month_and_day_names(renderer: Renderer) -> None:
    choice = choose(renderer.content, {**CALL, "day": "2026-11-27"})
    filled = fill_template(renderer, choice, "ti", TODAY)
    assert filled.direction == "ltr"
    assert "ሕዳር" in filled.text and "ዓርቢ" in filled.text
    assert filled.text.endswith("ክድውለልኩም እየ።")


@pytest.mark.parametrize("locale", LOCALES)
def test_documents_are_translated_and_own_words_are_sent_as_typed(renderer: Renderer, locale: str) -> None:
    term = choose(renderer.content, {"template": "reply_bring_document", "document": "term_document_rental_contract"})
    filled = fill_template(renderer, term, locale, TODAY)
    assert "huurcontract" in filled.text
    assert not filled.fallback and filled.untranslated == ()
    own = choose(renderer.content, {"template": "reply_bring_document", "document": "other",
                                    "document_text": "uw diploma"})
    filled = fill_template(renderer, own, locale, TODAY)
    assert "uw diploma" in filled.text and filled.untranslated == ("document",)


def test_missing_translation_falls_back_to_english_and_is_counted(content_copy) -> None:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    r = Renderer(ContentSource(content), Catalogs(locales))
    edit_po(locales / "ti" / "LC_MESSAGES" / "wegwijs.po", "reply_send_photo", "")
    filled = fill_template(r, Choice("reply_send_photo"), "ti", TODAY)
    assert filled.fallback
    assert filled.text == "Please send me a photo of the letter."
    assert r.catalogs.fallback_summary()["ti"] == 1


def test_a_missing_term_falls_back_too(content_copy) -> None:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    r = Renderer(ContentSource(content), Catalogs(locales))
    edit_po(locales / "fa_AF" / "LC_MESSAGES" / "wegwijs.po", "term_document_payslip", "")
    choice = choose(r.content, {"template": "reply_bring_document", "document": "term_document_payslip"})
    filled = fill_template(r, choice, "fa_AF", TODAY)
    assert filled.fallback
    assert "your latest payslip (loonstrook)" in filled.text.replace(LRI, "").replace(PDI, "")
    assert filled.direction == "rtl"  # the template itself is Dari
    assert r.catalogs.fallback_summary()["fa_AF"] == 1


def test_outline_shows_the_fields_as_dots(renderer: Renderer) -> None:
    assert outline(renderer, "reply_call_you", "nl") == "Ik bel u … om …."
    assert outline(renderer, "reply_call_you", "en") == "I will call you … at …."
    assert outline(renderer, "reply_gone", "en") == "reply_gone"
    assert outline(renderer, "reply_call_you", "nl", {"day": "dag", "time": "tijd"}) == "Ik bel u [dag] om [tijd]."


def test_content_check_refuses_a_template_field_nobody_fills(content_copy) -> None:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    with content.open("a", encoding="utf-8") as fh:
        fh.write("\nreply_odd:\n  text: Your number is {number}.\n")
    problems = [str(p) for p in ContentRepo(ROOT, content_file=content, locales_path=locales).check()]
    assert any("reply_odd" in p and "{number}" in p for p in problems), problems
    assert set(FIELDS) == {"day", "date", "time", "document"}


def test_a_locale_babel_does_not_know_falls_back_and_says_so(renderer: Renderer, caplog) -> None:  # type: ignore[no-untyped-def]
    assert [cldr_locale(x) for x in ("ti", "fa_AF", "ar", "nl", "en")] == ["ti", "fa_AF", "ar", "nl", "en"]
    assert cldr_locale("fa_XX") == "fa"
    assert cldr_locale("prs") == "en"  # Dari's ISO code: not in CLDR (hence fa_AF)
    assert "Babel has no dates for locale=prs" in caplog.text
    choice = choose(renderer.content, {"template": "reply_letter_read", "date": "2026-11-27"})
    filled = fill_template(renderer, choice, "prs", TODAY)
    assert filled.fallback and "Friday, November 27, 2026" in filled.text

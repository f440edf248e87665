"""The term base (content/terms.yml) in the content check: one name per term per locale,
and Dari answers in the written register. On copies of the real content."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.i18n.terms import load_terms, spoken_dari_problems, term_problems
from bot.i18n.workflow import ContentRepo
from harness.po_files import edit_po

ROOT = Path(__file__).resolve().parents[2]
TERMS = load_terms(ROOT / "content" / "terms.yml")


@pytest.fixture
def repo(tmp_path: Path) -> ContentRepo:
    for part in ("content", "locales", "nlu"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("*.mo", "*.py", "__pycache__"))
    return ContentRepo(tmp_path)


def term_messages(repo: ContentRepo) -> list[str]:
    return [str(p) for p in repo.check() if "terms.yml" in str(p) or "spoken Dari" in str(p) or "calls " in str(p)]


def test_the_real_catalogs_use_one_name_per_term_and_written_dari() -> None:
    assert [str(p) for p in ContentRepo(ROOT).check()] == []


def test_a_second_arabic_name_for_zorgtoeslag_is_reported(repo: ContentRepo) -> None:
    # As the button was before: "إعانة التأمين الصحي" beside "إعانة الرعاية الصحية" in the answers.
    edit_po(repo.po_path("ar"), "button:zorgtoeslag", "إعانة التأمين الصحي (zorgtoeslag)")
    found = term_messages(repo)
    assert len(found) == 2 and all("[ar] button:zorgtoeslag" in f for f in found)
    assert "'إعانة الرعاية الصحية'" in found[0]


def test_a_translation_that_keeps_only_the_dutch_word_is_reported(repo: ContentRepo) -> None:
    edit_po(repo.po_path("ti"), "button:huurtoeslag", "huurtoeslag")
    assert any("[ti] button:huurtoeslag" in f and "ሓገዝ ክራይ" in f for f in term_messages(repo))


def test_a_term_name_changed_in_the_term_base_is_looked_for_everywhere(repo: ContentRepo) -> None:
    path = repo.root / "content" / "terms.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("fa_AF: کمک کرایه", "fa_AF: کمک کرایهٔ خانه"), encoding="utf-8")
    found = term_messages(repo)
    assert found and all("[fa_AF]" in f for f in found)
    keys = {re.search(r"\] (\S+): ", f).group(1) for f in found}  # type: ignore[union-attr]
    assert keys >= {"button:huurtoeslag", "utter_benefits/huurtoeslag"}


@pytest.mark.parametrize("locale", ["ar", "ti", "fa_AF"])
def test_grammatical_forms_of_the_one_name_are_accepted(locale: str) -> None:
    forms = {"ar": "واطلب أيضاً التأمين الصحي (zorgverzekering)", "ti": "መድሕን ጥዕናኹም (zorgverzekering)",
             "fa_AF": "کارت بیمهٔ صحی تان (zorgverzekering)"}
    assert term_problems(TERMS, locale, "your health insurance (zorgverzekering)", forms[locale]) == []


def test_latin_names_with_a_prefix_of_the_script_count() -> None:
    assert term_problems(TERMS, "ti", "apply with your DigiD", "ብDigiD ሕተቱ") == []


@pytest.mark.parametrize(("locale", "text"), [
    ("ar", "شوف نتيجتك في Mijn Inburgering على inburgeren.nl"),
    ("ti", "ውጽኢትኩም ኣብ Mijn Inburgering ርኣዩ"),
    ("fa_AF", "نتیجه را در Mijn Inburgering ببینید"),
])
def test_a_dutch_word_inside_the_name_of_a_website_is_not_a_mention(locale: str, text: str) -> None:
    """"Mijn Inburgering" is the name of DUO's website, not the word inburgering: the
    translation need not name civic integration for it (issue 16, session 15)."""
    source = "Your results come in Mijn Inburgering on inburgeren.nl."
    assert term_problems(TERMS, locale, source, text) == []
    # The word itself, outside the name, still asks for the term base's name.
    assert term_problems(TERMS, locale, "Finish your civic integration (inburgering) first. " + source, text)


def test_dutch_is_asked_only_for_the_dutch_word() -> None:
    # An English name in the source ("health insurance") asks nothing of the Dutch text.
    assert term_problems(TERMS, "nl", "the health insurance premium", "de zorgpremie") == []
    assert term_problems(TERMS, "nl", "zorgtoeslag", "zorgtoeslag") == []


@pytest.mark.parametrize(("text", "spoken"), [
    ("مه یک کمپیوتر استم", ["مه", "استم"]),
    ("چی کمک کرده می‌توانم؟", ["چی"]),
    ("پول ره بگیرید", ["ره"]),
    ("نمیشه، اس", ["اس", "نمیشه"]),
])
def test_spoken_dari_forms_are_found(text: str, spoken: list[str]) -> None:
    found = spoken_dari_problems(text)
    assert sorted(f.split("'")[1] for f in found) == sorted(spoken)


@pytest.mark.parametrize("text", [
    "من یک کمپیوتر هستم، انسان نیستم.",
    "چه کمک کرده می‌توانم؟",
    "ماه آینده",  # ماه (month) is not مه
    "این است، و همه",  # است, همه: written words that contain spoken ones
    "مهاجرت و مهم",
])
def test_written_dari_passes(text: str) -> None:
    assert spoken_dari_problems(text) == []


def test_spoken_dari_in_a_catalog_is_reported(repo: ContentRepo) -> None:
    edit_po(repo.po_path("fa_AF"), "utter_greet", "سلام! امروز چی کمک کرده میتانم؟ مه اینجا استم.")
    found = [f for f in term_messages(repo) if "spoken Dari" in f]
    assert len(found) == 3 and all("[fa_AF] utter_greet" in f for f in found)


def test_an_incomplete_term_is_named(repo: ContentRepo) -> None:
    path = repo.root / "content" / "terms.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("    ti: ሓገዝ ክራይ\n", ""), encoding="utf-8")
    found = [str(p) for p in repo.check()]
    assert len(found) == 1 and "term base does not load" in found[0] and "'huurtoeslag' has no ti" in found[0]

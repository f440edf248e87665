"""The words on Dutch letters (issue 16, intent ``explain_term``): finding the word in a
message in every language (nlu/glossary.py), the entity (nlu.components), the action
(actions/glossary.py), and the content check's glossary rules (on copies of the content)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from actions.glossary import ActionExplainTerm, asked_terms
from actions.language import ValidateSlotMappings
from bot.i18n.locales import LOCALES
from bot.i18n.workflow import ContentRepo
from harness.po_files import edit_po
from harness.trackers import run, slot_events, tracker
from nlu.components import GlossaryTermExtractor
from nlu.glossary import Glossary, GlossaryMatcher
from nlu.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(ROOT / "content" / "glossary.yml")


def keys(glossary: Glossary, text: str) -> list[str]:
    return [f.key for f in glossary.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wat betekent BESCHIKKING?", ["beschikking"]),          # case, punctuation
        ("ما معنى الbeschikking", ["beschikking"]),              # Arabic article glued on
        ("ንbeschikking እንታይ ማለት እዩ", ["beschikking"]),       # Tigrinya prefix glued on
        ("نامه aanmaning آمده معنایش چیست", ["aanmaning"]),     # inside a Dari sentence
        ("aanslach??", ["aanslag"]),                            # a spelling in typed_as
        ("beschikkign wat is dat", ["beschikking"]),            # one typing error
        ("ik kreeg twee machtigingen", ["machtiging"]),         # Dutch plural
        ("eigenrisico?", ["eigen_risico"]),                      # written as one word
        ("what is a toeslag partner", ["toeslagpartner"]),      # split in two
        ("voorlopige aanslag inkomstenbelasting", ["voorlopige_aanslag"]),  # longest wins
        ("verschil tussen voorschot en definitieve berekening",
         ["voorschot", "definitieve_berekening"]),              # in order
        ("beschikking beschikking beschikking", ["beschikking"]),  # each once
        ("what does this word on my letter mean", []),
        ("hoe gaat het met je", []),
    ],
)
def test_finds_the_word_as_people_type_it(glossary: Glossary, text: str, expected: list[str]) -> None:
    assert keys(glossary, text) == expected


def test_short_words_need_their_exact_spelling(glossary: Glossary) -> None:
    # One typing error is forgiven only from six letters: "polis" is a word, "pols" is not it.
    assert keys(glossary, "wat is een polis") == ["polis"]
    assert keys(glossary, "mijn pols doet pijn") == []


def test_every_word_is_found_by_each_of_its_spellings(glossary: Glossary) -> None:
    data = load_yaml((ROOT / "content" / "glossary.yml").read_text(encoding="utf-8"))
    missed = [
        (key, form)
        for key, spec in data["terms"].items()
        for form in spec["typed_as"]
        if key not in keys(glossary, f"wat betekent {form} in mijn brief")
    ]
    assert not missed


def test_matcher_reloads_when_the_file_changes_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    path = tmp_path / "glossary.yml"
    path.write_text("terms:\n  aanslag:\n    typed_as: [aanslag]\n", encoding="utf-8")
    matcher = GlossaryMatcher(path)
    assert [f.key for f in matcher.find("nieuwe woord: toeslagpartner")] == []
    time.sleep(0.01)
    path.write_text("terms:\n  aanslag:\n    typed_as: [aanslag]\n  toeslagpartner:\n"
                    "    typed_as: [toeslagpartner]\n", encoding="utf-8")
    assert [f.key for f in matcher.find("nieuwe woord: toeslagpartner")] == ["toeslagpartner"]
    path.write_text("terms: [this is: not valid", encoding="utf-8")
    assert [f.key for f in matcher.find("aanslag")] == ["aanslag"]


def test_the_component_sets_the_entity_term_on_explain_term_only() -> None:
    text = "شو يعني beschikking اللي بالرسالة"
    asked = Message(data={"text": text, "intent": {"name": "explain_term", "confidence": 0.9}})
    [message] = GlossaryTermExtractor().process([asked])
    [entity] = [e for e in message.get("entities") if e["entity"] == "term"]
    assert entity["value"] == "beschikking"
    assert text[entity["start"]:entity["end"]] == "beschikking"
    assert entity["extractor"] == "GlossaryTermExtractor"
    # Only on explain_term: a question about zorgtoeslag itself carries no entity.
    other = Message(data={"text": "kan ik zorgtoeslag krijgen",
                          "intent": {"name": "benefits", "confidence": 0.9}})
    [plain] = GlossaryTermExtractor().process([other])
    assert not plain.get("entities")


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_action_answers_the_word_asked_in_every_locale(locale: str) -> None:
    text = {"ar": "ما معنى aanmaning", "ti": "aanmaning እንታይ ማለት እዩ", "fa_AF": "aanmaning یعنی چه",
            "en": "what is an aanmaning", "nl": "wat is een aanmaning"}[locale]
    t = tracker(text=text, intent="explain_term", language=locale, slots={"language": locale},
                entities=[{"entity": "term", "value": "aanmaning"}])
    _, messages = await run(ActionExplainTerm(), t)
    assert [m["response"] for m in messages] == ["utter_term/aanmaning"]


async def test_without_the_entity_the_action_reads_the_text() -> None:
    t = tracker(text="wat betekent toeslagpartner", intent="explain_term")
    _, messages = await run(ActionExplainTerm(), t)
    assert [m["response"] for m in messages] == ["utter_term/toeslagpartner"]


async def test_at_most_two_words_and_unknown_keys_are_ignored() -> None:
    entities = [{"entity": "term", "value": v}
                for v in ("no_such_word", "aanslag", "bezwaar", "aanmaning")]
    t = tracker(text="aanslag bezwaar aanmaning", intent="explain_term", entities=entities)
    _, messages = await run(ActionExplainTerm(), t)
    assert [m["response"] for m in messages] == ["utter_term/aanslag", "utter_term/bezwaar"]


async def test_no_known_word_asks_which_word() -> None:
    t = tracker(text="there is a word on my letter i do not get", intent="explain_term")
    _, messages = await run(ActionExplainTerm(), t)
    assert [m["response"] for m in messages] == ["utter_explain_term_ask"]
    assert asked_terms({"text": "", "entities": []}) == []


async def test_a_question_about_a_dutch_word_keeps_the_conversations_language() -> None:
    t = tracker(text="wat betekent het woord aanmaning in deze brief", intent="explain_term",
                language="nl", slots={"language": "ar"})
    events, messages = await run(ValidateSlotMappings(), t)
    assert "language" not in slot_events(events)
    assert messages == []


# The content check (wegwijs content check) on copies of the content ---------------------


@pytest.fixture
def repo(tmp_path: Path) -> ContentRepo:
    for part in ("content", "locales", "nlu"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("*.mo", "*.py", "__pycache__"))
    return ContentRepo(tmp_path)


def glossary_problems(repo: ContentRepo) -> list[str]:
    """The problems of the glossary rules (not the term base's, which apply to every answer)."""
    marks = ("glossary", "no answer utter_term/", "no word '", "Dutch word", "the spelling",
             "its answer", "two answers")
    return [str(p) for p in repo.check() if any(m in p.message or m in p.file for m in marks)]


def test_the_real_glossary_passes_the_check(repo: ContentRepo) -> None:
    assert glossary_problems(repo) == []


def test_check_finds_a_word_without_answer_and_an_answer_without_word(repo: ContentRepo) -> None:
    path = repo.root / "content" / "glossary.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  besluit:\n", "  nieuw_woord:\n    typed_as: [nieuwwoord]\n  besluit_x:\n", 1)
    path.write_text(text, encoding="utf-8")
    found = glossary_problems(repo)
    assert any("nieuw_woord: no answer utter_term/nieuw_woord" in p for p in found)
    assert any("utter_term/besluit: no word 'besluit'" in p for p in found)


def test_check_finds_a_spelling_two_words_share(repo: ContentRepo) -> None:
    path = repo.root / "content" / "glossary.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('typed_as: ["besluit",', 'typed_as: ["besluit", "aanslag",', 1)
    path.write_text(text, encoding="utf-8")
    assert any("aanslag: the spelling 'aanslag' is also a spelling of 'besluit'" in p
               for p in glossary_problems(repo))


def test_check_finds_a_translation_without_the_dutch_word(repo: ContentRepo) -> None:
    edit_po(repo.po_path("ar"), "utter_term/aanmaning", "رسالة تقول إنك لم تدفع في الوقت.", False)
    found = glossary_problems(repo)
    assert any("[ar] utter_term/aanmaning: the translation does not name the Dutch word 'aanmaning'"
               in p for p in found)


async def test_a_word_that_is_a_topic_gets_the_topics_answer() -> None:
    t = tracker(text="wat is eigen risico precies", intent="explain_term",
                entities=[{"entity": "term", "value": "eigen_risico"}])
    _, messages = await run(ActionExplainTerm(), t)
    assert [m["response"] for m in messages] == ["utter_insurance/eigen_risico"]


def test_check_finds_a_topic_answer_that_does_not_exist(repo: ContentRepo) -> None:
    path = repo.root / "content" / "glossary.yml"
    text = path.read_text(encoding="utf-8")
    assert "answer: utter_benefits/zorgtoeslag" in text
    path.write_text(text.replace("answer: utter_benefits/zorgtoeslag",
                                 "answer: utter_benefits/zorgtoeslagg"), encoding="utf-8")
    assert any("zorgtoeslag: its answer 'utter_benefits/zorgtoeslagg' is not in" in p
               for p in glossary_problems(repo))

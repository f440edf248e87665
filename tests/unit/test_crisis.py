"""The crisis safety net: phrase syntax, exclusions, live reload, the pipeline component."""

import os
import time
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.i18n.locales import LOCALES
from harness.heldout import crisis_set, training
from nlu.components import CrisisPhraseMatcher
from nlu.crisis import (
    CATEGORIES,
    DEFAULT_DIR,
    CrisisLists,
    CrisisMatcher,
    Phrase,
    PhraseIndex,
    _match,
    _word_matches,
    words_of,
)


def write_list(directory: Path, locale: str, phrases: dict, not_crisis: list | None = None) -> None:
    data = {"locale": locale, "status": "draft", "phrases": phrases, "not_crisis": not_crisis or []}
    (directory / f"{locale}.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def lists(tmp_path: Path) -> CrisisLists:
    write_list(tmp_path, "en", {
        "self_harm": ["took ... pills", "suicid*", "don't want to live"],
        "fire": ["house is on fire"],
    }, ["dying to know"])
    write_list(tmp_path, "ar", {"weapon": ["*سكين"], "self_harm": ["بدي موت"]}, ["سكينة"])
    return CrisisLists.load(tmp_path)


@pytest.mark.parametrize("text", [
    "I took all my pills",                # gap of two words
    "i took pills",                       # gap of none
    "I TOOK THE WHOLE BOX OF PILLS!!",     # case, punctuation, a gap of four
    "my friend is suicidal",              # prefix
    "I don’t want to live",               # typographic apostrophe
    "our house is on fire",
    "معه بالسكين",                          # suffix: an attached Arabic prefix
    "بدي موت",
    "بدی موت",                             # Persian ی for Arabic ي
])
def test_crisis_phrases_match(lists: CrisisLists, text: str) -> None:
    assert lists.find(text) is not None


@pytest.mark.parametrize("text", [
    "I took the bus and then I bought a lot of milk and pills",  # gap of five words
    "I'm dying to know my appointment",
    "pills",
    "the fire brigade sent a letter",
    "اشعر بالسكينة",                       # tranquility, excluded
    "",
    "🙂🙂",
])
def test_ordinary_messages_do_not_match(lists: CrisisLists, text: str) -> None:
    assert lists.find(text) is None


def test_a_hit_says_which_list_and_category(lists: CrisisLists) -> None:
    hit = lists.find("he came with a knife بالسكين")
    assert hit is not None and (hit.locale, hit.category, hit.phrase) == ("ar", "weapon", "*سكين")


def test_edited_list_is_live_without_restart(tmp_path: Path) -> None:
    write_list(tmp_path, "nl", {"fire": ["staat in brand"]})
    matcher = CrisisMatcher(tmp_path)
    assert matcher.find("de keuken staat in brand") is not None
    assert matcher.find("er is rook in de gang") is None
    write_list(tmp_path, "nl", {"fire": ["staat in brand", "rook in de gang"]})
    later = time.time() + 5
    os.utime(tmp_path / "nl.yml", (later, later))
    assert matcher.find("er is rook in de gang") is not None


def test_a_broken_edit_keeps_the_last_good_list(tmp_path: Path) -> None:
    write_list(tmp_path, "nl", {"fire": ["staat in brand"]})
    matcher = CrisisMatcher(tmp_path)
    assert matcher.find("het huis staat in brand") is not None
    (tmp_path / "nl.yml").write_text("phrases: [unclosed", encoding="utf-8")
    later = time.time() + 5
    os.utime(tmp_path / "nl.yml", (later, later))
    assert matcher.find("het huis staat in brand") is not None


# The real lists, as the communications team keeps them.

@pytest.fixture(scope="module")
def real() -> CrisisLists:
    return CrisisLists.load(DEFAULT_DIR)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_a_list_covering_every_category(locale: str) -> None:
    data = yaml.safe_load((DEFAULT_DIR / f"{locale}.yml").read_text(encoding="utf-8"))
    assert data["locale"] == locale and data["status"] in ("draft", "reviewed")
    assert {c for c in CATEGORIES if data["phrases"].get(c)} == set(CATEGORIES)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_ordinary_training_example_sets_off_the_lists(real: CrisisLists, locale: str) -> None:
    # One look-up per example (the lists are long; this test reads every training example).
    alarms = [(ex.intent, ex.text, hit) for ex in training(locale)
              if ex.intent != "urgent_help" and (hit := real.find(ex.text)) is not None]
    assert not alarms


@pytest.mark.parametrize("locale", LOCALES)
def test_lists_catch_most_urgent_training_examples(real: CrisisLists, locale: str) -> None:
    # The examples written as training data; the former development sets moved into
    # training (folded.yml) and the crisis signals (signals.yml) are veiled on purpose, and
    # catching those is the model's part.
    urgent = [ex.text for ex in training(locale, folded=False) if ex.intent == "urgent_help"]
    caught = [t for t in urgent if real.find(t) is not None]
    assert len(caught) >= 0.8 * len(urgent), [t for t in urgent if t not in caught]


# The pipeline component.

def parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={"text": text})
    entries = [{"name": n, "confidence": c} for n, c in ranking]
    message.set("intent", entries[0])
    message.set("intent_ranking", entries)
    return message


@pytest.fixture
def component(tmp_path: Path) -> CrisisPhraseMatcher:
    write_list(tmp_path, "en", {"self_harm": ["took ... pills"]}, ["dying to know"])
    return CrisisPhraseMatcher({"doubt_threshold": 0.2, "lists_dir": str(tmp_path)})


def test_a_crisis_phrase_overrides_the_model(component: CrisisPhraseMatcher) -> None:
    [m] = component.process([parsed("I took too many pills", [("out_of_scope", 0.9), ("deny", 0.1)])])
    assert m.get("intent") == {"name": "urgent_help", "confidence": 1.0}
    assert [r["name"] for r in m.get("intent_ranking")] == ["urgent_help", "out_of_scope", "deny"]
    assert m.get("crisis")["reason"] == "phrase" and m.get("crisis")["model_intent"] == "out_of_scope"


def test_a_crisis_phrase_in_words_typed_without_spaces_is_found(tmp_path: Path) -> None:
    # GluedWordSplitter hands the split words on ("split_text"); the lists read them too.
    write_list(tmp_path, "ti", {"self_harm": ["ክቐትል እየ"]})
    component = CrisisPhraseMatcher({"doubt_threshold": 0.3, "lists_dir": str(tmp_path)})
    glued = parsed("ንርእሰይክቐትልእየ", [("out_of_scope", 0.9), ("greet", 0.1)])
    glued.set("split_text", "ንርእሰይ ክቐትል እየ")
    alone = parsed("ንርእሰይክቐትልእየ", [("out_of_scope", 0.9), ("greet", 0.1)])
    component.process([glued, alone])
    assert glued.get("intent")["name"] == "urgent_help" and glued.get("crisis")["reason"] == "phrase"
    assert alone.get("intent")["name"] == "out_of_scope"


def test_the_models_doubt_is_treated_as_urgent(component: CrisisPhraseMatcher) -> None:
    [m] = component.process([parsed("something odd", [("out_of_scope", 0.6), ("urgent_help", 0.3)])])
    assert m.get("intent")["name"] == "urgent_help" and m.get("crisis")["reason"] == "model_doubt"


def test_a_low_urgent_score_or_an_ordinary_message_stays_as_it_is(component: CrisisPhraseMatcher) -> None:
    [m] = component.process([parsed("dying to know", [("ask_appointment", 0.8), ("urgent_help", 0.1)])])
    assert m.get("intent")["name"] == "ask_appointment" and m.get("crisis") is None


def test_an_unsure_urgent_prediction_survives_the_fallback(component: CrisisPhraseMatcher) -> None:
    [m] = component.process([parsed("hmm", [("urgent_help", 0.35), ("greet", 0.3)])])
    assert m.get("intent") == {"name": "urgent_help", "confidence": 1.0}


def test_commands_are_not_read_as_crisis_text(component: CrisisPhraseMatcher) -> None:
    [m] = component.process([parsed("/took_pills", [("greet", 0.9)])])
    assert m.get("intent")["name"] == "greet"


def test_the_check_command_reports_catches_and_false_alarms(capsys: pytest.CaptureFixture[str]) -> None:
    from nlu.crisis import main

    assert main(["check", "en"]) == 0
    out = capsys.readouterr().out
    assert "urgent_help examples caught:" in out and "false alarms" in out
    assert main(["the house is on fire"]) == 0
    assert "fire" in capsys.readouterr().out
    assert main([]) == 2


def test_the_models_doubt_counts_behind_an_unknown_words_fallback(component: CrisisPhraseMatcher) -> None:
    message = parsed("ma bade es7a bokra", [("nlu_fallback", 1.0), ("out_of_scope", 0.5), ("urgent_help", 0.3)])
    [m] = component.process([message])
    assert m.get("intent")["name"] == "urgent_help" and m.get("crisis")["reason"] == "model_doubt"


def test_a_forced_crisis_is_not_ambiguous_for_the_fallback_classifier(component: CrisisPhraseMatcher) -> None:
    # Rasa's FallbackClassifier (ambiguity_threshold 0.05) would turn urgent_help 1.0 next
    # to out_of_scope 1.0 into nlu_fallback.
    [m] = component.process([parsed("I took too many pills", [("out_of_scope", 1.0), ("deny", 0.2)])])
    first, second = m.get("intent_ranking")[:2]
    assert first == {"name": "urgent_help", "confidence": 1.0}
    assert first["confidence"] - second["confidence"] >= 0.5


# A not_crisis phrase is removed before matching: it must never swallow the words of a
# real crisis written next to it (each of these once came close: a phrase for "killing
# time", a doorbell, jokes with "haha", "police or insurance").
@pytest.mark.parametrize(("locale", "text"), [
    ("fa_AF", "همین وقت خود ره میکشم"),
    ("fa_AF", "شوهرم زنگ زد و گفت که ما را میزنه"),
    ("nl", "mijn man vermoordt me als ik te laat thuis kom"),
    ("en", "call police or ambulance he is hitting me"),
    ("en", "he took all her seizure pills"),
    ("en", "i will take my life, my life insurance is for my kids"),
])
def test_ordinary_exclusions_never_hide_a_crisis_beside_them(real: CrisisLists, locale: str, text: str) -> None:
    hit = real.find(text)
    assert hit is not None and hit.locale == locale


def test_direct_words_for_suicide_are_on_the_english_list(real: CrisisLists) -> None:
    # "taking my own life" was missing until a conversation test found the model alone
    # answering it as out_of_scope (session 6): the list must not depend on the model.
    for text in ("for weeks i keep having thoughts about taking my own life",
                 "i want to take my own life", "i am going to end my own life"):
        assert real.find(text) is not None, text
    assert real.find("can i take my life insurance with me to another country") is None


@pytest.mark.parametrize("locale", LOCALES)
def test_every_crisis_message_of_the_conversation_tests_is_on_the_lists(real: CrisisLists, locale: str) -> None:
    # The conversation tests' crisis messages are plain, common ways to say it ("ik heb
    # besloten mezelf van kant te maken"): the emergency numbers must not depend on one
    # training run of the model (a fresh CI model once answered one as out_of_scope).
    import re

    path = Path(__file__).resolve().parents[1] / f"test_stories_{locale}.yml"
    stories = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = [re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", step["user"])
             for story in stories.get("stories", []) for step in story["steps"]
             if step.get("intent") == "urgent_help" and "user" in step]
    assert texts
    assert [t for t in texts if real.find(t) is None] == []


def _first_match_by_trying_every_phrase(
    index: PhraseIndex, patterned: list[Phrase], words: list[str]
) -> tuple[Phrase, int, int] | None:
    # The definition the index must keep: the earliest start, then exact first words
    # (the dict, unchanged) before patterned ones, each group in list order; the patterned
    # ones by trying every one (``patterned``: the index's phrases that start with a pattern).
    for start, word in enumerate(words):
        tried = [p for p in patterned if _word_matches(p.parts[0], word)]  # type: ignore[arg-type]
        for phrase in index._by_word.get(word, []) + tried:
            end = _match(phrase.parts, 0, words, start)
            if end is not None:
                return phrase, start, end
    return None


@pytest.mark.parametrize("locale", LOCALES)
def test_the_index_finds_what_trying_every_phrase_finds(real: CrisisLists, locale: str) -> None:
    # The index looks patterned first words up by their first or last letter; on real
    # messages (every 25th training example, urgent or not, and a crisis set) it must
    # give exactly the phrase, start and end that trying every phrase gives.
    texts = [ex.text for ex in training(locale)[::25]]
    crisis = crisis_set(locale)  # the held-out crisis set (development sets come and go)
    texts += crisis.urgent + crisis.ordinary
    hits = 0
    for index in (real.phrases, real.exclusions):
        patterned = [p for p in index.phrases if p.parts[0][0] != "exact"]  # type: ignore[index]
        for text in texts:
            words = words_of(text)
            expected = _first_match_by_trying_every_phrase(index, patterned, words)
            assert index.first_match(words) == expected, text
            hits += expected is not None
    assert hits > 40

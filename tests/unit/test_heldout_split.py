"""The evaluation data is written apart from the training data and never overlaps it."""

from collections import Counter

import pytest

from bot.i18n.locales import LOCALES
from harness.heldout import DEV_SETS, crisis_set, heldout, training
from nlu.crisis import words_of

INTENT_KEYS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "help", "set_language",
    "ask_appointment", "change_appointment", "choose_language_school", "talk_to_casemanager",
    "link_account", "forget_me", "urgent_help", "out_of_scope", "explain_term",
    "benefits/bijstand", "benefits/zorgtoeslag", "benefits/huurtoeslag", "benefits/kinderbijslag",
    "benefits/kindgebonden_budget", "insurance/zorgverzekering", "insurance/eigen_risico",
    "insurance/aansprakelijkheid", "insurance/inboedel",
    # New topics of issue 16 (session 13).
    "benefits/kinderopvangtoeslag", "benefits/terugbetalen", "benefits/stadspas", "insurance/tandarts",
    # Session 14.
    "insurance/huisarts",
    # Session 15: civic integration (inburgering).
    "inburgering/termijn", "inburgering/kosten", "inburgering/examen",
    # Session 16: DigiD, letters and debts, family reunification.
    "practical/digid", "practical/brieven", "practical/nareis",
}


def key(text: str) -> str:
    """What counts as "the same utterance": normalised words (case, letter variants,
    diacritics, digits, punctuation and spacing folded)."""
    return " ".join(words_of(text))


@pytest.fixture(scope="module")
def trained() -> dict[str, str]:
    return {key(ex.text): f"{ex.locale}:{ex.intent}" for loc in LOCALES for ex in training(loc)}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_heldout_utterance_appears_in_training(locale: str, trained: dict[str, str]) -> None:
    overlap = [ex.text for ex in heldout(locale) if key(ex.text) in trained]
    crisis = crisis_set(locale)
    overlap += [t for t in crisis.urgent + crisis.ordinary if key(t) in trained]
    assert not overlap, f"{locale}: held-out utterances also in training: {overlap}"


def test_overlap_check_folds_spelling_variants() -> None:
    # The check would catch a copy that differs only in case, punctuation or letter forms.
    assert key("Can I get ZORGTOESLAG?") == key("can i get zorgtoeslag")
    assert key("مي‌خواهم كمك") == key("میخواهم کمک")


@pytest.mark.parametrize("locale", LOCALES)
def test_heldout_split_is_large_enough_and_covers_every_key(locale: str) -> None:
    examples = heldout(locale)
    per_key = Counter(ex.intent for ex in examples if ex.subset == "general")
    subsets = Counter(ex.subset for ex in examples)
    assert len(examples) >= 150
    assert {k for k in INTENT_KEYS if per_key[k] < 5} == set()
    assert subsets["codeswitch"] >= 15 and subsets["typo"] >= 15
    if locale in ("ar", "fa_AF"):
        assert subsets["latin"] >= 25
    assert all(ex.locale == locale for ex in examples)
    texts = [key(ex.text) for ex in examples]
    assert len(texts) == len(set(texts)), "an utterance appears twice"


@pytest.mark.parametrize("locale", LOCALES)
def test_crisis_set_is_large_enough(locale: str) -> None:
    crisis = crisis_set(locale)
    assert len(crisis.urgent) >= 40 and len(crisis.direct) >= 15 and len(crisis.indirect) >= 20
    assert len(crisis.ordinary) >= 40
    assert not {key(t) for t in crisis.urgent} & {key(t) for t in crisis.ordinary}


def _keys(locale: str, which: str) -> set[str]:
    crisis = crisis_set(locale, which)
    return {key(ex.text) for ex in heldout(locale, which)} | {
        key(t) for t in crisis.urgent + crisis.ordinary
    }


@pytest.mark.parametrize("which", DEV_SETS)
@pytest.mark.parametrize("locale", LOCALES)
def test_development_set_overlaps_neither_training_nor_heldout(
    locale: str, which: str, trained: dict[str, str]
) -> None:
    # The engineers tune on the development set's misses; a tuned-on utterance copied into
    # training (or one the held-out set shares) would make a number look better than it is.
    dev = _keys(locale, which)
    assert len(dev) >= 250
    assert sorted(dev & set(trained)) == [], f"{which} utterances also in training"
    assert sorted(dev & _keys(locale, "heldout")) == [], f"{which} utterances also held out"


@pytest.mark.parametrize("later", DEV_SETS[1:])
@pytest.mark.parametrize("locale", LOCALES)
def test_each_development_set_is_apart_from_the_earlier_ones(locale: str, later: str) -> None:
    # A fresh set replaces one that has been tuned on: an utterance in both would carry the
    # tuning over and make the fresh set look better than unseen messages are.
    for earlier in DEV_SETS[: DEV_SETS.index(later)]:
        assert sorted(_keys(locale, later) & _keys(locale, earlier)) == [], (later, earlier)

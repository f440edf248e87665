"""Language identification on the project's own data (trained here, scored on held-out)."""

import pytest

from bot.i18n.locales import LOCALES
from nlu.langid import LanguageIdentifier, Prediction, is_clear_switch
from nlu.language_names import find_language_names
from tests.heldout_data import heldout, training


@pytest.fixture(scope="module")
def model() -> LanguageIdentifier:
    samples = [(ex.text, ex.locale) for loc in LOCALES for ex in training(loc)]
    return LanguageIdentifier().fit(samples)


@pytest.mark.parametrize("locale", LOCALES)
def test_heldout_language_id_accuracy(model: LanguageIdentifier, locale: str) -> None:
    examples = heldout(locale)
    wrong = [ex.text for ex in examples if model.predict(ex.text).locale != locale]
    accuracy = 1 - len(wrong) / len(examples)
    assert accuracy >= 0.95, f"{locale}: {accuracy:.3f}, wrong: {wrong}"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("میخایم با داکتر گپ بزنم", "fa_AF"),  # Afghan words
        ("بدي احكي مع حدا", "ar"),  # Levantine
        ("شلونك شكو ماكو", "ar"),  # Iraqi
        ("ኣብ ቤት ትምህርቲ", "ti"),
        ("can i get zorgtoeslag", "en"),  # Dutch loanword in English
        ("kan ik zorgtoeslag krijgen", "nl"),
    ],
)
def test_dialects_and_loanwords(model: LanguageIdentifier, text: str, locale: str) -> None:
    assert model.predict(text).locale == locale


def test_gibberish_is_latin_but_no_evidence(model: LanguageIdentifier) -> None:
    pred = model.predict("qwx zzv plop")
    assert pred.script == "latin" and pred.confidence < 0.5
    assert not is_clear_switch(pred, "ar")  # cross-script, but see below
    assert model.predict("can i get zorgtoeslag please").confidence > 0.9


def test_no_letters_means_no_language(model: LanguageIdentifier) -> None:
    assert model.predict("👍 123").locale is None


def test_model_survives_serialisation(model: LanguageIdentifier) -> None:
    again = LanguageIdentifier.from_dict(model.to_dict())
    assert again.predict("سلام چطور استی").locale == model.predict("سلام چطور استی").locale


def test_one_word_never_switches() -> None:
    assert not is_clear_switch(Prediction("nl", 0.99, "latin", 1), "en")
    assert not is_clear_switch(Prediction("ar", 1.0, "arabic", 1), "en")


def test_clear_sentence_in_other_script_switches() -> None:
    assert is_clear_switch(Prediction("ti", 1.0, "ethiopic", 3), "ar")
    assert is_clear_switch(Prediction("en", 0.99, "latin", 5), "nl")
    assert not is_clear_switch(Prediction("en", 0.6, "latin", 5), "nl")
    assert not is_clear_switch(Prediction("en", 1.0, "latin", 5), "en")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("kunnen we Tigrinya spreken", "ti"),
        ("can you speak Dutch?", "nl"),
        ("بدي احكي بالعربي", "ar"),
        ("به دری گپ بزنیم", "fa_AF"),
        ("ብእንግሊዝኛ ጸሓፍ", "en"),
        ("فارسي لو سمحت", "fa_AF"),
    ],
)
def test_language_names_in_every_script(text: str, locale: str) -> None:
    assert [loc for loc, _, _ in find_language_names(text)] == [locale]


def test_language_name_offsets_point_into_text() -> None:
    text = "kunnen we Tigrinya spreken"
    (_, start, end), = find_language_names(text)
    assert text[start:end] == "Tigrinya"

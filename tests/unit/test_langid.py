"""Language identification on the project's own data (trained here, scored on held-out)."""

import pytest

from bot.i18n.locales import LOCALES
from harness.heldout import heldout, training
from nlu.langid import LanguageIdentifier, Prediction, is_clear_switch
from nlu.language_names import find_language_names


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


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("wen maw3edi el jay", "ar"),                      # Arabizi: digits are letters
        ("shukran ktir", "ar"),
        ("bde e7ki ma3 el mas2oul 3an melafi", "ar"),
        ("waqt e molaqat e man kai ast", "fa_AF"),         # Latin-script Dari
        ("salam chetor asti", "fa_AF"),
        ("when is my appointment", "en"),                 # English stays English
        ("wanneer is mijn afspraak", "nl"),
    ],
)
def test_latin_script_arabic_and_dari(model: LanguageIdentifier, text: str, locale: str) -> None:
    pred = model.predict(text)
    assert (pred.locale, pred.script) == (locale, "latin")


@pytest.mark.parametrize("locale", ["ar", "fa_AF"])
def test_heldout_latin_script_language_id(model: LanguageIdentifier, locale: str) -> None:
    latin = [ex.text for ex in heldout(locale) if ex.subset == "latin"]
    wrong = [t for t in latin if model.predict(t).locale != locale]
    assert len(latin) >= 25 and len(wrong) / len(latin) <= 0.05, wrong


def test_switching_to_arabizi_needs_a_clear_sentence() -> None:
    # Arabizi and English share a script: a switch needs three words and high confidence.
    assert is_clear_switch(Prediction("ar", 0.97, "latin", 4), "en")
    assert not is_clear_switch(Prediction("ar", 0.97, "latin", 2), "en")
    assert not is_clear_switch(Prediction("ar", 0.7, "latin", 5), "en")
    # Arabic script while the chat is in English is another script: two words suffice.
    assert is_clear_switch(Prediction("ar", 0.8, "arabic", 2), "en")
    # English typed by a person whose chat is in Arabic: same script family rules.
    assert not is_clear_switch(Prediction("en", 0.8, "latin", 4), "ar")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("mijn afspraak met klantmanager wanneer እዩ", "ti"),   # Dutch words, Tigrinya sentence
        ("help ሰብኣየ slaat me ሕጂ", "ti"),
        ("huurtoeslag aanvragen كيف يعني", "ar"),
        ("zorgtoeslag aanvragen چطور کنم", "fa_AF"),
        # Mostly Latin letters, but one Arabic word: an Arabic speaker asking.
        ("apply for zorgtoeslag كيف؟", "ar"),
        # The Dutch terms are shared by Arabic and Dari messages; the Arabic words decide.
        ("huisarts بيحسب من eigen risico؟", "ar"),
        ("AVP verzekering لازم؟ شو يعني", "ar"),
        ("AVP verzekering لازم است؟ چی است", "fa_AF"),
    ],
)
def test_dutch_terms_inside_another_language(model: LanguageIdentifier, text: str, locale: str) -> None:
    assert model.predict(text).locale == locale


def test_a_stray_letter_of_another_script_does_not_decide() -> None:
    from nlu.langid import language_script

    assert language_script("can i get zorgtoeslag ؟ please tell me now") == "latin"
    assert language_script("ok ሰ") == "latin"
    # ... but one whole Arabic-script word does: Dutch and English terms go inside Arabic
    # and Dari sentences, never the other way round.
    assert language_script("apply for zorgtoeslag كيف؟") == "arabic"


def test_latin_terms_do_not_count_for_arabic_against_dari() -> None:
    from nlu.langid import features, script_words

    assert script_words("huisarts بيحسب من eigen risico؟", "arabic") == ["بيحسب", "من"]
    assert script_words("huisarts eigen risico", "arabic") == ["huisarts", "eigen", "risico"]
    assert not [f for f, _ in features("AVP بيحسب", "arabic") if "avp" in f or f == "a"]

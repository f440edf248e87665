"""NLU pipeline components that need no training: the unknown-words fallback."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.components import UnknownWordsFallback


def parsed(text: str, language_confidence: float, top: tuple[str, float]) -> Message:
    message = Message(data={"text": text})
    message.set("language_confidence", language_confidence)
    message.set("intent", {"name": top[0], "confidence": top[1]})
    message.set("intent_ranking", [{"name": top[0], "confidence": top[1]}])
    return message


@pytest.fixture
def component() -> UnknownWordsFallback:
    return UnknownWordsFallback({"threshold": 0.9})


def test_keyboard_mash_is_not_understood(component: UnknownWordsFallback) -> None:
    [m] = component.process([parsed("qwx zzv plop", 0.0, ("link_account", 0.62))])
    assert m.get("intent")["name"] == "nlu_fallback"
    assert m.get("intent_ranking")[1]["name"] == "link_account"


@pytest.mark.parametrize(
    ("text", "language_confidence", "top"),
    [
        ("zorgtoslag hoeveel", 0.8, ("benefits", 0.7)),   # known words: the model decides
        ("zorgtoslagg", 0.0, ("benefits", 0.97)),          # unknown, but the model is sure
        ("ጭጭጭ ቕቕቕ", 0.0, ("affirm", 0.3)),                 # Ge'ez: one locale, no such signal
        ("/greet", 0.0, ("greet", 0.5)),                   # a button payload
    ],
)
def test_known_words_or_a_sure_model_keep_the_intent(
    component: UnknownWordsFallback, text: str, language_confidence: float, top: tuple[str, float]
) -> None:
    [m] = component.process([parsed(text, language_confidence, top)])
    assert m.get("intent")["name"] == top[0]


def test_a_possible_crisis_is_never_hidden_as_not_understood(component: UnknownWordsFallback) -> None:
    message = parsed("ma bade es7a bokra", 0.0, ("out_of_scope", 0.5))
    message.set("intent_ranking", [{"name": "out_of_scope", "confidence": 0.5},
                                   {"name": "greet", "confidence": 0.3},
                                   {"name": "urgent_help", "confidence": 0.1}])
    [m] = component.process([message])
    assert m.get("intent")["name"] == "out_of_scope"

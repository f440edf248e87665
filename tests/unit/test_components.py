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


# --- LinearIntentBlend: the linear model beside DIET -------------------------------------

from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from nlu.components import LinearIntentBlend  # noqa: E402

_EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "hey hello", "salam hello"],
    "ask_appointment": ["when is my appointment", "what time is my appointment",
                        "where is my next appointment", "appointment when", "my appointment date"],
    "urgent_help": ["my house is on fire", "fire in the kitchen help", "there is a fire now",
                    "he hits me", "i took all my pills"],
}


def _training_data() -> TrainingData:
    return TrainingData([
        Message(data={"text": t, "intent": intent,
                      "metadata": {"intent": {"language": "en"}}})
        for intent, texts in _EXAMPLES.items() for t in texts
    ])


def _with_diet(text: str, diet: list[tuple[str, float]]) -> Message:
    m = Message(data={"text": text, "language": "en"})
    ranking = [{"name": n, "confidence": c} for n, c in diet]
    m.set("intent", ranking[0])
    m.set("intent_ranking", ranking)
    return m


@pytest.fixture(params=["lbfgs", "sgd"])
def blend(tmp_path, request) -> LinearIntentBlend:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("blend")
    config = {**LinearIntentBlend.get_default_config(), "min_df": 1, "solver": request.param}
    trained = LinearIntentBlend(config, storage, resource)
    trained.train(_training_data())
    # What the Rasa server does: load what training persisted.
    return LinearIntentBlend.load(config, storage, resource, None)


def test_blend_averages_diet_with_the_linear_model(blend: LinearIntentBlend) -> None:
    # DIET is unsure between two intents; the linear model, which reads "fire", decides.
    m = _with_diet("the kitchen is on fire", [("greet", 0.5), ("urgent_help", 0.45),
                                              ("ask_appointment", 0.05)])
    blend.process([m])
    assert m.get("intent")["name"] == "urgent_help"
    ranking = m.get("intent_ranking")
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-3
    assert m.get("intent_models")["linear"][0][0] == "urgent_help"
    assert m.get("intent_models")["diet"][0][0] == "greet"


def test_a_sure_diet_and_a_sure_linear_model_agree(blend: LinearIntentBlend) -> None:
    m = _with_diet("when is my appointment", [("ask_appointment", 0.97), ("greet", 0.03)])
    blend.process([m])
    assert m.get("intent")["name"] == "ask_appointment"
    assert m.get("intent")["confidence"] > 0.6


def test_button_payloads_keep_what_rasa_decided(blend: LinearIntentBlend) -> None:
    m = _with_diet("/greet", [("greet", 1.0)])
    blend.process([m])
    assert m.get("intent_models") is None and m.get("intent")["name"] == "greet"


def test_an_unknown_solver_is_refused(tmp_path) -> None:
    config = {**LinearIntentBlend.get_default_config(), "min_df": 1, "solver": "newton"}
    component = LinearIntentBlend(config, LocalModelStorage(tmp_path), Resource("blend"))
    with pytest.raises(ValueError, match="unknown solver"):
        component.train(_training_data())


def test_weight_zero_is_diet_alone(tmp_path) -> None:
    storage = LocalModelStorage(tmp_path)
    config = {**LinearIntentBlend.get_default_config(), "min_df": 1, "weight": 0.0}
    component = LinearIntentBlend(config, storage, Resource("blend"))
    component.train(_training_data())
    m = _with_diet("the kitchen is on fire", [("greet", 0.6), ("urgent_help", 0.4)])
    component.process([m])
    assert m.get("intent")["name"] == "greet"


# --- LinearTopicBlend: the linear model beside the response selector ----------------------

from nlu.components import LinearTopicBlend  # noqa: E402

_TOPICS = {
    "benefits/zorgtoeslag": ["can i get zorgtoeslag", "zorgtoeslag how much", "money for health insurance",
                             "zorgtoeslag apply", "health care allowance"],
    "benefits/huurtoeslag": ["can i get huurtoeslag", "huurtoeslag how much", "money for my rent",
                             "rent allowance apply", "huurtoeslag apply"],
    "insurance/tandarts": ["dentist costs", "is the dentist free", "tandarts for my children",
                           "my tooth hurts dentist", "find a tandarts"],
}


def _topic_data() -> TrainingData:
    messages = [Message.build(text=t, intent=key) for key, texts in _TOPICS.items() for t in texts]
    messages += [Message.build(text=t, intent="greet") for t in _EXAMPLES["greet"]]
    for m in messages:
        m.set("metadata", {"intent": {"language": "en"}})
    return TrainingData(messages)


def _with_selector(text: str, ranking: list[tuple[str, float]], name: str = "default") -> Message:
    m = Message(data={"text": text, "language": "en"})
    top = ranking[0][0]
    m.set("response_selector", {
        "all_retrieval_intents": ["benefits", "insurance"],
        name: {
            "response": {"responses": [{"text": "answer"}], "confidence": ranking[0][1],
                         "intent_response_key": top, "utter_action": f"utter_{top}"},
            "ranking": [{"id": i, "confidence": c, "intent_response_key": k}
                        for i, (k, c) in enumerate(ranking)],
        },
    })
    return m


@pytest.fixture
def topics(tmp_path) -> LinearTopicBlend:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("topics")
    config = {**LinearTopicBlend.get_default_config(), "min_df": 1, "solver": "sgd"}
    LinearTopicBlend(config, storage, resource).train(_topic_data())
    return LinearTopicBlend.load(config, storage, resource, None)


def test_topic_blend_learns_the_answer_topics_only(topics: LinearTopicBlend) -> None:
    _, classifier = topics._model
    assert sorted(classifier.classes_) == sorted(_TOPICS)  # not "greet", not "benefits"


def test_topic_blend_overrules_an_unsure_selector(topics: LinearTopicBlend) -> None:
    # The selector hesitates; the linear model reads "rent" and names huurtoeslag, and the
    # answer Rasa's retrieval action gives (utter_action) follows.
    m = _with_selector("how much money do i get for my rent",
                       [("benefits/zorgtoeslag", 0.40), ("benefits/huurtoeslag", 0.35),
                        ("insurance/tandarts", 0.25)])
    topics.process([m])
    selected = m.get("response_selector")["default"]
    assert selected["response"]["intent_response_key"] == "benefits/huurtoeslag"
    assert selected["response"]["utter_action"] == "utter_benefits/huurtoeslag"
    assert selected["ranking"][0]["intent_response_key"] == "benefits/huurtoeslag"
    assert abs(sum(r["confidence"] for r in selected["ranking"]) - 1.0) < 1e-3
    assert m.get("topic_models")["selector"][0][0] == "benefits/zorgtoeslag"
    assert m.get("topic_models")["linear"][0][0] == "benefits/huurtoeslag"


def test_topic_blend_keeps_a_sure_selector_that_agrees(topics: LinearTopicBlend) -> None:
    m = _with_selector("is the dentist free for children", [("insurance/tandarts", 0.95),
                                                          ("benefits/zorgtoeslag", 0.05)])
    topics.process([m])
    response = m.get("response_selector")["default"]["response"]
    assert response["intent_response_key"] == "insurance/tandarts"
    assert response["responses"] == [{"text": "answer"}]  # unchanged when the topic is


def test_topic_blend_with_weight_zero_is_the_selector_alone(tmp_path) -> None:
    storage = LocalModelStorage(tmp_path)
    config = {**LinearTopicBlend.get_default_config(), "min_df": 1, "weight": 0.0}
    component = LinearTopicBlend(config, storage, Resource("topics"))
    component.train(_topic_data())
    m = _with_selector("how much money do i get for my rent",
                       [("benefits/zorgtoeslag", 0.40), ("benefits/huurtoeslag", 0.35)])
    component.process([m])
    assert m.get("response_selector")["default"]["response"]["intent_response_key"] == "benefits/zorgtoeslag"


def test_topic_blend_without_two_topics_is_not_trained_and_changes_nothing(tmp_path) -> None:
    storage = LocalModelStorage(tmp_path)
    config = {**LinearTopicBlend.get_default_config(), "min_df": 1}
    one_topic = TrainingData([Message.build(text=t, intent="benefits/zorgtoeslag")
                              for t in _TOPICS["benefits/zorgtoeslag"]]
                             + [Message.build(text=t, intent="greet") for t in _EXAMPLES["greet"]])
    component = LinearTopicBlend(config, storage, Resource("topics"))
    component.train(one_topic)  # two intents, but only one answer topic
    assert component._model is None
    m = _with_selector("how much money do i get for my rent",
                       [("benefits/zorgtoeslag", 0.40), ("benefits/huurtoeslag", 0.35)])
    component.process([m])
    assert m.get("response_selector")["default"]["response"]["intent_response_key"] == "benefits/zorgtoeslag"
    assert m.get("topic_models") is None


def test_a_selector_of_one_retrieval_intent_keeps_to_its_topics(topics: LinearTopicBlend) -> None:
    m = _with_selector("dentist costs for my tooth", [("benefits/zorgtoeslag", 0.5),
                                                     ("benefits/huurtoeslag", 0.5)], name="benefits")
    topics.process([m])
    assert m.get("response_selector")["benefits"]["response"]["intent_response_key"].startswith("benefits/")


def test_topic_blend_leaves_payloads_and_messages_without_a_selector(topics: LinearTopicBlend) -> None:
    payload = _with_selector("/benefits", [("benefits/zorgtoeslag", 0.4), ("benefits/huurtoeslag", 0.6)])
    plain = Message(data={"text": "hello there", "language": "en"})
    topics.process([payload, plain])
    assert payload.get("response_selector")["default"]["response"]["intent_response_key"] == "benefits/zorgtoeslag"
    assert plain.get("response_selector") is None and plain.get("topic_models") is None


def test_language_names_become_the_entity_language_with_their_place() -> None:
    from nlu.components import LanguageNameExtractor

    text = "can you talk in arabic please"
    [m] = LanguageNameExtractor().process([Message(data={"text": text})])
    [entity] = m.get("entities")
    assert (entity["entity"], entity["value"]) == ("language", "ar")
    assert text[entity["start"]:entity["end"]].lower() == "arabic"
    assert entity["extractor"] == "LanguageNameExtractor"
    [plain] = LanguageNameExtractor().process([Message(data={"text": "hello there"})])
    assert not plain.get("entities")


@pytest.mark.parametrize(("text", "locale", "words"), [
    # A prefix of the person's script glued to a Dutch word is two words (session 15: "الinburgering"
    # was not understood while "ال inburgering" was).
    ("قديش عندي وقت لخلص الinburgering تبعي", "ar", ["inburgering", "ال"]),
    ("ንDigiD ከመይ ይርከብ", "ti", ["digid", "ን"]),
    ("وzorgtoeslag چطور", "fa_AF", ["zorgtoeslag", "و"]),
    # Arabizi digits and Latin words are never split; a word of one script stays whole.
    ("3ndi so2al 3an el zorgtoeslag", "ar", ["3ndi", "so2al"]),
])
def test_a_word_is_split_where_latin_letters_meet_another_script(text: str, locale: str, words: list[str]) -> None:
    from nlu.components import LocaleTokenizer
    from nlu.text import normalize

    message = Message(data={"text": text})
    message.set("language", locale)
    tokens = LocaleTokenizer(LocaleTokenizer.get_default_config()).tokenize(message, "text")
    texts = [t.text for t in tokens]
    for word in words:
        assert word in texts, (word, texts)
    for t in tokens:  # offsets still point at the piece in the original text
        assert normalize(text[t.start:t.end], locale) == t.text
    glued = {"ar": "الinburgering", "ti": "ንDigiD", "fa_AF": "وzorgtoeslag"}.get(locale)
    assert all(t.text != glued and t.text != (glued or "").casefold() for t in tokens)


# --- GluedWordSplitter: words typed without spaces -------------------------------------------

from nlu.components import GluedWordSplitter  # noqa: E402
from nlu.text import segment  # noqa: E402

_VOCAB = {"ቢል": 5, "ክኸፍል": 3, "ኣይከኣልኩን": 4, "كلمة": 9, "السر": 7, "غلط": 6, "digid": 50, "kwijt": 3}


@pytest.mark.parametrize(("word", "pieces"), [
    ("ቢልክኸፍልኣይከኣልኩን", ["ቢል", "ክኸፍል", "ኣይከኣልኩን"]),
    ("كلمةالسرغلط", ["كلمة", "السر", "غلط"]),
    ("ቢል", ["ቢል"]),                      # known: stays
    ("ቢልክኸፍልዘይፍለጥ", ["ቢልክኸፍልዘይፍለጥ"]),  # an unknown piece: the word stays whole
    ("digidkwijt", ["digidkwijt"]),       # Latin script is never split
])
def test_a_glued_word_becomes_known_words(word: str, pieces: list[str]) -> None:
    assert segment(word, _VOCAB) == pieces


def test_a_very_long_glued_word_stays_whole() -> None:
    # A message of thousands of letters without a space (the app cuts at 2,000) is not
    # searched for pieces: longer than four pieces of the longest word can be.
    from nlu.text import MAX_PIECE

    long_word = "ቢልክኸፍልኣይከኣልኩን" * 200
    assert segment(long_word, _VOCAB) == [long_word]
    just_fits = "ቢልክኸፍልኣይከኣልኩን"
    assert len(just_fits) <= 4 * MAX_PIECE and len(segment(just_fits, _VOCAB)) == 3


def test_segment_prefers_the_fewest_pieces_and_respects_the_limit() -> None:
    vocab = {"ab": 1, "cd": 1, "abcd": 1, "ef": 1, "ሀለ": 2, "ሐመ": 2, "ሀለሐመ": 1, "ሠረ": 2}
    assert segment("ሀለሐመሠረ", vocab) == ["ሀለሐመ", "ሠረ"]
    assert segment("ሀለሐመሠረ", vocab, max_parts=1) == ["ሀለሐመሠረ"]


@pytest.fixture
def splitter(tmp_path) -> GluedWordSplitter:
    from nlu.components import LocaleTokenizer

    storage = LocalModelStorage(tmp_path)
    resource = Resource("splitter")
    tokenizer = LocaleTokenizer(LocaleTokenizer.get_default_config())
    data = TrainingData([Message.build(text=t, intent="practical") for t in (
        "ቢል ክኸፍል ኣይከኣልኩን", "ናይ ቢል ክኸፍል ኣይከኣልኩን ሓገዝ", "ቢል ኣሎኒ", "ክኸፍል ኣይከኣልኩን")])
    for m in data.training_examples:
        m.set("language", "ti")
    tokenizer.process_training_data(data)
    config = GluedWordSplitter.get_default_config()
    GluedWordSplitter(config, storage, resource).train(data)
    return GluedWordSplitter.load(config, storage, resource, None)


def _tokenized(text: str) -> Message:
    from nlu.components import LocaleTokenizer

    m = Message(data={"text": text, "language": "ti"})
    LocaleTokenizer(LocaleTokenizer.get_default_config()).process([m])
    return m


def test_the_splitter_gives_the_model_known_words(splitter: GluedWordSplitter) -> None:
    m = _tokenized("ቢልክኸፍልኣይከኣልኩን ሓገዝ")
    splitter.process([m])
    assert [t.text for t in m.get("text_tokens")] == ["ቢል", "ክኸፍል", "ኣይከኣልኩን", "ሓገዝ"]
    assert m.get("split_text") == "ቢል ክኸፍል ኣይከኣልኩን ሓገዝ"
    tokens = m.get("text_tokens")
    assert tokens[0].start == 0 and tokens[1].start == 2 and tokens[3].start == len("ቢልክኸፍልኣይከኣልኩን ")


def test_the_splitter_leaves_known_words_and_payloads(splitter: GluedWordSplitter) -> None:
    m = _tokenized("ቢል ክኸፍል")
    splitter.process([m])
    assert m.get("split_text") is None and [t.text for t in m.get("text_tokens")] == ["ቢል", "ክኸፍል"]
    payload = Message(data={"text": "/greet"})
    splitter.process([payload])
    assert payload.get("split_text") is None


def test_the_linear_models_read_the_split_text() -> None:
    m = Message(data={"text": "ቢልክኸፍልኣይከኣልኩን", "split_text": "ቢል ክኸፍል ኣይከኣልኩን"})
    assert LinearIntentBlend._text(m, "ti") == "ቢል ክኸፍል ኣይከኣልኩን"
    assert LinearIntentBlend._text(Message(data={"text": "ቢል"}), "ti") == "ቢል"

"""The numbers `make eval` reports: the scoring, on hand-made parse results."""

from harness.evaluation import operating_points, score_crisis, urgent_confidence, wilson


def _row(crisis=None, conf=0.0, intent="out_of_scope", text="x"):
    return {"text": text, "intent": intent, "full": intent, "crisis": crisis,
            "urgent_confidence": conf}


def test_wilson_interval_is_inside_zero_and_one_and_narrows_with_n() -> None:
    lo, hi = wilson(9, 10)
    assert 0.5 < lo < 0.9 < hi <= 1.0
    lo2, hi2 = wilson(90, 100)
    assert hi2 - lo2 < hi - lo
    assert wilson(0, 0) == (0.0, 0.0)


def test_urgent_confidence_reads_the_safety_nets_reason_or_the_two_best_guesses() -> None:
    # The safety net forced urgent_help from the model's doubt: its confidence then.
    assert urgent_confidence({"crisis": {"reason": "model_doubt", "confidence": 0.34}}) == 0.34
    # Not forced: urgent_help second (a "not understood" in front does not count).
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "benefits", "confidence": 0.6},
               {"name": "urgent_help", "confidence": 0.2}]
    assert urgent_confidence({"intent_ranking": ranking}) == 0.2
    # Third place is never compared with the threshold.
    ranking.insert(1, {"name": "greet", "confidence": 0.3})
    assert urgent_confidence({"intent_ranking": ranking}) == 0.0
    # A phrase hit is urgent whatever the threshold; it needs no confidence.
    assert urgent_confidence({"crisis": {"reason": "phrase"},
                              "intent_ranking": [{"name": "urgent_help", "confidence": 1.0}]}) == 0.0


def test_operating_points_trade_recall_for_false_alarms() -> None:
    urgent = [_row("phrase"), _row(conf=0.9), _row(conf=0.35), _row(conf=0.25)]
    ordinary = [_row(conf=0.45), _row(conf=0.1), _row(), _row()]
    points = {p["threshold"]: p for p in operating_points(urgent, ordinary)}
    assert points[0.2] == {"threshold": 0.2, "urgent_recall": 1.0, "false_alarm_rate": 0.25}
    assert points[0.3]["urgent_recall"] == 0.75
    assert points[0.5] == {"threshold": 0.5, "urgent_recall": 0.5, "false_alarm_rate": 0.0}
    # The phrase hit counts at every threshold.
    assert points[0.7]["urgent_recall"] == 0.5


def test_score_crisis_counts_recall_misses_and_false_alarms() -> None:
    direct = [_row("phrase", intent="urgent_help"), _row(intent="benefits", text="missed")]
    indirect = [_row("model", 0.8, intent="urgent_help")]
    ordinary = [_row("model", 0.6, intent="urgent_help", text="alarm"), _row(), _row(), _row()]
    heldout = [{**_row(), "expected": "out_of_scope"}, {**_row(intent="urgent_help"), "expected": "urgent_help"}]
    out = score_crisis("en", {"direct": direct, "indirect": indirect}, ordinary, heldout)
    assert out["urgent_recall"] == round(2 / 3, 4)
    assert out["urgent_recall_direct"] == 0.5 and out["urgent_recall_indirect"] == 1.0
    assert out["by_phrase_list"] == round(1 / 3, 4)
    assert out["false_alarm_rate"] == 0.25
    assert out["false_alarm_rate_heldout"] == 0.0
    assert [m["text"] for m in out["missed"]] == ["missed"]
    assert [f["text"] for f in out["false_alarms"]] == ["alarm"]
    assert len(out["operating_points"]) == 5


# The answer families whose topic the response selector picks (retrieval intents of domain.yml).
FAMILIES = ("benefits", "insurance", "inburgering", "practical")


class _Agent:
    """Hands back one parse result, shaped like Rasa's."""

    def __init__(self, result: dict) -> None:
        self.result = result

    async def parse_message(self, text: str) -> dict:
        return dict(self.result, text=text)


def _parse_result(intent: str, key: str) -> dict:
    return {"intent": {"name": intent}, "language": "nl", "language_confidence": 1.0,
            "response_selector": {"default": {"response": {"intent_response_key": key}}}}


async def test_parse_takes_the_selectors_topic_for_every_answer_family() -> None:
    from harness.evaluation import parse

    for family in FAMILIES:
        parsed = await parse(_Agent(_parse_result(family, f"{family}/x")), "vraag")
        assert (parsed["intent"], parsed["full"]) == (family, f"{family}/x")
    # Another intent keeps its own name whatever the selector says.
    parsed = await parse(_Agent(_parse_result("greet", "benefits/bijstand")), "hoi")
    assert parsed["full"] == "greet"


def test_score_counts_the_topics_of_every_answer_family() -> None:
    from harness.evaluation import score

    rows = [{"text": f"q{i}", "expected": f"{family}/a", "intent": family,
             "full": f"{family}/a" if i % 2 == 0 else f"{family}/b",
             "language": "nl", "language_confidence": 1.0, "subset": "general"}
            for family in FAMILIES for i in range(2)]
    rows.append({"text": "hoi", "expected": "greet", "intent": "greet", "full": "greet",
                 "language": "nl", "language_confidence": 1.0, "subset": "general"})
    result = score("nl", rows)
    assert result["faq_n"] == 8
    assert result["faq_topic_accuracy"] == 0.5

"""The benchmark's arithmetic and report (its measurements run in `make bench-smoke`)."""

import os

from bench.__main__ import report, rss_mb
from bench.load import LoadResult, message_mix


def test_percentiles_and_throughput() -> None:
    r = LoadResult("webchat", 2, 10, 5.0, latencies_ms=[float(x) for x in range(1, 101)])
    s = r.summary()
    assert s["throughput_msg_s"] == 2.0
    assert s["p50_ms"] == 50.0 and s["p95_ms"] == 95.0 and s["p99_ms"] == 99.0


def test_empty_load_reports_zero_not_an_error() -> None:
    assert LoadResult("rasa_rest", 1, 0, 0.0).summary()["p95_ms"] == 0.0


def test_message_mix_covers_five_locales() -> None:
    assert {loc for loc, _ in message_mix()} == {"ar", "ti", "fa_AF", "en", "nl"}


def test_message_mix_never_hands_the_chat_to_a_person() -> None:
    from harness.heldout import heldout

    handoff = {ex.text for loc in ("ar", "ti", "fa_AF", "en", "nl") for ex in heldout(loc)
               if ex.parent_intent in ("talk_to_casemanager", "urgent_help", "affirm", "deny")}
    mix = {text for _, text in message_mix()}
    assert handoff and not handoff & mix and len(mix) > 100


def test_resident_memory_of_this_process() -> None:
    assert rss_mb(os.getpid()) > 10


def test_report_states_machine_commit_and_headline() -> None:
    row = {"locale": "ti", "n": 160, "intent_accuracy": 0.97, "intent_accuracy_ci95": (0.93, 0.99),
           "intent_macro_f1": 0.96, "intent_f1": {"greet": 1.0, "benefits": 0.9}, "faq_topic_accuracy": 0.94,
           "out_of_scope_precision": 0.9, "out_of_scope_recall": None, "language_id_accuracy": 1.0,
           "subsets": {"typo": {"n": 15, "intent_accuracy": 0.8}},
           "worst_confusions": [{"expected": "benefits/zorgtoeslag", "got": "insurance/zorgverzekering", "count": 2}]}
    safety = {"locale": "ti", "urgent_n": 45, "urgent_recall": 1.0, "urgent_recall_ci95": (0.92, 1.0),
              "urgent_recall_direct": 1.0, "urgent_recall_indirect": 1.0, "by_phrase_list": 0.8,
              "ordinary_n": 40, "false_alarm_rate": 0.025, "false_alarm_rate_heldout": 0.0}
    load = {"concurrency": 1, "messages": 3, "throughput_msg_s": 4.0, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "errors": 0}
    results = {
        "smoke": True,
        "machine": {"commit": "abc1234", "date": "2026-11-22", "cores": 2, "memory_gb": 23.4, "python": "3.10.13"},
        "understanding": {"per_locale": [row], "safety": [safety], "gap_best_worst_intent_accuracy": 0.03,
                          "worst_locale": "ti", "confusion_plots": []},
        "serving": {"startup_s": 30.0, "webchat": [load], "rasa_rest": [load], "rss_mb": {"app": 70.0},
                    "conversation_growth": {"length": 12, "median_first_10_ms": 200.0, "median_last_10_ms": 210.0, "ratio": 1.05}},
        "training": {"model_mb": 136.0, "note": "full bench only"},
    }
    text = report(results)
    assert "abc1234" in text and "2 cores" in text and "gap between the best and the worst locale is 0.030" in text
    assert "| ti | 160 | 0.970 (0.930–0.990) |" in text  # accuracy with its confidence interval
    assert "| ti | 45 | 1.000 (0.920–1.000) | 1.000 | 1.000 | 0.800 | 40 | 0.025 | 0.000 |" in text
    assert "benefits/zorgtoeslag→insurance/zorgverzekering ×2" in text and "typos" in text


def test_soak_report_names_every_channel_and_process() -> None:
    from bench.soak import report as soak_report

    channel = {"messages": 40, "answered": 38, "errors": 1, "behind": 1, "p50_ms": 80.0,
               "p95_ms": 400.0, "p99_ms": 900.0, "throughput_msg_s": 9.5}
    text = soak_report({
        "rate_msg_s": 20, "seconds": 4, "machine": {"cores": 2, "commit": "abc1234"},
        "channels": {"webchat": channel, "telegram": channel},
        "rss_mb": {"app": {"start": 100.0, "end": 110.5, "growth": 10.5}},
        "pending_turns_at_end": 0,
    })
    assert "| webchat | 40 | 38 | 1 | 1 | 80.0 | 400.0 | 900.0 | 9.5 |" in text
    assert "| telegram |" in text and "| app | 100.0 | 110.5 | 10.5 |" in text

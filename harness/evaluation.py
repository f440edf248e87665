"""`make eval`: how well the trained model understands each locale, on data it never saw.

Per locale, on the held-out split (``tests/heldout/<locale>.yml``): intent accuracy with a
95 % confidence interval (Wilson), macro-F1 and F1 per intent, FAQ-topic accuracy (the
``<family>/<topic>`` key the response selector picked, families in
``bot.i18n.content.FAQ_FAMILIES``), the
worst confused pairs, out-of-scope precision and recall, accuracy per subset (general,
Latin script, code-switching, typos), and language-ID accuracy (Latin script too). On the
safety set (``tests/heldout/crisis/<locale>.yml``): ``urgent_help`` recall on direct and
indirect crisis messages, and false alarms on ordinary messages with alarming words.

Messages are parsed by the whole NLU pipeline, the crisis safety net included, exactly as
the Rasa server parses them. Writes ``results/eval.json``. Exits non-zero only below the
quality floor (a regression guard under the targets), never on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from bot.i18n.content import FAQ_FAMILIES
from bot.i18n.locales import LOCALES
from harness.heldout import SETS, Example, crisis_set, heldout
from nlu.langid import Prediction, is_clear_switch, language_script

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "wegwijs.tar.gz"
FAQ_PARENTS = FAQ_FAMILIES
URGENT = "urgent_help"
OUT_OF_SCOPE = "out_of_scope"

# What the issue asks for (reported, compared, printed).
TARGETS = {
    "worst_intent_accuracy": 0.95,
    "worst_faq_topic_accuracy": 0.93,
    "max_gap": 0.03,
    "language_id": 0.99,
    "urgent_recall": 1.0,
    "max_false_alarm_rate": 0.01,
}
# Regression guard: `make eval` (and so `make test`) fails below these.
FLOORS = {"intent_accuracy": 0.85, "language_id_accuracy": 0.95, "urgent_recall": 0.85}


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default)."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


async def parse(agent: Any, text: str) -> dict:
    result = await agent.parse_message(text)
    intent = result["intent"]["name"]
    full = intent
    if intent in FAQ_PARENTS:
        selector = (result.get("response_selector") or {}).get("default") or {}
        full = (selector.get("response") or {}).get("intent_response_key") or intent
    crisis = result.get("crisis") or {}
    return {
        "intent": intent,
        "full": full,
        "language": result.get("language"),
        "language_confidence": float(result.get("language_confidence") or 0.0),
        "crisis": crisis.get("reason"),
        "urgent_confidence": urgent_confidence(result),
    }


def urgent_confidence(result: dict) -> float:
    """The model's own confidence in ``urgent_help`` when it is among its two best guesses
    (what the safety net's doubt threshold is compared with), else 0. With it the report
    shows recall and false alarms at other thresholds without retraining."""
    crisis = result.get("crisis") or {}
    if crisis.get("reason") in ("model", "model_doubt"):
        return float(crisis.get("confidence") or 0.0)
    ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    for entry in ranking[:2]:
        if entry.get("name") == URGENT and crisis.get("reason") != "phrase":
            return float(entry.get("confidence") or 0.0)
    return 0.0


# Doubt thresholds at which `make eval` also reports recall and false alarms (config.yml
# has the one in use): the measured trade-off, for the people who choose it.
OPERATING_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.7)


def operating_points(urgent: list[dict], ordinary: list[dict]) -> list[dict]:
    """Recall and false alarms had the doubt threshold been ``t`` (phrase hits always count)."""
    def flagged(r: dict, t: float) -> bool:
        return r["crisis"] == "phrase" or r.get("urgent_confidence", 0.0) >= t

    return [
        {"threshold": t,
         "urgent_recall": _ratio(sum(flagged(r, t) for r in urgent), len(urgent)),
         "false_alarm_rate": _ratio(sum(flagged(r, t) for r in ordinary), len(ordinary))}
        for t in OPERATING_THRESHOLDS
    ]


def switches_away(row: dict, locale: str) -> bool:
    """Whether this message would switch a conversation held in ``locale`` to another
    language (the rule of ``actions.language``): what a person would notice."""
    words = len([w for w in row["text"].split() if any(ch.isalpha() for ch in w)])
    pred = Prediction(row["language"], row["language_confidence"],
                      language_script(row["text"]), words)
    return is_clear_switch(pred, locale)


async def predict(agent: Any, examples: list[Example]) -> list[dict]:
    rows = []
    for ex in examples:
        row = await parse(agent, ex.text)
        row.update(text=ex.text, expected=ex.intent, subset=ex.subset)
        rows.append(row)
    return rows


def _ratio(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def score(locale: str, rows: list[dict]) -> dict:
    """Understanding of the held-out split of one locale."""
    n = len(rows)
    expected = [r["expected"].split("/", 1)[0] for r in rows]
    got = [r["intent"] for r in rows]
    correct = sum(e == g for e, g in zip(expected, got, strict=True))
    labels = sorted(set(expected))
    per_intent = f1_score(expected, got, labels=labels, average=None, zero_division=0)

    faq = [r for r in rows if r["expected"].split("/", 1)[0] in FAQ_PARENTS]
    faq_correct = sum(r["full"] == r["expected"] for r in faq)

    oos_predicted = [r for r in rows if r["intent"] == OUT_OF_SCOPE]
    oos_expected = [r for r in rows if r["expected"] == OUT_OF_SCOPE]
    oos_tp = sum(r["expected"] == OUT_OF_SCOPE for r in oos_predicted)

    subsets: dict[str, dict] = {}
    for name in sorted({r["subset"] for r in rows}):
        part = [r for r in rows if r["subset"] == name]
        ok = sum(r["intent"] == r["expected"].split("/", 1)[0] for r in part)
        subsets[name] = {
            "n": len(part),
            "intent_accuracy": _ratio(ok, len(part)),
            "language_id_accuracy": _ratio(sum(r["language"] == locale for r in part), len(part)),
            "wrong_switch_rate": _ratio(sum(switches_away(r, locale) for r in part), len(part)),
        }

    confusions = Counter((r["expected"], r["full"]) for r in rows if r["full"] != r["expected"])
    return {
        "locale": locale,
        "n": n,
        "intent_accuracy": round(correct / n, 4),
        "intent_accuracy_ci95": wilson(correct, n),
        "intent_macro_f1": round(float(per_intent.mean()), 4),
        "intent_f1": {label: round(float(f), 4) for label, f in zip(labels, per_intent, strict=True)},
        "faq_n": len(faq),
        "faq_topic_accuracy": _ratio(faq_correct, len(faq)),
        "faq_topic_accuracy_ci95": wilson(faq_correct, len(faq)),
        "full_key_accuracy": _ratio(sum(r["full"] == r["expected"] for r in rows), n),
        "out_of_scope_precision": _ratio(oos_tp, len(oos_predicted)),
        "out_of_scope_recall": _ratio(oos_tp, len(oos_expected)),
        "language_id_accuracy": _ratio(sum(r["language"] == locale for r in rows), n),
        # Short messages ("ok", "salam alaikum", "prima") are the same in several languages;
        # what a person notices is a wrong switch of the conversation's language.
        "wrong_switch_rate": _ratio(sum(switches_away(r, locale) for r in rows), n),
        "fallback_rate": _ratio(sum(r["intent"] == "nlu_fallback" for r in rows), n),
        "subsets": subsets,
        "worst_confusions": [
            {"expected": e, "got": g, "count": c} for (e, g), c in confusions.most_common(5)
        ],
        "errors": [
            {"text": r["text"], "expected": r["expected"], "got": r["full"],
             "language": r["language"], "subset": r["subset"]}
            for r in rows
            if r["full"] != r["expected"] or r["language"] != locale
        ],
    }


def score_crisis(locale: str, urgent: dict[str, list[dict]], ordinary: list[dict],
                 heldout_rows: list[dict]) -> dict:
    """``urgent_help`` recall on crisis messages; false alarms on ordinary ones."""
    out: dict[str, Any] = {"locale": locale}
    caught_all = total = 0
    missed = []
    for kind, rows in urgent.items():
        caught = [r for r in rows if r["intent"] == URGENT]
        out[f"urgent_recall_{kind}"] = _ratio(len(caught), len(rows))
        caught_all += len(caught)
        total += len(rows)
        missed += [{"text": r["text"], "kind": kind, "got": r["full"]} for r in rows
                   if r["intent"] != URGENT]
    out["urgent_n"] = total
    out["urgent_recall"] = _ratio(caught_all, total)
    out["urgent_recall_ci95"] = wilson(caught_all, total)
    out["by_phrase_list"] = _ratio(sum(r["crisis"] == "phrase" for rs in urgent.values()
                                       for r in rs), total)
    alarms = [r for r in ordinary if r["intent"] == URGENT]
    out["ordinary_n"] = len(ordinary)
    out["false_alarm_rate"] = _ratio(len(alarms), len(ordinary))
    # The held-out split's non-urgent questions are ordinary messages too.
    plain = [r for r in heldout_rows if r["expected"] != URGENT]
    plain_alarms = [r for r in plain if r["intent"] == URGENT]
    out["false_alarm_rate_heldout"] = _ratio(len(plain_alarms), len(plain))
    out["operating_points"] = operating_points(
        [r for rows in urgent.values() for r in rows], ordinary)
    out["missed"] = missed
    out["false_alarms"] = [
        {"text": r["text"], "why": r["crisis"]} for r in alarms + plain_alarms
    ]
    return out


async def evaluate(model: Path = MODEL, which: str = "heldout") -> dict:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)  # no per-message debug lines

    agent = Agent.load(str(model))
    understanding, safety = [], []
    for locale in LOCALES:
        rows = await predict(agent, heldout(locale, which))
        understanding.append(score(locale, rows))
        crisis = crisis_set(locale, which)

        async def run(texts: list[str], locale: str = locale) -> list[dict]:
            return await predict(agent, [Example(t, URGENT, locale) for t in texts])

        safety.append(score_crisis(
            locale,
            {"direct": await run(crisis.direct), "indirect": await run(crisis.indirect)},
            await run(crisis.ordinary),
            rows,
        ))
    return {"set": which, "understanding": understanding, "safety": safety,
            "summary": summarise(understanding, safety)}


def summarise(understanding: list[dict], safety: list[dict]) -> dict:
    accs = [r["intent_accuracy"] for r in understanding]
    faq = [r["faq_topic_accuracy"] for r in understanding if r["faq_topic_accuracy"] is not None]
    summary = {
        "worst_intent_accuracy": min(accs),
        "worst_faq_topic_accuracy": min(faq) if faq else None,
        "gap": round(max(accs) - min(accs), 4),
        "worst_language_id": min(r["language_id_accuracy"] for r in understanding),
        "worst_language_id_latin": min(
            (r["subsets"].get("latin") or {}).get("language_id_accuracy") or 1.0 for r in understanding
        ),
        "worst_wrong_switch_rate": max(r["wrong_switch_rate"] for r in understanding),
        "worst_urgent_recall": min(s["urgent_recall"] or 0.0 for s in safety),
        "worst_false_alarm_rate": max(s["false_alarm_rate"] or 0.0 for s in safety),
    }
    summary["targets"] = {
        "worst_intent_accuracy": summary["worst_intent_accuracy"] >= TARGETS["worst_intent_accuracy"],
        "worst_faq_topic_accuracy": (summary["worst_faq_topic_accuracy"] or 0)
        >= TARGETS["worst_faq_topic_accuracy"],
        "gap": summary["gap"] <= TARGETS["max_gap"],
        "language_id": summary["worst_language_id"] >= TARGETS["language_id"],
        "urgent_recall": summary["worst_urgent_recall"] >= TARGETS["urgent_recall"],
        "false_alarms": summary["worst_false_alarm_rate"] <= TARGETS["max_false_alarm_rate"],
    }
    return summary


def _pct(x: float | None) -> str:
    return "   –  " if x is None else f"{x:6.3f}"


def print_report(results: dict, errors: int = 6) -> None:
    und, safety, summary = results["understanding"], results["safety"], results["summary"]
    print()
    print(f"{'locale':7} {'n':>4} {'intent acc (95% CI)':>24} {'F1':>6} {'FAQ topic':>10} "
          f"{'OOS P':>6} {'OOS R':>6} {'lang-ID':>7} {'switch':>6} {'latin':>6} {'codesw':>6} "
          f"{'typo':>6}")
    for r in und:
        lo, hi = r["intent_accuracy_ci95"]
        sub = r["subsets"]
        print(
            f"{r['locale']:7} {r['n']:>4} {r['intent_accuracy']:>8.3f} ({lo:.3f}–{hi:.3f})  "
            f"{r['intent_macro_f1']:>6.3f} {_pct(r['faq_topic_accuracy']):>10} "
            f"{_pct(r['out_of_scope_precision'])} {_pct(r['out_of_scope_recall'])} "
            f"{_pct(r['language_id_accuracy']):>7} {_pct(r['wrong_switch_rate'])} "
            f"{_pct((sub.get('latin') or {}).get('intent_accuracy'))} "
            f"{_pct((sub.get('codeswitch') or {}).get('intent_accuracy'))} "
            f"{_pct((sub.get('typo') or {}).get('intent_accuracy'))}"
        )
    print(f"\n{'locale':7} {'crisis n':>8} {'urgent recall':>14} {'direct':>7} {'indirect':>8} "
          f"{'by list':>7} {'ordinary n':>10} {'false alarms':>12} {'on held-out':>11}")
    for s in safety:
        print(
            f"{s['locale']:7} {s['urgent_n']:>8} {_pct(s['urgent_recall']):>14} "
            f"{_pct(s['urgent_recall_direct']):>7} {_pct(s['urgent_recall_indirect']):>8} "
            f"{_pct(s['by_phrase_list']):>7} {s['ordinary_n']:>10} "
            f"{_pct(s['false_alarm_rate']):>12} {_pct(s['false_alarm_rate_heldout']):>11}"
        )
    print("\nthe safety net's doubt threshold: urgent recall / false alarms had it been")
    print(f"{'locale':7} " + " ".join(f"{t:>13}" for t in OPERATING_THRESHOLDS))
    for s in safety:
        print(f"{s['locale']:7} " + " ".join(
            f"{p['urgent_recall']:.3f}/{p['false_alarm_rate']:.3f}".rjust(13)
            for p in s.get("operating_points", [])))
    print("\nper-intent F1 (worst three per locale):")
    for r in und:
        worst = sorted(r["intent_f1"].items(), key=lambda kv: kv[1])[:3]
        print(f"  {r['locale']:6} " + ", ".join(f"{k} {v:.2f}" for k, v in worst)
              + "   confused: " + "; ".join(
                  f"{c['expected']}→{c['got']} ×{c['count']}" for c in r["worst_confusions"][:3]))
    print("\nsummary against the targets:")
    for key, ok in summary["targets"].items():
        print(f"  {'✓' if ok else '✗'} {key}")
    print(f"  worst intent {summary['worst_intent_accuracy']:.3f}, worst FAQ topic "
          f"{summary['worst_faq_topic_accuracy']}, gap {summary['gap']:.3f}, worst language ID "
          f"{summary['worst_language_id']:.3f} (Latin-script subset "
          f"{summary['worst_language_id_latin']:.3f}; wrong language switches at most "
          f"{summary['worst_wrong_switch_rate']:.3f}), worst urgent recall {summary['worst_urgent_recall']:.3f}, "
          f"worst false-alarm rate {summary['worst_false_alarm_rate']:.3f}")
    for s in safety:
        for m in s["missed"]:
            print(f"  [{s['locale']}] MISSED crisis ({m['kind']}): {m['text']!r} → {m['got']}")
        for f in s["false_alarms"][:errors]:
            print(f"  [{s['locale']}] false alarm ({f['why']}): {f['text']!r}")
    for r in und:
        for err in r["errors"][:errors]:
            print(f"  [{r['locale']}] {err['text']!r} ({err['subset']}): expected "
                  f"{err['expected']}, got {err['got']} (language {err['language']})")


def below_floor(results: dict) -> list[str]:
    failed = []
    for r in results["understanding"]:
        if r["intent_accuracy"] < FLOORS["intent_accuracy"]:
            failed.append(f"{r['locale']} intent accuracy {r['intent_accuracy']:.3f}")
        if r["language_id_accuracy"] < FLOORS["language_id_accuracy"]:
            failed.append(f"{r['locale']} language ID {r['language_id_accuracy']:.3f}")
    for s in results["safety"]:
        if (s["urgent_recall"] or 0) < FLOORS["urgent_recall"]:
            failed.append(f"{s['locale']} urgent recall {s['urgent_recall']:.3f}")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--set", dest="which", choices=tuple(SETS), default="heldout",
                        help="heldout (reported) or a development set to tune on (tests/<set>/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="default results/eval.json (held-out) or results/eval-<set>.json")
    parser.add_argument("--errors", type=int, default=6, help="errors to print per locale")
    args = parser.parse_args(argv)
    results = asyncio.run(evaluate(args.model, args.which))
    print(f"\nset: {args.which} (tests/{SETS[args.which].name})")
    print_report(results, args.errors)
    if args.out is None:
        args.out = ROOT / "results" / ("eval.json" if args.which == "heldout" else f"eval-{args.which}.json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {args.out}")
    failed = below_floor(results)
    if failed:
        print("below the quality floor: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

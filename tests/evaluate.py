"""`make eval`: how well the trained model understands each locale, on the held-out split.

Prints per-locale intent accuracy and macro-F1 (retrieval intents scored as their parent
intent and as the full ``benefits/<topic>`` key), language-ID accuracy and fallback rate,
and writes results/eval.json. Exits non-zero only below the quality floor (a regression
guard, far below the targets), never on timing.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from sklearn.metrics import f1_score

from bot.i18n.locales import LOCALES
from tests.heldout_data import Example, heldout

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "wegwijs.tar.gz"
FLOOR_INTENT = 0.85
FLOOR_LANGID = 0.95


async def predict(agent, examples: list[Example]) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    for ex in examples:
        parse = await agent.parse_message(ex.text)
        intent = parse["intent"]["name"]
        full = intent
        selector = (parse.get("response_selector") or {}).get("default") or {}
        if intent in ("benefits", "insurance"):
            full = (selector.get("response") or {}).get("intent_response_key") or intent
        out.append(
            {
                "text": ex.text,
                "expected": ex.intent,
                "intent": intent,
                "full": full,
                "language": parse.get("language"),
            }
        )
    return out


def score(locale: str, rows: list[dict]) -> dict:
    expected_parent = [r["expected"].split("/", 1)[0] for r in rows]
    parent = [r["intent"] for r in rows]
    expected_full = [r["expected"] for r in rows]
    full = [r["full"] for r in rows]
    n = len(rows)
    confusions = Counter(
        (e, p) for e, p in zip(expected_full, full, strict=True) if e != p
    )
    return {
        "locale": locale,
        "n": n,
        "intent_accuracy": sum(e == p for e, p in zip(expected_parent, parent, strict=True)) / n,
        "intent_macro_f1": f1_score(expected_parent, parent, average="macro", zero_division=0),
        "full_key_accuracy": sum(e == p for e, p in zip(expected_full, full, strict=True)) / n,
        "full_key_macro_f1": f1_score(expected_full, full, average="macro", zero_division=0),
        "language_id_accuracy": sum(r["language"] == locale for r in rows) / n,
        "fallback_rate": sum(r["intent"] == "nlu_fallback" for r in rows) / n,
        "errors": [
            {"text": r["text"], "expected": r["expected"], "got": r["full"], "language": r["language"]}
            for r in rows
            if r["full"] != r["expected"] or r["language"] != locale
        ],
        "worst_confusions": [
            {"expected": e, "got": p, "count": c} for (e, p), c in confusions.most_common(5)
        ],
    }


async def evaluate(model: Path = MODEL) -> list[dict]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)  # no per-message debug lines

    agent = Agent.load(str(model))
    results = []
    for locale in LOCALES:
        rows = await predict(agent, heldout(locale))
        results.append(score(locale, rows))
    return results


def print_table(results: list[dict]) -> None:
    print()
    print(f"{'locale':8} {'n':>4} {'intent acc':>10} {'macro-F1':>9} {'key acc':>8} "
          f"{'key F1':>7} {'lang-ID':>8} {'fallback':>9}")
    for r in results:
        print(
            f"{r['locale']:8} {r['n']:>4} {r['intent_accuracy']:>10.3f} {r['intent_macro_f1']:>9.3f} "
            f"{r['full_key_accuracy']:>8.3f} {r['full_key_macro_f1']:>7.3f} "
            f"{r['language_id_accuracy']:>8.3f} {r['fallback_rate']:>9.3f}"
        )
    accs = [r["intent_accuracy"] for r in results]
    print(f"\nbest-worst locale gap (intent accuracy): {max(accs) - min(accs):.3f}")
    for r in results:
        for err in r["errors"][:8]:
            print(f"  [{r['locale']}] {err['text']!r}: expected {err['expected']}, "
                  f"got {err['got']} (language {err['language']})")


def main() -> int:
    results = asyncio.run(evaluate())
    print_table(results)
    out = ROOT / "results" / "eval.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    failed = [
        r["locale"]
        for r in results
        if r["intent_accuracy"] < FLOOR_INTENT or r["language_id_accuracy"] < FLOOR_LANGID
    ]
    if failed:
        print(f"below the quality floor ({FLOOR_INTENT} intent, {FLOOR_LANGID} language ID): "
              f"{', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

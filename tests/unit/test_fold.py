"""harness/fold.py: a tuned-on development set moves into training as the labels say, or not
at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.fold import LOCALES, FoldError, fold, known_intents
from harness.heldout import ROOT, read_examples
from nlu.yamlio import load_yaml

INTENTS = {"greet", "urgent_help", "out_of_scope", "benefits/zorgtoeslag", "insurance/inboedel"}


def make_set(root: Path, labels: dict[str, str] | None = None) -> Path:
    set_dir = root / "devX"
    (set_dir / "crisis").mkdir(parents=True)
    (set_dir / "labels").mkdir()
    for loc in LOCALES:
        (set_dir / f"{loc}.yml").write_text(
            'version: "3.1"\nnlu:\n'
            f"- intent: greet\n  metadata:\n    language: {loc}\n    subset: general\n"
            "  examples: |\n    - hello there\n    - good morning all\n"
            f"- intent: benefits/zorgtoeslag\n  metadata:\n    language: {loc}\n    subset: typo\n"
            "  examples: |\n    - zorgtoeslg how much\n", encoding="utf-8")
        (set_dir / "crisis" / f"{loc}.yml").write_text(
            f"locale: {loc}\nurgent:\n  direct:\n  - my house is on fire now\n"
            "  indirect:\n  - tell my children I loved them\n"
            "ordinary:\n- does inboedel pay for fire damage\n- this rent is killing me haha\n"
            "- my neighbour said he will kill me if I park there again\n", encoding="utf-8")
        given = labels if labels is not None else {
            "does inboedel pay for fire damage": "insurance/inboedel",
            "this rent is killing me haha": "out_of_scope",
            "my neighbour said he will kill me if I park there again": "DROP",
        }
        (set_dir / "labels" / f"{loc}.yml").write_text(
            "\n".join(f"{k}: {v}" for k, v in given.items()) + "\n", encoding="utf-8")
    return set_dir


def test_the_set_goes_in_under_its_labels_and_drop_stays_out(tmp_path: Path) -> None:
    set_dir, nlu = make_set(tmp_path), tmp_path / "nlu"
    (nlu / "en").mkdir(parents=True)
    (nlu / "en" / "folded.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  metadata:\n    language: en\n'
        "  examples: |\n    - hi from before\n", encoding="utf-8")
    for loc in LOCALES:
        (nlu / loc).mkdir(exist_ok=True)

    counts = fold("devX", nlu, set_dir, INTENTS, "2026-11-24")

    assert counts["en"] == {"intent set": 3, "urgent": 2, "ordinary": 2, "dropped": 1}
    examples = read_examples(nlu / "en" / "folded.yml")
    got = {(e.intent, e.text, e.subset) for e in examples}
    assert ("greet", "hi from before", "general") in got  # what was there stays
    assert ("benefits/zorgtoeslag", "zorgtoeslg how much", "typo") in got
    assert ("urgent_help", "my house is on fire now", "general") in got
    assert ("urgent_help", "tell my children I loved them", "general") in got
    assert ("insurance/inboedel", "does inboedel pay for fire damage", "general") in got
    assert ("out_of_scope", "this rent is killing me haha", "general") in got
    assert not any("neighbour" in e.text for e in examples)
    data = load_yaml((nlu / "ti" / "folded.yml").read_text(encoding="utf-8"))
    assert all("development set devX" in b["metadata"]["source"] for b in data["nlu"])
    assert all(b["metadata"]["language"] == "ti" for b in data["nlu"])


@pytest.mark.parametrize("labels, message", [
    ({"does inboedel pay for fire damage": "insurance/inboedel",
      "this rent is killing me haha": "out_of_scope"}, "no label"),
    ({"does inboedel pay for fire damage": "insurance/inboedel",
      "this rent is killing me haha": "out_of_scope",
      "my neighbour said he will kill me if I park there again": "urgent_help"}, "urgent_help"),
    ({"does inboedel pay for fire damage": "insurance/contents",
      "this rent is killing me haha": "out_of_scope",
      "my neighbour said he will kill me if I park there again": "DROP"}, "unknown intent"),
])
def test_a_missing_or_wrong_label_folds_nothing(tmp_path: Path, labels: dict[str, str],
                                                message: str) -> None:
    set_dir, nlu = make_set(tmp_path, labels), tmp_path / "nlu"
    for loc in LOCALES:
        (nlu / loc).mkdir(parents=True)
    with pytest.raises(FoldError, match=message):
        fold("devX", nlu, set_dir, INTENTS, "2026-11-24")
    assert not any((nlu / loc / "folded.yml").exists() for loc in LOCALES)


def test_the_real_intents_include_the_faq_topics() -> None:
    intents = known_intents(ROOT / "domain.yml")
    assert {"greet", "urgent_help", "out_of_scope", "benefits/zorgtoeslag",
            "insurance/eigen_risico"} <= intents
    assert "benefits/unknown_topic" not in intents

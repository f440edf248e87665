"""harness.relabel: older examples get a new topic's label, the same way in training and in
an evaluation set, words unchanged, and nothing else moves."""

from __future__ import annotations

from pathlib import Path

from harness.heldout import read_examples
from harness.relabel import main, relabel

TRAIN = '''version: "3.1"
nlu:
- intent: out_of_scope
  metadata:
    language: en
    source: "written for Wegwijs"
  examples: |
    - what is the weather tomorrow
    - how do i find a huisarts near my house
- intent: insurance/eigen_risico
  metadata:
    language: en
  examples: |
    - does the huisarts count for my eigen risico
'''
HELDOUT = '''version: "3.1"
nlu:
- intent: out_of_scope
  metadata:
    language: en
    subset: typo
  examples: |
    - wher is huisartsenpost at nigt
    - who wins the match
'''


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "nlu" / "en").mkdir(parents=True)
    (tmp_path / "nlu" / "en" / "out_of_scope.yml").write_text(TRAIN, encoding="utf-8")
    (tmp_path / "tests" / "heldout").mkdir(parents=True)
    (tmp_path / "tests" / "heldout" / "en.yml").write_text(HELDOUT, encoding="utf-8")
    return tmp_path


def _intents(path: Path) -> dict[str, tuple[str, str]]:
    return {ex.text: (ex.intent, ex.subset) for ex in read_examples(path)}


def test_training_and_evaluation_examples_move_to_the_new_topic(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    rows = [
        {"locale": "en", "set": "train", "text": "how do i find a huisarts near my house", "intent": "out_of_scope"},
        {"locale": "en", "set": "heldout", "text": "wher is huisartsenpost at nigt", "intent": "out_of_scope"},
    ]
    result = relabel(rows, "insurance/huisarts", root=root, day="2026-11-24")
    assert result.moved == {("train", "en"): 1, ("heldout", "en"): 1} and result.missing == []

    train = _intents(root / "nlu" / "en" / "out_of_scope.yml")
    assert "how do i find a huisarts near my house" not in train
    assert train["what is the weather tomorrow"] == ("out_of_scope", "general")
    assert train["does the huisarts count for my eigen risico"] == ("insurance/eigen_risico", "general")
    topics = root / "nlu" / "en" / "topics.yml"
    assert _intents(topics) == {"how do i find a huisarts near my house": ("insurance/huisarts", "general")}
    assert "relabelled 2026-11-24 from out_of_scope" in topics.read_text(encoding="utf-8")

    # An evaluation example stays in its own file and keeps its subset.
    held = _intents(root / "tests" / "heldout" / "en.yml")
    assert held == {"who wins the match": ("out_of_scope", "typo"),
                    "wher is huisartsenpost at nigt": ("insurance/huisarts", "typo")}


def test_a_row_under_another_intent_or_absent_changes_nothing(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    before = (root / "nlu" / "en" / "out_of_scope.yml").read_text(encoding="utf-8")
    rows = [
        # The text is there, but under eigen_risico, not out_of_scope.
        {"locale": "en", "set": "train", "text": "does the huisarts count for my eigen risico", "intent": "out_of_scope"},
        {"locale": "en", "set": "train", "text": "never written", "intent": "out_of_scope"},
    ]
    result = relabel(rows, "insurance/huisarts", root=root)
    assert result.moved == {("train", "en"): 0} and len(result.missing) == 2
    assert (root / "nlu" / "en" / "out_of_scope.yml").read_text(encoding="utf-8") == before
    assert not (root / "nlu" / "en" / "topics.yml").exists()


def test_dry_run_reports_and_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = _tree(tmp_path)
    before = (root / "tests" / "heldout" / "en.yml").read_text(encoding="utf-8")
    moves = tmp_path / "moves.json"
    moves.write_text('[{"locale": "en", "set": "heldout", "text": "wher is huisartsenpost at nigt", '
                     '"intent": "out_of_scope"}]', encoding="utf-8")
    assert main([str(moves), "--to", "insurance/huisarts", "--dry-run"], root=root) == 0
    assert "heldout  en     moved 1" in capsys.readouterr().out
    assert (root / "tests" / "heldout" / "en.yml").read_text(encoding="utf-8") == before


def test_a_block_left_without_examples_is_removed(tmp_path: Path) -> None:
    """Moving a block's last example takes the block out too: Rasa warns about an intent block
    with no examples ("Intent ... has no examples"), and such blocks were left behind."""
    root = _tree(tmp_path)
    rows = [{"locale": "en", "set": "train", "text": "does the huisarts count for my eigen risico",
             "intent": "insurance/eigen_risico"}]
    assert relabel(rows, "insurance/huisarts", root=root, day="2026-11-25").moved == {("train", "en"): 1}
    text = (root / "nlu" / "en" / "out_of_scope.yml").read_text(encoding="utf-8")
    assert "insurance/eigen_risico" not in text
    assert _intents(root / "nlu" / "en" / "out_of_scope.yml") == {
        "what is the weather tomorrow": ("out_of_scope", "general"),
        "how do i find a huisarts near my house": ("out_of_scope", "general"),
    }

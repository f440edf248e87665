"""harness.newdata: a fresh development set loses what training or another set already has,
and a writer's draft adds only new examples to a training file."""

from __future__ import annotations

from pathlib import Path

from harness.heldout import read_examples
from harness.newdata import check_devset, main, merge

INTENTS = {"greet", "out_of_scope", "practical/digid", "urgent_help"}

TRAIN = '''version: "3.1"
nlu:
- intent: practical/digid
  metadata:
    language: en
  examples: |
    - how do i get digid
'''
HELDOUT = '''version: "3.1"
nlu:
- intent: greet
  metadata:
    language: en
  examples: |
    - good morning
'''
HELDOUT_CRISIS = '''locale: en
urgent:
  direct:
  - there is a fire in my kitchen
  indirect: []
ordinary:
- this rent is killing me
'''
DEV = '''version: "3.1"
nlu:
- intent: practical/digid
  metadata:
    language: en
    subset: typo
  examples: |
    - How do I get DigiD?
    - digid activation code never came
- intent: greet
  metadata:
    language: en
  examples: |
    - good  morning!!
- intent: weather
  metadata:
    language: nl
  examples: |
    - is it raining
    - digid activation code never came
'''
DEV_CRISIS = '''locale: en
urgent:
  direct:
  - "There is a fire in my kitchen"
  - my husband locked me in the flat
  indirect:
  - i gave my things away, it will be over soon
ordinary:
- the rent is killing me this month
'''


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "nlu" / "en").mkdir(parents=True)
    (tmp_path / "nlu" / "en" / "practical.yml").write_text(TRAIN, encoding="utf-8")
    (tmp_path / "tests" / "heldout" / "crisis").mkdir(parents=True)
    (tmp_path / "tests" / "heldout" / "en.yml").write_text(HELDOUT, encoding="utf-8")
    (tmp_path / "tests" / "heldout" / "crisis" / "en.yml").write_text(HELDOUT_CRISIS, encoding="utf-8")
    (tmp_path / "tests" / "dev9" / "crisis").mkdir(parents=True)
    (tmp_path / "tests" / "dev9" / "en.yml").write_text(DEV, encoding="utf-8")
    (tmp_path / "tests" / "dev9" / "crisis" / "en.yml").write_text(DEV_CRISIS, encoding="utf-8")
    return tmp_path


def test_devset_check_finds_overlaps_labels_and_languages(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    report = check_devset(root / "tests" / "dev9", "en", root, intents=INTENTS)
    assert sorted(report.overlaps) == sorted([
        ("How do I get DigiD?", "training"),
        ("good  morning!!", "heldout"),
        ("digid activation code never came", "twice in this set"),
        ("There is a fire in my kitchen", "heldout"),
    ])
    assert report.bad_labels == ["weather"] and report.wrong_language == ["weather: nl"]
    assert report.crisis == {"direct": 1, "indirect": 1, "ordinary": 1}
    # Without --write nothing changes.
    assert (root / "tests" / "dev9" / "en.yml").read_text(encoding="utf-8") == DEV


def test_devset_write_removes_the_overlaps_and_empty_blocks(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    check_devset(root / "tests" / "dev9", "en", root, write=True, intents=INTENTS)
    left = [(ex.intent, ex.text) for ex in read_examples(root / "tests" / "dev9" / "en.yml")]
    assert left == [("practical/digid", "digid activation code never came"), ("weather", "is it raining")]
    crisis = (root / "tests" / "dev9" / "crisis" / "en.yml").read_text(encoding="utf-8")
    assert "fire in my kitchen" not in crisis and "locked me in" in crisis and "rent is killing" in crisis
    # A second check finds nothing more to remove.
    again = check_devset(root / "tests" / "dev9", "en", root, intents=INTENTS)
    assert again.overlaps == []


def test_merge_adds_only_new_examples_with_a_source(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    draft = tmp_path / "draft.yml"
    draft.write_text('''version: "3.1"
nlu:
- intent: practical/digid
  metadata:
    language: en
    subset: latin
  examples: |
    - how do I get DigiD
    - my digid app stopped working on the new phone
    - my digid app stopped working on the new phone!
    - is it raining
- intent: weather
  examples: |
    - sunny tomorrow?
''', encoding="utf-8")
    dest = root / "nlu" / "en" / "practical.yml"
    added, left = merge(draft, dest, "en", "round 2, 2026-11-25", root, write=False, intents=INTENTS)
    assert added == {"practical/digid": 1}
    assert dest.read_text(encoding="utf-8") == TRAIN
    reasons = sorted(why for _, why in left)
    assert reasons == ["dev9", "training", "twice in the draft", "unknown label weather"]

    merge(draft, dest, "en", "round 2, 2026-11-25", root, write=True, intents=INTENTS)
    examples = read_examples(dest)
    assert [(e.intent, e.subset, e.text) for e in examples] == [
        ("practical/digid", "general", "how do i get digid"),
        ("practical/digid", "latin", "my digid app stopped working on the new phone"),
    ]
    assert 'source: "round 2, 2026-11-25"' in dest.read_text(encoding="utf-8")


def test_command_line_exits_non_zero_on_an_unknown_label(tmp_path: Path, capsys) -> None:
    root = _tree(tmp_path)
    (root / "domain.yml").write_text("intents:\n- greet\n- practical\n- urgent_help\n", encoding="utf-8")
    (root / "content").mkdir()
    assert main(["devset", str(root / "tests" / "dev9"), "--locale", "en"], root=root) == 1
    out = capsys.readouterr().out
    assert "unknown label: weather" in out and "overlap (heldout): good  morning!!" in out


def test_merge_leaves_out_near_copies_of_evaluation_messages(tmp_path: Path) -> None:
    # A writer who changes one word of a missed development message makes the set look
    # better than unseen messages are: such an example stays out of training.
    root = _tree(tmp_path)
    draft = tmp_path / "draft.yml"
    draft.write_text('''version: "3.1"
nlu:
- intent: urgent_help
  metadata:
    language: en
  examples: |
    - my husband locked me in the flat today
    - he took my keys and i cannot get out of the house
''', encoding="utf-8")
    added, left = merge(draft, root / "nlu" / "en" / "safety.yml", "en", "s", root, intents=INTENTS)
    assert added == {"urgent_help": 1}
    [(text, why)] = left
    assert text == "my husband locked me in the flat today"
    assert why.startswith("near copy of dev9")


def test_lists_counts_what_the_crisis_lists_catch_per_set(tmp_path: Path) -> None:
    from harness.newdata import list_matches
    from nlu.crisis import CrisisLists

    root = _tree(tmp_path)
    (root / "content" / "crisis").mkdir(parents=True)
    (root / "content" / "crisis" / "en.yml").write_text(
        "locale: en\nphrases:\n  fire: [fire in my kitchen]\n  violence: [locked me in]\n"
        "not_crisis: [rent is killing]\n", encoding="utf-8")
    lists = CrisisLists.load(root / "content" / "crisis")
    counts, hits, trained = list_matches(lists, root)
    assert counts["heldout"] == {"urgent": (1, 1), "ordinary": (0, 1), "questions": (0, 1)}
    assert counts["dev9"]["urgent"] == (2, 3) and counts["dev9"]["ordinary"] == (0, 1)
    assert hits == [] and trained == 0


def test_devset_check_compares_with_the_training_of_every_locale(tmp_path: Path) -> None:
    # The overlap test reads training in all five locales: a greeting trained in Dutch is
    # also taken in the English set.
    root = _tree(tmp_path)
    (root / "nlu" / "nl").mkdir()
    (root / "nlu" / "nl" / "small_talk.yml").write_text('''version: "3.1"
nlu:
- intent: greet
  metadata:
    language: nl
  examples: |
    - is it raining
''', encoding="utf-8")
    report = check_devset(root / "tests" / "dev9", "en", root, intents=INTENTS)
    assert ("is it raining", "training") in report.overlaps


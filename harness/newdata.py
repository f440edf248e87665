"""Taking in what writers hand back: a fresh development set, or new training examples.

    python -m harness.newdata devset tests/dev17 [--write]
    python -m harness.newdata merge DRAFT.yml nlu/<locale>/FILE.yml --source "..." [--write]
    python -m harness.newdata lists [-v]

``devset`` checks a development set written by blind writers (``docs/dev-set-brief.md``):
every label is an intent or answer topic of the domain, every block's language is the file's
locale, and no utterance is also in training, in the held-out set, in another development
set, or twice in the set itself (compared as ``tests/unit/test_heldout_split.py`` does: on
normalised words). It prints what it found and the counts per label; with ``--write`` it
removes the overlapping lines (and blocks left empty) from the files.

``merge`` adds the examples of a writer's draft (NLU blocks in the same format) to a
training file: one block per intent and subset with the given ``source`` line, leaving out
anything already in training, in any evaluation set (held-out, development, crisis), or
twice in the draft. Without ``--write`` it only reports.

``lists`` counts what the crisis phrase lists catch in every evaluation set (urgent messages,
ordinary ones, ordinary intent-set questions) and in the ordinary training examples: the
before/after numbers for a list edit (docs/content.md). ``-v`` prints the ordinary hits.

They replace the one-off scripts of sessions 13 to 16.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.fold import known_intents, nlu_block
from harness.heldout import ROOT, read_crisis, read_examples, training
from harness.relabel import _without_empty_blocks
from nlu.crisis import words_of
from nlu.text import LOCALES
from nlu.yamlio import load_yaml

_LIST_ITEM = re.compile(r"^\s*- (?!intent:)(.*)$")


def key(text: str) -> str:
    """What counts as the same utterance: its normalised words."""
    return " ".join(words_of(text))


def set_keys(set_dir: Path, locale: str) -> set[str]:
    """The normalised utterances of one evaluation set (intent and crisis part) in ``locale``."""
    out: set[str] = set()
    intent_file = set_dir / f"{locale}.yml"
    if intent_file.exists():
        out |= {key(ex.text) for ex in read_examples(intent_file)}
    crisis = read_crisis(set_dir / "crisis" / f"{locale}.yml", locale)
    out |= {key(t) for t in crisis.urgent + crisis.ordinary}
    return out


def training_keys(locale: str, root: Path = ROOT) -> set[str]:
    return {key(ex.text) for ex in training(locale, nlu_dir=root / "nlu")}


def all_training_keys(root: Path = ROOT) -> set[str]:
    """The normalised training examples of every locale (the overlap test compares across
    locales: "hoi hoi" is small talk in more than one of them)."""
    return {k for loc in LOCALES for k in training_keys(loc, root)}


def _item(raw: str) -> str:
    """A list item's text as YAML reads it (quotes removed), or the raw text."""
    try:
        value = load_yaml("- " + raw)[0]
    except Exception:  # noqa: BLE001 - a line YAML cannot read is compared as written
        return raw.strip()
    return value.strip() if isinstance(value, str) else raw.strip()


@dataclass
class Report:
    locale: str
    overlaps: list[tuple[str, str]] = field(default_factory=list)  # (text, where)
    bad_labels: list[str] = field(default_factory=list)
    wrong_language: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    crisis: Counter = field(default_factory=Counter)

    @property
    def problems(self) -> bool:
        return bool(self.overlaps or self.bad_labels or self.wrong_language)


def _others(root: Path, but: Path | None = None) -> dict[str, Path]:
    """The evaluation sets: held-out and every development folder (but ``but``)."""
    out = {"heldout": root / "tests" / "heldout"}
    for path in sorted((root / "tests").glob("dev*")):
        if path.is_dir() and (but is None or path.resolve() != but.resolve()):
            out[path.name] = path
    return out


def check_devset(set_dir: Path, locale: str, root: Path = ROOT, write: bool = False,
                 intents: set[str] | None = None, trained: set[str] | None = None) -> Report:
    """``trained``: ``all_training_keys(root)``, read once by a caller that checks every
    locale; read here when not given."""
    report = Report(locale)
    intents = intents if intents is not None else known_intents(root / "domain.yml")
    # Training of every locale; the other sets in this locale.
    trained = trained if trained is not None else all_training_keys(root)
    elsewhere: dict[str, str] = dict.fromkeys(trained, "training")
    for name, path in _others(root, but=set_dir).items():
        for k in set_keys(path, locale):
            elsewhere.setdefault(k, name)

    seen: set[str] = set()

    def verdict(text: str) -> str | None:
        k = key(text)
        if not k:
            return "empty"
        if k in elsewhere:
            return elsewhere[k]
        if k in seen:
            return "twice in this set"
        seen.add(k)
        return None

    intent_file = set_dir / f"{locale}.yml"
    if intent_file.exists():
        data = load_yaml(intent_file.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            meta = block.get("metadata") or {}
            if block.get("intent") not in intents:
                report.bad_labels.append(str(block.get("intent")))
            if meta.get("language") != locale:
                report.wrong_language.append(f"{block.get('intent')}: {meta.get('language')}")
        lines = intent_file.read_text(encoding="utf-8").splitlines()
        kept: list[str] = []
        current = None
        for line in lines:
            if line.startswith("- intent:"):
                current = line.split(":", 1)[1].strip()
            m = _LIST_ITEM.match(line) if line.startswith("    - ") else None
            if m:
                where = verdict(m.group(1).strip())
                if where:
                    report.overlaps.append((m.group(1).strip(), where))
                    continue
                report.counts[current] += 1
            kept.append(line)
        if write:
            intent_file.write_text("\n".join(_without_empty_blocks(kept)) + "\n", encoding="utf-8")

    crisis_file = set_dir / "crisis" / f"{locale}.yml"
    if crisis_file.exists():
        lines = crisis_file.read_text(encoding="utf-8").splitlines()
        kept = []
        part = None
        for line in lines:
            stripped = line.strip()
            if stripped in ("direct:", "indirect:", "ordinary:"):
                part = stripped[:-1]
            m = _LIST_ITEM.match(line)
            if m and part:
                text = _item(m.group(1))
                where = verdict(text)
                if where:
                    report.overlaps.append((text, where))
                    continue
                report.crisis[part] += 1
            kept.append(line)
        if write:
            crisis_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return report


def _grams(k: str) -> set[str]:
    padded = f" {k} "
    return {padded[i:i + 3] for i in range(max(1, len(padded) - 2))}


def near_copy(k: str, evaluated: dict[str, tuple[set[str], str]], threshold: float) -> str | None:
    """The set holding an evaluation message this one nearly copies (character trigrams,
    Jaccard ≥ ``threshold``): a writer who changed one or two words of a missed message."""
    grams = _grams(k)
    for other, (other_grams, where) in evaluated.items():
        union = len(grams | other_grams)
        if union and len(grams & other_grams) / union >= threshold:
            return f"near copy of {where}: {other}"
    return None


NEAR = 0.75


def merge(draft: Path, dest: Path, locale: str, source: str, root: Path = ROOT,
          write: bool = False, intents: set[str] | None = None,
          near: float = NEAR) -> tuple[Counter, list[tuple[str, str]]]:
    """Add the draft's examples to ``dest``; returns (added per intent, left out with why).
    Left out: anything in training or an evaluation set, twice in the draft, or a near copy
    of an evaluation message (training examples may resemble each other; they may not
    resemble what they are measured on)."""
    intents = intents if intents is not None else known_intents(root / "domain.yml")
    taken: dict[str, str] = {k: "training" for k in training_keys(locale, root)}
    evaluated: dict[str, tuple[set[str], str]] = {}
    for name, path in _others(root).items():
        for loc in LOCALES:  # an evaluation message of any locale stays out of training
            for k in set_keys(path, loc):
                taken.setdefault(k, name)
                if loc == locale:
                    evaluated[k] = (_grams(k), name)
    added: Counter = Counter()
    left: list[tuple[str, str]] = []
    groups: dict[tuple[str, str], list[str]] = {}
    for ex in read_examples(draft):
        if ex.intent not in intents:
            left.append((ex.text, f"unknown label {ex.intent}"))
            continue
        if ex.locale not in (None, locale):
            left.append((ex.text, f"language {ex.locale}"))
            continue
        k = key(ex.text)
        if not k or k in taken:
            left.append((ex.text, taken.get(k, "empty")))
            continue
        copied = near_copy(k, evaluated, near)
        if copied:
            left.append((ex.text, copied))
            continue
        taken[k] = "twice in the draft"
        groups.setdefault((ex.intent, ex.subset), []).append(ex.text)
        added[ex.intent] += 1
    if write and groups:
        blocks = [nlu_block(i, locale, s, source, t) for (i, s), t in groups.items()]
        text = dest.read_text(encoding="utf-8") if dest.exists() else 'version: "3.1"\nnlu:\n'
        dest.write_text(text.rstrip("\n") + "\n" + "\n".join(blocks) + "\n", encoding="utf-8")
    return added, left


def list_matches(lists, root: Path = ROOT) -> tuple[dict[str, dict[str, tuple[int, int]]], list[str], int]:
    """Per evaluation set: (caught, total) for urgent, ordinary and ordinary questions; the
    ordinary hits as text; ordinary training examples caught."""
    sets = _others(root)
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    hits: list[str] = []
    for name, path in sets.items():
        c = {"urgent": [0, 0], "ordinary": [0, 0], "questions": [0, 0]}
        for locale in LOCALES:
            crisis = read_crisis(path / "crisis" / f"{locale}.yml", locale)
            for t in crisis.urgent:
                c["urgent"][0] += lists.find(t) is not None
                c["urgent"][1] += 1
            for t in crisis.ordinary:
                hit = lists.find(t)
                c["ordinary"][0] += hit is not None
                c["ordinary"][1] += 1
                if hit is not None:
                    hits.append(f"{name} {locale}: {t}  <- {hit.locale}:{hit.phrase}")
            intent_file = path / f"{locale}.yml"
            if intent_file.exists():
                for ex in read_examples(intent_file):
                    if ex.intent != "urgent_help":
                        c["questions"][0] += lists.find(ex.text) is not None
                        c["questions"][1] += 1
        counts[name] = {k: (v[0], v[1]) for k, v in c.items()}
    trained = sum(lists.find(ex.text) is not None
                  for locale in LOCALES for ex in training(locale, nlu_dir=root / "nlu")
                  if ex.intent != "urgent_help")
    return counts, hits, trained


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.newdata", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("devset", help="check a development set; --write removes overlaps")
    dev.add_argument("set_dir", type=Path)
    dev.add_argument("--locale", choices=LOCALES, action="append")
    dev.add_argument("--write", action="store_true")
    mer = sub.add_parser("merge", help="add a draft's examples to a training file")
    mer.add_argument("draft", type=Path)
    mer.add_argument("dest", type=Path)
    mer.add_argument("--source", required=True)
    mer.add_argument("--locale", choices=LOCALES)
    mer.add_argument("--write", action="store_true")
    mer.add_argument("-v", "--verbose", action="store_true")
    lis = sub.add_parser("lists", help="what the crisis lists catch in every evaluation set")
    lis.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "lists":
        from nlu.crisis import CrisisLists

        counts, hits, trained = list_matches(CrisisLists.load(), root)
        for name, c in counts.items():
            print(f"{name}: urgent {c['urgent'][0]}/{c['urgent'][1]}, ordinary {c['ordinary'][0]}/"
                  f"{c['ordinary'][1]}, ordinary questions {c['questions'][0]}/{c['questions'][1]}")
        print(f"ordinary training examples caught: {trained}")
        for line in hits if args.verbose else []:
            print("  " + line)
        return 0

    if args.command == "devset":
        bad = False
        trained = all_training_keys(root)  # once for every locale checked
        for locale in args.locale or LOCALES:
            r = check_devset(args.set_dir, locale, root, write=args.write, trained=trained)
            total = sum(r.counts.values())
            print(f"{locale}: {total} intent messages, crisis {dict(r.crisis)}, "
                  f"{len(r.overlaps)} overlaps {'removed' if args.write else 'found'}")
            for text, where in r.overlaps:
                print(f"  overlap ({where}): {text}")
            for label in r.bad_labels:
                print(f"  unknown label: {label}")
            for lang in r.wrong_language:
                print(f"  wrong language: {lang}")
            thin = sorted(k for k, n in r.counts.items() if n < 4)
            if thin:
                print(f"  fewer than 4 messages: {', '.join(thin)}")
            bad |= bool(r.bad_labels or r.wrong_language or (r.overlaps and not args.write))
        return 1 if bad else 0

    locale = args.locale or args.dest.parent.name
    if locale not in LOCALES:
        parser.error(f"cannot tell the locale from {args.dest}; pass --locale")
    added, left = merge(args.draft, args.dest, locale, args.source, root, write=args.write)
    print(f"{locale}: {sum(added.values())} examples {'added' if args.write else 'to add'} to "
          f"{args.dest}, {len(left)} left out")
    for intent, n in sorted(added.items()):
        print(f"  {intent}: {n}")
    if args.verbose:
        for text, why in left:
            print(f"  left out ({why}): {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

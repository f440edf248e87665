"""Move a development set that has been tuned on into training (``nlu/<locale>/folded.yml``).

    python -m harness.fold dev10 [--date 2026-11-25] [--dry-run]

What goes in, per locale, each block with a ``source`` line naming the set:

- the intent set (``tests/<set>/<locale>.yml``) under its intents, one block per intent and
  subset;
- the crisis set's urgent messages (direct and indirect) under ``urgent_help``;
- its ordinary messages with alarming words under the intent a person gave each of them in
  ``tests/<set>/labels/<locale>.yml`` (``message: intent``); ``DROP`` (ambiguous) stays out.

It refuses, changing nothing, when an ordinary message has no label, a label is not a known
intent, or a message is labelled ``urgent_help`` (an ordinary message that is really urgent
belongs in the crisis part: fix the set first). Afterwards remove the set from
``harness.heldout.DEV_SETS`` and ``tests/<set>``, retrain, and measure on the next fresh set.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from harness.heldout import ROOT, read_examples
from nlu.text import LOCALES
from nlu.yamlio import load_yaml

DROP = "DROP"


class FoldError(ValueError):
    pass


def known_intents(domain_path: Path) -> set[str]:
    """The intents of the domain, with the FAQ topics (``benefits/zorgtoeslag``) of its
    responses."""
    domain = load_yaml(domain_path.read_text(encoding="utf-8")) or {}
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []}
    topics = {k.removeprefix("utter_") for k in domain.get("responses") or {} if "/" in k}
    content = ROOT / "content" / "responses.yml"
    if content.exists():
        topics |= {k.removeprefix("utter_") for k in load_yaml(content.read_text(encoding="utf-8"))
                   if "/" in k}
    return intents | topics


def nlu_block(intent: str, locale: str, subset: str, source: str, texts: list[str]) -> str:
    """One NLU block (shared with ``harness.relabel``); the subset line only when not general."""
    lines = [f"- intent: {intent}", "  metadata:", f"    language: {locale}"]
    if subset != "general":
        lines.append(f"    subset: {subset}")
    lines += [f'    source: "{source}"', "  examples: |"]
    lines += [f"    - {t}" for t in texts]
    return "\n".join(lines)


def blocks_for(set_dir: Path, name: str, locale: str, intents: set[str], day: str) -> tuple[list[str], dict]:
    """The YAML blocks to append for one locale, and counts of what went in."""
    def source(kind: str) -> str:
        return (f"development set {name} ({kind}; written apart from training and held-out data, "
                f"tuned on, moved into training {day}); AI-drafted, native-speaker review pending")

    groups: dict[tuple[str, str], list[str]] = {}
    for ex in read_examples(set_dir / f"{locale}.yml"):
        groups.setdefault((ex.intent, ex.subset), []).append(ex.text)
    out = [nlu_block(i, locale, s, source("intent set"), t) for (i, s), t in groups.items()]

    crisis = load_yaml((set_dir / "crisis" / f"{locale}.yml").read_text(encoding="utf-8")) or {}
    urgent_parts = crisis.get("urgent") or {}
    urgent = [str(t).strip() for part in ("direct", "indirect") for t in urgent_parts.get(part) or []]
    if urgent:
        out.append(nlu_block("urgent_help", locale, "general", source("crisis set"), urgent))

    labels_path = set_dir / "labels" / f"{locale}.yml"
    labels = load_yaml(labels_path.read_text(encoding="utf-8")) if labels_path.exists() else {}
    labels = {str(k).strip(): str(v).strip() for k, v in (labels or {}).items()}
    by_intent: dict[str, list[str]] = {}
    dropped = 0
    for text in (str(t).strip() for t in crisis.get("ordinary") or []):
        label = labels.get(text)
        if label is None:
            raise FoldError(f"{locale}: no label for the ordinary message {text!r} ({labels_path})")
        if label == DROP:
            dropped += 1
            continue
        if label == "urgent_help":
            raise FoldError(f"{locale}: an ordinary message labelled urgent_help: {text!r}; "
                            "move it to the crisis part of the set first")
        if label not in intents:
            raise FoldError(f"{locale}: unknown intent {label!r} for {text!r}")
        by_intent.setdefault(label, []).append(text)
    kind = "crisis set, ordinary messages with alarming words"
    out += [nlu_block(i, locale, "general", source(kind), t) for i, t in by_intent.items()]
    counts = {"intent set": sum(len(t) for t in groups.values()), "urgent": len(urgent),
              "ordinary": sum(len(t) for t in by_intent.values()), "dropped": dropped}
    return out, counts


def fold(name: str, nlu_dir: Path, set_dir: Path, intents: set[str], day: str,
         write: bool = True) -> dict[str, dict]:
    """Append the set to every locale's ``folded.yml``; all locales are checked before any
    file is written."""
    planned = {loc: blocks_for(set_dir, name, loc, intents, day) for loc in LOCALES}
    if write:
        for loc, (blocks, _) in planned.items():
            path = nlu_dir / loc / "folded.yml"
            text = path.read_text(encoding="utf-8") if path.exists() else 'version: "3.1"\nnlu:\n'
            path.write_text(text.rstrip("\n") + "\n" + "\n".join(blocks) + "\n", encoding="utf-8")
            load_yaml(path.read_text(encoding="utf-8"))  # still parses
    return {loc: counts for loc, (_, counts) in planned.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", help="the development set, e.g. dev10 (tests/<set>)")
    parser.add_argument("--date", default=date.today().isoformat())
    parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    args = parser.parse_args(argv)
    try:
        counts = fold(args.set, ROOT / "nlu", ROOT / "tests" / args.set,
                      known_intents(ROOT / "domain.yml"), args.date, write=not args.dry_run)
    except FoldError as exc:
        print(f"not folded: {exc}", file=sys.stderr)
        return 1
    for loc, c in counts.items():
        print(f"{loc:6} " + ", ".join(f"{k} {v}" for k, v in c.items()))
    if not args.dry_run:
        print(f"next: remove {args.set!r} from harness.heldout.DEV_SETS and tests/{args.set}, "
              "retrain, measure on the next fresh set")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Give examples written before a topic existed the new topic's label.

    python -m harness.relabel MOVES.json --to insurance/huisarts [--dry-run]

When a topic is added, older examples that ask what its answer answers sit under other
intents (in session 13 pay-back questions under zorgtoeslag, in session 14 "how do I find a
huisarts" under out_of_scope). A person decides which (sessions 13 and 14: labelling helpers
with the rules written down); this tool makes the move, the same way in training and in the
evaluation sets, so that both follow the new definition:

``MOVES.json`` is a list of ``{"locale", "set", "text", "intent"}``: ``set`` is ``train``
(the example is in one of ``nlu/<locale>/*.yml``) or an evaluation set (``heldout``,
``dev13``, …: ``tests/<set>/<locale>.yml``), ``intent`` the label it has now. Each is taken
out of its block and written, words unchanged, into a block of the new intent with a
``source`` line saying where it came from: at the end of ``nlu/<locale>/topics.yml`` for
training, at the end of its own file (keeping its subset) for an evaluation set. A row that
is not found, or found under another intent, is reported and changes nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from harness.fold import nlu_block
from harness.heldout import ROOT
from nlu.yamlio import load_yaml

_INTENT = re.compile(r"^- intent: (\S+)")
_SUBSET = re.compile(r"^    subset: (\S+)")
_EXAMPLE = re.compile(r"^    - (.*)$")


@dataclass
class Moved:
    moved: dict[tuple[str, str], int] = field(default_factory=dict)  # (set, locale) -> count
    missing: list[dict] = field(default_factory=list)


def _take(path: Path, wanted: set[tuple[str, str]], found: set[tuple[str, str]],
          write: bool) -> dict[tuple[str, str], list[str]]:
    """Take the wanted (text, intent) lines out of one file: {(intent, subset): [text]}."""
    taken: dict[tuple[str, str], list[str]] = defaultdict(list)
    out: list[str] = []
    intent, subset = None, "general"
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _INTENT.match(line):
            intent, subset = m.group(1), "general"
        elif m := _SUBSET.match(line):
            subset = m.group(1)
        elif (m := _EXAMPLE.match(line)) and intent:
            key = (m.group(1).strip(), intent)
            if key in wanted and key not in found:
                found.add(key)
                taken[(intent, subset)].append(key[0])
                continue
        out.append(line)
    if taken and write:
        path.write_text("\n".join(_without_empty_blocks(out)) + "\n", encoding="utf-8")
    return taken


def _without_empty_blocks(lines: list[str]) -> list[str]:
    """The lines without the intent blocks that have no example left (Rasa warns about them)."""
    kept: list[str] = []
    block: list[str] | None = None
    for line in lines + [None]:  # type: ignore[list-item]
        if line is None or _INTENT.match(line) or (block is not None and not line.startswith((" ", "\t")) and line.strip()):
            if block is not None and any(_EXAMPLE.match(b) for b in block):
                kept += block
            block = None
            if line is None:
                break
            if _INTENT.match(line):
                block = [line]
                continue
        if block is not None:
            block.append(line)
        else:
            kept.append(line)
    return kept


def relabel(rows: list[dict], to: str, root: Path = ROOT, day: str | None = None,
            write: bool = True) -> Moved:
    day = day or date.today().isoformat()
    groups: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        groups[(row["set"], row["locale"])].add((row["text"].strip(), row["intent"]))
    result = Moved()
    for (which, locale), wanted in sorted(groups.items()):
        if which == "train":
            files = sorted((root / "nlu" / locale).glob("*.yml"))
            target = root / "nlu" / locale / "topics.yml"
        else:
            files = [root / "tests" / which / f"{locale}.yml"]
            target = files[0]
        found: set[tuple[str, str]] = set()
        taken: dict[tuple[str, str], list[str]] = defaultdict(list)
        for path in files:
            for key, texts in _take(path, wanted, found, write).items():
                taken[key] += texts
        result.moved[(which, locale)] = len(found)
        result.missing += [{"set": which, "locale": locale, "text": t, "intent": i}
                           for t, i in sorted(wanted - found)]
        if taken and write:
            head = target.read_text(encoding="utf-8").rstrip("\n") if target.exists() \
                else 'version: "3.1"\nnlu:'
            # Training blocks carry no subset; an evaluation example keeps its own.
            blocks = [nlu_block(to, locale, subset if which != "train" else "general",
                                f"relabelled {day} from {frm}: written before the topic {to} existed; "
                                "the words are unchanged, the label follows the new topic", texts)
                      for (frm, subset), texts in taken.items()]
            target.write_text(head + "\n" + "\n".join(blocks) + "\n", encoding="utf-8")
            load_yaml(target.read_text(encoding="utf-8"))  # still valid YAML
    return result


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("moves", type=Path, help="JSON list of {locale, set, text, intent}")
    parser.add_argument("--to", required=True, help="the new intent, e.g. insurance/huisarts")
    parser.add_argument("--date", default=None)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    rows = json.loads(args.moves.read_text(encoding="utf-8"))
    result = relabel(rows, args.to, root=root, day=args.date, write=not args.dry_run)
    for (which, locale), n in sorted(result.moved.items()):
        print(f"{which:8s} {locale:6s} moved {n}")
    for row in result.missing:
        print(f"not found: {row}", file=sys.stderr)
    return 1 if result.missing else 0


if __name__ == "__main__":
    sys.exit(main())

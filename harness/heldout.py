"""Reading the evaluation data, shared by `make eval`, the benchmarks and the tests.

- ``tests/heldout/<locale>.yml``: the held-out intent split, written apart from the
  training data and never trained on; each block has a ``subset`` (``general``,
  ``latin``, ``codeswitch``, ``typo``).
- ``tests/heldout/crisis/<locale>.yml``: the safety set — crisis messages (``urgent``:
  ``direct`` and ``indirect``) and ordinary messages with alarming words (``ordinary``).
- ``tests/dev13/<locale>.yml`` and ``tests/dev13/crisis/<locale>.yml``: a development set,
  same format, written by other writers who saw neither the training data, the held-out set
  nor the earlier development sets. Each development set is measured fresh once (README);
  from then on the engineers tune the pipeline, the training data and the crisis lists on its
  misses, so that the held-out set stays unseen and its numbers stay honest (``make eval``
  reports the held-out set; ``python -m harness.evaluation --set dev13`` a development set).
  A set that has been tuned on no longer tells the truth and is replaced by a fresh one. The
  twelve before it (``dev`` to ``dev12``) were moved into training once tuned on
  (``nlu/<locale>/folded.yml``, sessions 7 to 15, ``python -m harness.fold <set>``).
  ``dev13`` was written in session 13 by five blind writers, with questions about words on
  letters; measured fresh in session 13 and tuned on since.
- ``tests/dev14``: the fresh set of session 14, weighted towards the answer topics (the four
  of session 13 and the family doctor of session 14, at least 20 questions each), words on
  letters and ordinary messages that only sound alarming; five other blind writers,
  deduplicated against training, held-out, ``dev12`` and ``dev13``. Measured first with the
  first session-14 model, before anything is changed because of it; tuned on since.
- ``tests/dev15``: the fresh set of session 15, weighted still more towards the five newer
  topics (at least 25 questions each), every intent-set message in the set's own language;
  five other blind writers, deduplicated against training, held-out and ``dev12``-``dev14``.
  Measured first with session 15's first model, whose training data was written without it.
- ``tests/dev16``: session 16's fresh set, weighted to civic integration (at least 25 per
  topic); measured fresh with session 15's last model, tuned on since.
- ``tests/dev17``: session 17's fresh set, weighted to the practical topics (DigiD, letters
  and debts, family reunification: at least 25 each); five blind writers who read only
  ``docs/dev-set-brief.md``; overlaps removed with ``python -m harness.newdata devset``.
  Measured fresh with session 17's first model (the training data of session 16).
- ``tests/dev18``: written at the end of session 17 by five other blind writers (same brief,
  spread evenly over all topics, many calm messages with dramatic words); measured fresh in
  session 18 with session 17's last model (trained again), tuned on since.
- ``tests/dev19``: written in session 18 by five other blind writers (same brief, every topic,
  a third or more of the messages one to six words, questions from a letter or a deadline, and
  ordinary messages about someone else's crisis, a film, the news, a course or a job); not
  looked at; measured fresh with session 18's last model before anything is tuned on it.
- ``nlu/<locale>/*.yml``: the training examples, read only to prove none of them overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlu.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_DIR = ROOT / "tests" / "heldout"
# The development sets, oldest first; a set that has been tuned on is replaced by a fresh one.
DEV_SETS = ("dev13", "dev14", "dev15", "dev16", "dev17", "dev18", "dev19")
SETS = {"heldout": HELDOUT_DIR, **{name: ROOT / "tests" / name for name in DEV_SETS}}
NLU_DIR = ROOT / "nlu"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # full key, e.g. "benefits/zorgtoeslag"
    locale: str
    subset: str = "general"

    @property
    def parent_intent(self) -> str:
        return self.intent.split("/", 1)[0]


def read_examples(path: Path) -> list[Example]:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        meta = block.get("metadata") or {}
        locale = meta.get("language")
        subset = meta.get("subset") or "general"
        for line in (block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(Example(line[2:].strip(), block["intent"], locale, subset))
    return out


def heldout(locale: str, which: str = "heldout") -> list[Example]:
    return read_examples(SETS[which] / f"{locale}.yml")


# The development sets moved into training once they had been tuned on (session 7), and the
# veiled crisis messages written for the model (session 10): both hold crisis messages that
# name neither a means nor a danger on purpose, which is the model's part to catch.
FOLDED_FILE = "folded.yml"
SIGNALS_FILE = "signals.yml"


def training(locale: str, folded: bool = True, nlu_dir: Path = NLU_DIR) -> list[Example]:
    """The training examples of ``locale``; ``folded=False`` leaves out the former
    development sets (``nlu/<locale>/folded.yml``) and the crisis signals
    (``nlu/<locale>/signals.yml``), the examples veiled on purpose. ``nlu_dir``: another
    tree's ``nlu/`` (the data tools' tests)."""
    out: list[Example] = []
    for path in sorted((nlu_dir / locale).glob("*.yml")):
        if folded or path.name not in (FOLDED_FILE, SIGNALS_FILE):
            out.extend(read_examples(path))
    return out


@dataclass(frozen=True)
class CrisisSet:
    """Crisis messages that must reach ``urgent_help``, and ordinary ones that must not."""

    locale: str
    direct: list[str]
    indirect: list[str]
    ordinary: list[str]

    @property
    def urgent(self) -> list[str]:
        return self.direct + self.indirect


def crisis_set(locale: str, which: str = "heldout") -> CrisisSet:
    return read_crisis(SETS[which] / "crisis" / f"{locale}.yml", locale)


def read_crisis(path: Path, locale: str) -> CrisisSet:
    """One crisis file (``tests/<set>/crisis/<locale>.yml``); empty when there is none."""
    data = (load_yaml(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    urgent = data.get("urgent") or {}

    def texts(items: list | None) -> list[str]:
        return [str(t).strip() for t in items or [] if str(t).strip()]

    return CrisisSet(
        locale,
        texts(urgent.get("direct")),
        texts(urgent.get("indirect")),
        texts(data.get("ordinary")),
    )

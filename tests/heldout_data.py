"""Reading the held-out split (tests/heldout/<locale>.yml), shared by evaluation and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

HELDOUT_DIR = Path(__file__).resolve().parent / "heldout"
NLU_DIR = Path(__file__).resolve().parent.parent / "nlu"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # full key, e.g. "benefits/zorgtoeslag"
    locale: str

    @property
    def parent_intent(self) -> str:
        return self.intent.split("/", 1)[0]


def read_examples(path: Path) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        locale = (block.get("metadata") or {}).get("language")
        for line in (block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(Example(line[2:].strip(), block["intent"], locale))
    return out


def heldout(locale: str) -> list[Example]:
    return read_examples(HELDOUT_DIR / f"{locale}.yml")


def training(locale: str) -> list[Example]:
    out: list[Example] = []
    for path in sorted((NLU_DIR / locale).glob("*.yml")):
        out.extend(read_examples(path))
    return out

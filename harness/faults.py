"""Counting what a fault did to the messages people sent (fault-injection tests).

A :class:`Tally` is given every message a test sends (conversation, unique text) and,
once the fault is over, reads the database: **in** (sent), **stored**, **answered** (the
bot's turn ended: ``ok``, or ``failed`` — told in their language), **lost** (never
stored, or still waiting), **duplicates** (the same message stored more than once), and
the replies **out** in those conversations. It prints one line per fault.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Tally:
    fault: str
    db_path: Path
    sent: list[tuple[str, str]] = field(default_factory=list)

    def add(self, conversation_id: str, text: str) -> str:
        self.sent.append((conversation_id, text))
        return text

    def _rows(self) -> list[tuple[str, str, str, str]]:
        convs = sorted({c for c, _ in self.sent})
        marks = ",".join("?" * len(convs))
        with sqlite3.connect(self.db_path) as db:
            return db.execute(
                f"SELECT conversation_id, direction, text, status FROM messages "  # noqa: S608
                f"WHERE conversation_id IN ({marks}) ORDER BY id", convs,
            ).fetchall()

    def counts(self) -> dict[str, int]:
        rows = self._rows()
        stored = Counter((c, t) for c, d, t, _ in rows if d == "in")
        done = {(c, t) for c, d, t, s in rows if d == "in" and s in ("ok", "failed")}
        sent = set(self.sent)
        return {
            "in": len(self.sent),
            "stored": sum(1 for m in sent if stored[m]),
            "answered": sum(1 for m in sent if m in done),
            "out": sum(1 for _, d, _, _ in rows if d == "out"),
            "lost": sum(1 for m in sent if m not in done),
            "duplicates": sum(stored[m] - 1 for m in sent if stored[m] > 1),
        }

    def all_answered(self) -> bool:
        return self.counts()["lost"] == 0

    def report(self) -> dict[str, int]:
        counts = self.counts()
        print(f"\nfault {self.fault}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return counts

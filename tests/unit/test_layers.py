"""Imports run downward only (docs/architecture.md): each package imports only the layers
below it, so a rule lives in one place and nothing reaches up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOUNDATION = ("bot.settings", "bot.clock", "bot.roles", "bot.lru", "bot.deeplinks",
              "bot.linkcodes", "bot.privacy", "bot.limits", "bot.metrics", "nlu")
# package -> what of ours it may import (besides itself)
ALLOWED = {
    "nlu": (),
    "bot.i18n": FOUNDATION,
    "bot.db": FOUNDATION,
    "bot.rasa_client": FOUNDATION,
    "bot.content": (*FOUNDATION, "bot.db", "bot.i18n"),
    "bot.channels": (*FOUNDATION, "bot.db", "bot.i18n", "bot.rasa_client"),
    "bot.handoff": (*FOUNDATION, "bot.db", "bot.i18n", "bot.rasa_client", "bot.channels"),
    "bot.web": (*FOUNDATION, "bot.db", "bot.i18n", "bot.content", "bot.rasa_client", "bot.channels",
                "bot.handoff", "bot.privacy", "bot.housekeeping"),
    # Erasure requests left over and retention: the database, under the conversation locks.
    "bot.housekeeping": (*FOUNDATION, "bot.db", "bot.channels.turns"),
    "actions": (*FOUNDATION, "bot.db", "bot.i18n", "bot.handoff.rules", "bot.handoff.escalate"),
    # Rasa and the action server: the settings' checks and the log filter, nothing else.
    "bot.rasa_main": ("bot.privacy", "bot.linkcodes", "bot.settings", "nlu"),
    # ... and the action server times its actions and serves them (bot.metrics).
    "bot.actions_main": ("bot.privacy", "bot.linkcodes", "bot.settings", "bot.metrics", "nlu"),
}
for name in FOUNDATION[:-1]:
    ALLOWED[name] = ("bot.clock", "nlu")
# The log filter masks link codes and hashes conversation ids with the secret key.
ALLOWED["bot.privacy"] = ("bot.linkcodes", "bot.settings", "bot.clock", "nlu")
# The buckets are kept in the bounded mapping; the rules are read from the settings.
ALLOWED["bot.limits"] = ("bot.lru", "bot.settings")
# The metric families and their bounded labels (the locales of nlu.text).
ALLOWED["bot.metrics"] = ("nlu",)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {m for m in found if m.split(".")[0] in ("bot", "nlu", "actions", "harness", "tests", "bench")}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def package_of(module: str) -> str | None:
    return max((p for p in ALLOWED if module == p or module.startswith(p + ".")), key=len, default=None)


FILES = sorted(p for d in ("bot", "nlu", "actions") for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_downward(path: Path) -> None:
    module = module_name(path)
    package = package_of(module)
    if package is None:  # bot.cli and bot/__init__: the top, may use anything
        return
    for imported in imports_of(path):
        ok = imported.startswith(package) or any(
            imported == a or imported.startswith(a + ".") for a in ALLOWED[package])
        assert ok, f"{module} imports {imported}, which {package} may not"


def test_production_code_never_imports_tests_bench_or_harness() -> None:
    for path in FILES:
        bad = {m for m in imports_of(path) if m.split(".")[0] in ("tests", "bench", "harness")}
        assert not bad, (path, bad)


def test_bench_and_tests_share_the_harness_not_each_other() -> None:
    for path in (ROOT / "bench").rglob("*.py"):
        assert not {m for m in imports_of(path) if m.startswith("tests")}, path
    for path in (ROOT / "harness").rglob("*.py"):
        assert not {m for m in imports_of(path) if m.split(".")[0] in ("tests", "bench")}, path
    for path in (ROOT / "tests").rglob("*.py"):
        own = {m for m in imports_of(path) if m.startswith("tests")}
        assert not own, f"{path} imports {own}: shared helpers belong in harness/"

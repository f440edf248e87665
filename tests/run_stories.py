"""`make test-stories`: Rasa's conversation tests (tests/test_stories_*.yml), failing on any
wrong prediction, intent or action."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    rasa = Path(sys.executable).parent / "rasa"
    out = ROOT / "results" / "stories"
    cmd = [
        str(rasa), "test", "core",
        "--model", str(ROOT / "models" / "wegwijs.tar.gz"),
        "--stories", str(ROOT / "tests"),
        "--fail-on-prediction-errors",
        "--e2e",
        "--out", str(out),
        "--no-plot",
    ]
    proc = subprocess.run(cmd, cwd=ROOT)
    failed = out / "failed_test_stories.yml"
    if failed.exists() and "story" in failed.read_text(encoding="utf-8"):
        print(failed.read_text(encoding="utf-8")[:5000])
        return 1
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())

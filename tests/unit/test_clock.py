"""bot.clock: the test-only offset file (WEGWIJS_CLOCK_OFFSET_FILE) moves utcnow forward."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import clock


def test_without_the_setting_the_clock_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "OFFSET_FILE", "")
    assert abs((clock.utcnow() - datetime.now(timezone.utc)).total_seconds()) < 2


def test_the_offset_file_moves_the_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "offset"
    monkeypatch.setattr(clock, "OFFSET_FILE", str(path))
    real = datetime.now(timezone.utc)
    assert abs((clock.utcnow() - real).total_seconds()) < 2  # no file yet: real time
    path.write_text("3600")
    assert 3598 < (clock.utcnow() - real).total_seconds() < 3602
    path.write_text("not a number")
    assert abs((clock.utcnow() - real).total_seconds()) < 2


def test_as_utc() -> None:
    naive = datetime(2026, 1, 1, 12, 0)
    assert clock.as_utc(naive) == datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert clock.as_utc(None) is None

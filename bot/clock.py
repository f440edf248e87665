"""Time: the city's time zone and UTC datetimes (stored in UTC; SQLite returns them naive)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

# Office hours, appointment times and every time shown to a person or a casemanager.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


# Tests only (production refuses it, bot.settings): a file with seconds added to the clock,
# read on every call, so a browser test moves a running app past a scheduled publication.
OFFSET_FILE = os.environ.get("WEGWIJS_CLOCK_OFFSET_FILE", "")


def offset_s(path: str) -> float:
    """The seconds in ``path`` (0 when it is missing, empty or not a number)."""
    try:
        return float(Path(path).read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        return 0.0


def utcnow() -> datetime:
    now = datetime.now(timezone.utc)
    return now + timedelta(seconds=offset_s(OFFSET_FILE)) if OFFSET_FILE else now


def as_utc(dt: datetime | None) -> datetime | None:
    """An aware UTC datetime; a naive one (as SQLite gives it back) is taken to be UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)

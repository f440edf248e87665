"""Time: the city's time zone and UTC datetimes (stored in UTC; SQLite returns them naive)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

# Office hours, appointment times and every time shown to a person or a casemanager.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(dt: datetime | None) -> datetime | None:
    """An aware UTC datetime; a naive one (as SQLite gives it back) is taken to be UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)

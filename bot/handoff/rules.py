"""Who answers a person, and when: pure functions, no database, no clock of their own.

- A linked client's own casemanager answers, unless that casemanager is away
  (``absent_until`` in the future): then the team queue.
- A person who is not linked: the team queue.
- Office hours are per weekday in Amsterdam time (``{"mon": ["08:30", "17:00"], …}``); the
  team's hours are the city's office hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bot.clock import AMSTERDAM, as_utc

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEAM_HOURS: dict[str, list[str]] = {d: ["09:00", "17:00"] for d in DAYS[:5]}

# Why a person is handed to a person (escalations.reason).
ASKED = "asked"
NOT_UNDERSTOOD = "not_understood"
URGENT = "urgent"
RESCHEDULE = "reschedule"
SCHOOL_CHOICE = "school_choice"


@dataclass(frozen=True)
class Assignment:
    casemanager_id: int | None  # None: the team queue
    first_name: str | None
    office_hours: dict[str, list[str]]

    @property
    def team(self) -> bool:
        return self.casemanager_id is None


@dataclass(frozen=True)
class OfficeStatus:
    open_now: bool
    until: datetime | None  # end of today's hours, when open now
    next_open: datetime | None  # start of the next hours, when closed now


def assign(casemanager: Any | None, now: datetime) -> Assignment:
    """The client's own casemanager when there is one and they are not away; else the team."""
    if casemanager is None:
        return Assignment(None, None, TEAM_HOURS)
    absent_until = as_utc(getattr(casemanager, "absent_until", None))
    if absent_until is not None and absent_until > now:
        return Assignment(None, None, TEAM_HOURS)
    hours = getattr(casemanager, "office_hours", None) or TEAM_HOURS
    return Assignment(casemanager.id, casemanager.first_name, hours)


def _hours_on(hours: dict[str, list[str]], day: datetime) -> tuple[time, time] | None:
    span = hours.get(DAYS[day.weekday()])
    if not span or len(span) != 2:
        return None
    start, end = (time.fromisoformat(s) for s in span)
    return (start, end) if start < end else None


def office_status(hours: dict[str, list[str]], now: datetime) -> OfficeStatus:
    """Open now (until when), or when the next office hours begin (within two weeks)."""
    local = now.astimezone(AMSTERDAM)
    today = _hours_on(hours, local)
    if today:
        start, end = today
        opens = datetime.combine(local.date(), start, AMSTERDAM)
        closes = datetime.combine(local.date(), end, AMSTERDAM)
        if opens <= local < closes:
            return OfficeStatus(True, closes, None)
        if local < opens:
            return OfficeStatus(False, None, opens)
    for days_ahead in range(1, 15):
        day = local + timedelta(days=days_ahead)
        span = _hours_on(hours, day)
        if span:
            return OfficeStatus(False, None, datetime.combine(day.date(), span[0], AMSTERDAM))
    return OfficeStatus(False, None, None)


def handoff_response(assignment: Assignment, status: OfficeStatus) -> tuple[str, dict[str, Any]]:
    """The response key and its arguments that tell the person who answers and when."""
    who = "team" if assignment.team else "own"
    arguments: dict[str, Any] = {}
    if assignment.first_name:
        arguments["name"] = assignment.first_name
    if status.open_now and status.until:
        arguments["until_at"] = status.until.isoformat()
        return f"utter_handoff_{who}_open", arguments
    if status.next_open:
        arguments["next_at"] = status.next_open.isoformat()
    return f"utter_handoff_{who}_closed", arguments

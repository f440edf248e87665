"""Who answers and when (bot/handoff/rules.py): pure rules, no database, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from bot.clock import AMSTERDAM as AMS
from bot.handoff.rules import TEAM_HOURS, assign, handoff_response, office_status

HOURS = {d: ["08:30", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(timezone.utc)


def cm(**kw):  # type: ignore[no-untyped-def]
    return SimpleNamespace(**{"id": 7, "first_name": "Sanne", "office_hours": HOURS,
                              "absent_until": None, **kw})


def test_own_casemanager_answers() -> None:
    a = assign(cm(), at(2026, 11, 23, 10))
    assert (a.casemanager_id, a.first_name, a.team) == (7, "Sanne", False)


def test_absent_casemanager_means_the_team_queue() -> None:
    now = at(2026, 11, 23, 10)
    away = cm(absent_until=now + timedelta(days=3))
    assert assign(away, now).team
    back = cm(absent_until=now - timedelta(hours=1))
    assert not assign(back, now).team


def test_unlinked_person_goes_to_the_team() -> None:
    a = assign(None, at(2026, 11, 23, 10))
    assert a.team and a.office_hours == TEAM_HOURS


def test_open_now_until_closing_time() -> None:
    status = office_status(HOURS, at(2026, 11, 23, 10))  # a Monday
    assert status.open_now and status.until == datetime(2026, 11, 23, 17, 0, tzinfo=AMS)


def test_before_opening_today() -> None:
    status = office_status(HOURS, at(2026, 11, 23, 7, 15))
    assert not status.open_now and status.next_open == datetime(2026, 11, 23, 8, 30, tzinfo=AMS)


def test_friday_evening_means_monday_morning() -> None:
    status = office_status(HOURS, at(2026, 11, 27, 18))  # Friday 18:00
    assert not status.open_now and status.next_open == datetime(2026, 11, 30, 8, 30, tzinfo=AMS)


def test_a_day_off_is_skipped() -> None:
    no_wednesday = {d: ["09:00", "17:30"] for d in ("mon", "tue", "thu", "fri")}
    status = office_status(no_wednesday, at(2026, 11, 24, 18))  # Tuesday evening
    assert status.next_open == datetime(2026, 11, 26, 9, 0, tzinfo=AMS)


def test_summer_time_is_amsterdam_time() -> None:
    status = office_status(HOURS, datetime(2026, 7, 6, 7, 0, tzinfo=timezone.utc))  # 09:00 CEST
    assert status.open_now


def test_no_hours_at_all() -> None:
    assert office_status({}, at(2026, 11, 23, 10)).next_open is None


def test_which_message() -> None:
    now = at(2026, 11, 23, 10)
    key, args = handoff_response(assign(cm(), now), office_status(HOURS, now))
    assert key == "utter_handoff_own_open" and args["name"] == "Sanne" and "until_at" in args
    night = at(2026, 11, 23, 22)
    key, args = handoff_response(assign(None, night), office_status(TEAM_HOURS, night))
    assert key == "utter_handoff_team_closed" and "next_at" in args and "name" not in args

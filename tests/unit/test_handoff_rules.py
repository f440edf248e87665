"""Who answers and when (pure rules), and staff logins (argon2, lockout)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.db.escalations import can_see
from bot.handoff.rules import TEAM_HOURS, assign, handoff_response, office_status

AMS = ZoneInfo("Europe/Amsterdam")
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


@pytest.mark.parametrize(
    ("role", "own", "escalation_cm", "visible"),
    [
        ("casemanager", 1, 1, True),
        ("casemanager", 1, None, True),  # the team queue
        ("casemanager", 1, 2, False),
        ("teamlead", None, 2, True),
        ("comms", None, None, False),
    ],
)
def test_who_sees_what(role: str, own: int | None, escalation_cm: int | None, visible: bool) -> None:
    staff = SimpleNamespace(role=role, casemanager_id=own)
    assert can_see(staff, SimpleNamespace(casemanager_id=escalation_cm)) is visible


def test_passwords_are_hashed_and_locked_after_five_failures(db_url: str) -> None:
    from bot.db.models import Staff
    from bot.db.session import session_scope
    from bot.db.staff import authenticate, create_staff

    now = datetime.now(timezone.utc)
    with session_scope() as s:
        create_staff(session=s, username="Anna", password="long-enough-pw", display_name="Anna",
                     role="teamlead")
    with session_scope() as s:
        staff = s.query(Staff).one()
        assert staff.username == "anna" and staff.password_hash.startswith("$argon2")
        assert "long-enough-pw" not in staff.password_hash
        assert authenticate(session=s, username="anna", password="long-enough-pw", now=now).status == "ok"
        assert authenticate(session=s, username="nobody", password="x", now=now).status == "wrong"
        for _ in range(4):
            assert authenticate(session=s, username="anna", password="bad", now=now).status == "wrong"
        assert authenticate(session=s, username="anna", password="bad", now=now).status == "locked"
        assert authenticate(session=s, username="anna", password="long-enough-pw", now=now).status == "locked"
        later = now + timedelta(minutes=16)
        assert authenticate(session=s, username="anna", password="long-enough-pw", now=later).status == "ok"


def test_weak_or_incomplete_accounts_are_refused(db_url: str) -> None:
    from bot.db.session import session_scope
    from bot.db.staff import create_staff

    with session_scope() as s:
        with pytest.raises(ValueError):
            create_staff(session=s, username="x", password="short", display_name="X", role="teamlead")
        with pytest.raises(ValueError):
            create_staff(session=s, username="y", password="long-enough-pw", display_name="Y",
                         role="casemanager")
        with pytest.raises(ValueError):
            create_staff(session=s, username="z", password="long-enough-pw", display_name="Z",
                         role="admin")

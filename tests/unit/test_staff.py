"""Staff accounts (bot/db/staff.py): argon2 hashes, lockout, refused accounts."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.db.models import Staff
from bot.db.session import Database
from bot.db.staff import authenticate, create_staff


def test_passwords_are_hashed_and_wrong_ones_never_lock_the_account(db: Database) -> None:
    """The limits on wrong passwords are per address (bot.web.staff_auth): the account
    itself is never locked, or whoever guesses could lock out its owner."""
    now = datetime.now(timezone.utc)
    with db.session() as s:
        create_staff(session=s, username="Anna", password="long-enough-pw", display_name="Anna",
                     role="teamlead")
    with db.session() as s:
        staff = s.query(Staff).one()
        assert staff.username == "anna" and staff.password_hash.startswith("$argon2")
        assert "long-enough-pw" not in staff.password_hash
        assert authenticate(session=s, username="anna", password="long-enough-pw", now=now).status == "ok"
        assert authenticate(session=s, username="nobody", password="x", now=now).status == "wrong"
        for _ in range(6):
            assert authenticate(session=s, username="anna", password="bad", now=now).status == "wrong"
        assert authenticate(session=s, username="anna", password="long-enough-pw", now=now).status == "ok"


def test_weak_or_incomplete_accounts_are_refused(db: Database) -> None:
    with db.session() as s:
        with pytest.raises(ValueError):
            create_staff(session=s, username="x", password="short", display_name="X", role="teamlead")
        with pytest.raises(ValueError):
            create_staff(session=s, username="y", password="long-enough-pw", display_name="Y",
                         role="casemanager")
        with pytest.raises(ValueError):
            create_staff(session=s, username="z", password="long-enough-pw", display_name="Z",
                         role="admin")

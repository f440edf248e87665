"""Staff accounts: argon2 password hashes, lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.db.access import answerers_of
from bot.db.clients import hash_code
from bot.db.models import Escalation, Staff
from bot.linkcodes import new_code
from bot.roles import ROLE_NAMES, Role

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()
# Verified against when the user does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_staff(
    *,
    session: Session,
    username: str,
    password: str,
    display_name: str,
    role: str,
    casemanager_id: int | None = None,
    email: str | None = None,
    locale: str = "nl",
) -> Staff:
    if role not in ROLE_NAMES:
        raise ValueError(f"role must be one of {', '.join(ROLE_NAMES)}")
    if role == Role.CASEMANAGER and casemanager_id is None:
        raise ValueError("a casemanager account needs --casemanager-id")
    if len(password) < 10:
        raise ValueError("the password needs at least 10 characters")
    staff = Staff(
        username=username.strip().lower(),
        password_hash=hash_password(password),
        display_name=display_name,
        role=Role(role).value,
        casemanager_id=casemanager_id,
        email=email,
        locale=locale,
        failed_logins=0,
    )
    session.add(staff)
    session.flush()
    return staff


@dataclass
class LoginResult:
    status: str  # ok, wrong, locked
    staff: Staff | None = None


def authenticate(*, session: Session, username: str, password: str, now: datetime) -> LoginResult:
    """Check a login. After 5 wrong passwords the account is locked for 15 minutes (the
    right password does not open it meanwhile)."""
    staff = session.execute(
        select(Staff).where(Staff.username == username.strip().lower())
    ).scalar_one_or_none()
    if staff is None:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return LoginResult("wrong")
    if staff.disabled_at is not None:
        # Answered as a wrong password, after the same work: a disabled account is not
        # told apart from a missing one.
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return LoginResult("wrong")
    locked_until = as_utc(staff.locked_until)
    if locked_until is not None and locked_until > now:
        return LoginResult("locked")
    try:
        _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        staff.failed_logins = (staff.failed_logins or 0) + 1
        if staff.failed_logins >= MAX_FAILURES:
            staff.locked_until = now + LOCKOUT
            staff.failed_logins = 0
            return LoginResult("locked")
        return LoginResult("wrong")
    staff.failed_logins = 0
    staff.locked_until = None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return LoginResult("ok", staff)


def new_telegram_code(*, session: Session, staff_id: int, secret: str, now: datetime) -> str:
    """A one-time code (15 minutes) for ``/start staff-<code>``: links this staff member's
    own Telegram chat, for notifications."""
    staff = session.get(Staff, staff_id)
    code = new_code().replace("-", "")
    staff.telegram_code_hash = hash_code("staff:" + code, secret)
    staff.telegram_code_expires = now + timedelta(minutes=15)
    return code


def link_telegram(*, session: Session, code: str, chat_id: int, secret: str, now: datetime) -> Staff | None:
    """The staff member whose code this is (then used up), or None."""
    staff = session.execute(
        select(Staff).where(Staff.telegram_code_hash == hash_code("staff:" + code.upper(), secret))
    ).scalar_one_or_none()
    if staff is None:
        return None
    expires = as_utc(staff.telegram_code_expires)
    staff.telegram_code_hash = None
    staff.telegram_code_expires = None
    if expires is None or expires < now:
        return None
    staff.telegram_chat_id = chat_id
    return staff


def staff_by_username(*, session: Session, username: str) -> Staff | None:
    return session.execute(
        select(Staff).where(Staff.username == username.strip().lower())
    ).scalar_one_or_none()


def set_disabled(*, session: Session, username: str, disabled: bool, now: datetime) -> Staff | None:
    """Disable (no login; open sessions end) or enable an account; None if there is none."""
    staff = staff_by_username(session=session, username=username)
    if staff is not None:
        staff.disabled_at = as_utc(now) if disabled else None
        staff.failed_logins = 0
        staff.locked_until = None
    return staff


def set_password(*, session: Session, username: str, password: str) -> Staff | None:
    """A new password (at least 10 characters); the lockout is lifted and every open
    session ends (sessions carry a piece of the hash). None if there is no account."""
    if len(password) < 10:
        raise ValueError("the password needs at least 10 characters")
    staff = staff_by_username(session=session, username=username)
    if staff is not None:
        staff.password_hash = hash_password(password)
        staff.failed_logins = 0
        staff.locked_until = None
    return staff


def remove_staff(*, session: Session, username: str) -> bool:
    """Delete the account (escalations it claimed or closed keep no reference)."""
    staff = staff_by_username(session=session, username=username)
    if staff is None:
        return False
    session.delete(staff)
    session.flush()
    return True


def find_staff(*, session: Session, staff_id: int) -> Staff | None:
    """The account, attached to this session (to act on)."""
    return session.get(Staff, staff_id)


def get_staff(*, session: Session, staff_id: int) -> Staff | None:
    """The account, detached from the session (for the request that asked)."""
    staff = session.get(Staff, staff_id)
    if staff is not None:
        session.expunge(staff)
    return staff


def list_staff(*, session: Session) -> list[Staff]:
    return list(session.execute(select(Staff).order_by(Staff.id)).scalars())


def answerers(*, session: Session, esc: Escalation) -> list[Staff]:
    """The accounts told about a new escalation (see ``bot.db.access.answerers_of``)."""
    return list(session.execute(select(Staff).where(answerers_of(esc)).order_by(Staff.id)).scalars())

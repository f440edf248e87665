"""Staff accounts: argon2 password hashes; disabling, new passwords, removal."""

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
    status: str  # ok, wrong
    staff: Staff | None = None


def authenticate(*, session: Session, username: str, password: str, now: datetime) -> LoginResult:
    """Check a login: ok or wrong (a missing or disabled account is answered as a wrong
    password, after the same work). Repeated failures are limited per network address
    and per account from that address (``bot.web.staff_auth``), never for the account as
    a whole: whoever guesses cannot lock the real person out."""
    staff = session.execute(
        select(Staff).where(Staff.username == username.strip().lower())
    ).scalar_one_or_none()
    if staff is None or staff.disabled_at is not None:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return LoginResult("wrong")
    try:
        _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return LoginResult("wrong")
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
    return staff


def set_password(*, session: Session, username: str, password: str) -> Staff | None:
    """A new password (at least 10 characters); every open session ends (sessions carry
    a piece of the hash). None if there is no account."""
    if len(password) < 10:
        raise ValueError("the password needs at least 10 characters")
    staff = staff_by_username(session=session, username=username)
    if staff is not None:
        staff.password_hash = hash_password(password)
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

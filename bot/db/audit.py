"""The audit log of staff actions (``staff_audit``): written by the inbox routes and the
command line, read by team leads (``/inbox/audit``).

Only ids are kept — of the account, the escalation, the client, the message — never a
message text, a note, a link code or a password; a network address only as a keyed hash.
A failed login to an account that does not exist keeps no username (people type their
password into the wrong field).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.clients import peer_hash
from bot.db.models import Staff, StaffAudit

ACTIONS = (
    "login", "login_failed", "login_refused", "logout", "open_conversation", "open_attachment",
    "reply", "claim", "close", "note", "link_code", "telegram_link", "cli",
    # The content store: a draft saved, approved (published now or later), rejected, an
    # earlier version brought back, a scheduled one cancelled, an account's content roles
    # changed.
    "content_draft", "content_publish", "content_reject", "content_rollback", "content_roles",
    "content_cancel",
    # An unanswered question saved as a candidate training example, and its review.
    "nlu_candidate", "nlu_candidate_review",
)
PAGE_SIZE = 100


def record(
    *,
    session: Session,
    action: str,
    staff: Any | None = None,
    actor: str | None = None,
    escalation_id: int | None = None,
    client_id: int | None = None,
    message_id: int | None = None,
    detail: str | None = None,
    address: str | None = None,
    secret: str = "",
    now: datetime | None = None,
) -> StaffAudit:
    """Add one row. ``staff``: the account that acted (its id and username are kept);
    ``actor``: who else (``cli:<os user>``)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = StaffAudit(
        at=now or utcnow(),
        staff_id=getattr(staff, "id", None),
        actor=(getattr(staff, "username", None) or actor or "")[:120] or None,
        action=action,
        escalation_id=escalation_id,
        client_id=client_id,
        message_id=message_id,
        detail=(detail or "")[:200] or None,
        address_hash=peer_hash(address, secret)[:16] if address else None,
    )
    session.add(row)
    session.flush()
    return row


def record_failed_login(*, session: Session, username: str, refused: bool, address: str,
                        secret: str) -> StaffAudit:
    """A wrong password (``login_failed``) or an attempt refused by the limits
    (``login_refused``): under the account when it exists, else without a name."""
    staff = session.execute(
        select(Staff).where(Staff.username == username.strip().lower())
    ).scalar_one_or_none()
    return record(session=session, action="login_refused" if refused else "login_failed",
                  staff=staff, address=address, secret=secret)


@dataclass
class Entry:
    id: int
    at: datetime
    staff_id: int | None
    actor: str | None
    action: str
    escalation_id: int | None
    client_id: int | None
    message_id: int | None
    detail: str | None
    address_hash: str | None


def entries(*, session: Session, before: int | None = None, staff_id: int | None = None,
            limit: int = PAGE_SIZE) -> list[Entry]:
    """The newest rows first (older than id ``before``), optionally of one account."""
    query = select(StaffAudit).order_by(StaffAudit.id.desc()).limit(limit)
    if before is not None:
        query = query.where(StaffAudit.id < before)
    if staff_id is not None:
        query = query.where(StaffAudit.staff_id == staff_id)
    return [
        Entry(r.id, r.at, r.staff_id, r.actor, r.action, r.escalation_id, r.client_id,
              r.message_id, r.detail, r.address_hash)
        for r in session.execute(query).scalars()
    ]

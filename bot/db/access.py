"""Who may see or act on what: the one access policy, as predicates and as query conditions.

- A team lead sees every escalation, client and conversation.
- A casemanager sees the escalations of their own clients and the team queue
  (escalations without a casemanager), and their own clients.
- Anyone else (the communications team) sees none of them.
- A conversation, and so a photo or file a person sent in it, is visible to whoever may
  see one of its escalations.
- The staff audit log is read by team leads only.
- New escalations are announced to those who answer them: the assigned casemanager's
  accounts, or, for the team queue, the team leads.

The inbox, the handoff and the notifications all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import false, or_, true

from bot.db.models import Client, Escalation, Staff
from bot.roles import CONTENT_ROLES, INBOX_ROLES, Role


def may_use_inbox(staff: Any) -> bool:
    return staff.role in INBOX_ROLES


def may_use_content_page(staff: Any) -> bool:
    return staff.role in CONTENT_ROLES


def sees_every_escalation(staff: Any) -> bool:
    """A team lead's inbox holds every escalation."""
    return staff.role == Role.TEAMLEAD


def may_read_audit_log(staff: Any) -> bool:
    """The staff audit log (who opened, replied, closed, logged in): team leads only."""
    return staff.role == Role.TEAMLEAD


def can_see_escalation(staff: Any, esc: Any) -> bool:
    """A team lead sees everything; a casemanager their own clients and the team queue."""
    if staff.role == Role.TEAMLEAD:
        return True
    if staff.role != Role.CASEMANAGER:
        return False
    return esc.casemanager_id is None or esc.casemanager_id == staff.casemanager_id


def escalations_visible_to(staff: Any):  # type: ignore[no-untyped-def]
    """:func:`can_see_escalation` as a query condition."""
    if staff.role == Role.TEAMLEAD:
        return true()
    if staff.role != Role.CASEMANAGER:
        return false()
    return or_(Escalation.casemanager_id.is_(None), Escalation.casemanager_id == staff.casemanager_id)


def can_see_client(staff: Any, client: Any) -> bool:
    """Whose file a staff member may act on (a link code): a team lead anyone's, a
    casemanager their own clients'."""
    if staff.role == Role.TEAMLEAD:
        return True
    return staff.role == Role.CASEMANAGER and client.casemanager_id == staff.casemanager_id


def clients_visible_to(staff: Any):  # type: ignore[no-untyped-def]
    """:func:`can_see_client` as a query condition."""
    if staff.role == Role.TEAMLEAD:
        return true()
    if staff.role != Role.CASEMANAGER:
        return false()
    return Client.casemanager_id == staff.casemanager_id


def can_see_conversation(staff: Any, escalations: Iterable[Any]) -> bool:
    """A conversation (its transcript, its attachments) through one of its escalations."""
    return any(can_see_escalation(staff, esc) for esc in escalations)


def answerers_of(esc: Any):  # type: ignore[no-untyped-def]
    """Query condition on ``Staff``: who is told about a new escalation."""
    if esc.casemanager_id is not None:
        return Staff.casemanager_id == esc.casemanager_id
    return Staff.role == Role.TEAMLEAD.value

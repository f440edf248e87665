"""Opening escalations: the one place where the client's casemanager is looked up and the
assignment rule (``bot.handoff.rules.assign``) applied. Used by the actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.db import escalations as repo
from bot.db.clients import casemanager_of, client_for_conversation
from bot.db.models import Client, Escalation
from bot.handoff.rules import Assignment, assign


def assignment_for(*, session: Session, client: Client | None, now: datetime) -> Assignment:
    """The client's own casemanager unless away; the team queue for nobody or no one."""
    return assign(casemanager_of(session=session, client=client), now)


class HandoffLimit(Exception):
    """An unlinked conversation opened its handoffs of this hour already."""


def open_handoff(
    *,
    session: Session,
    conversation_id: str,
    channel: str | None,
    locale: str | None,
    reason: str,
    urgent: bool,
    now: datetime,
    unlinked_per_hour: int | None = None,
) -> tuple[Escalation, Assignment]:
    """Open (or reuse) the live escalation of a conversation: the bot pauses, the person's
    messages go to the assigned casemanager, or to the team queue.

    An unlinked conversation (the team queue, every team lead told) may open at most
    ``unlinked_per_hour`` new handoffs an hour (:class:`HandoffLimit`); urgent ones are
    never refused. Counted in the database, so every action server counts the same."""
    client = client_for_conversation(session=session, conversation_id=conversation_id)
    if (client is None and unlinked_per_hour is not None and not urgent
            and repo.live_escalation(session=session, conversation_id=conversation_id) is None
            and repo.handoffs_since(session=session, conversation_id=conversation_id,
                                    since=now - timedelta(hours=1)) >= unlinked_per_hour):
        raise HandoffLimit(conversation_id)
    assignment = assignment_for(session=session, client=client, now=now)
    esc = repo.open_live(
        session=session, conversation_id=conversation_id,
        client_id=client.id if client else None, casemanager_id=assignment.casemanager_id,
        channel=channel, locale=locale, reason=reason, urgent=urgent,
    )
    return esc, assignment


def add_request(
    *,
    session: Session,
    conversation_id: str,
    client: Client | None,
    kind: str,
    details: dict[str, Any],
    locale: str | None,
    now: datetime,
) -> Escalation:
    """A request (reschedule, school choice) for the casemanager; the bot goes on."""
    assignment = assignment_for(session=session, client=client, now=now)
    return repo.add_request(
        session=session, conversation_id=conversation_id,
        client_id=client.id if client else None, casemanager_id=assignment.casemanager_id,
        kind=kind, details=details, locale=locale,
    )

"""Repository for escalations and the inbox (keyword-only functions over a session).

Who is assigned is decided above this layer (``bot.handoff.escalate``); who may see what is
``bot.db.access``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.access import can_see_escalation, escalations_visible_to
from bot.db.models import (
    Casemanager,
    Client,
    Conversation,
    Escalation,
    Message,
    Notification,
    Staff,
)

OPEN_STATES = ("open", "claimed")


def open_live(
    *,
    session: Session,
    conversation_id: str,
    client_id: int | None,
    casemanager_id: int | None,
    channel: str | None,
    locale: str | None,
    reason: str,
    urgent: bool,
) -> Escalation:
    """Open (or reuse) the live escalation of a conversation: the bot pauses, the person's
    messages go to the assigned casemanager, or to the team queue (``casemanager_id``
    None)."""
    esc = live_escalation(session=session, conversation_id=conversation_id)
    if esc is not None:
        if urgent and not esc.urgent:
            esc.urgent = 1
        return esc
    esc = Escalation(
        conversation_id=conversation_id,
        client_id=client_id,
        casemanager_id=casemanager_id,
        kind="handoff",
        reason=reason,
        urgent=1 if urgent else 0,
        live=1,
        status="open",
        locale=locale,
        channel=channel,
        details={},
    )
    session.add(esc)
    session.flush()
    return esc


def handoffs_since(*, session: Session, conversation_id: str, since: datetime) -> int:
    """How many handoffs the conversation opened since ``since``."""
    return session.execute(
        select(func.count(Escalation.id)).where(
            Escalation.conversation_id == conversation_id, Escalation.kind == "handoff",
            Escalation.created_at >= since,
        )
    ).scalar_one()


def make_urgent(*, session: Session, conversation_id: str) -> bool:
    """Mark the conversation's live escalation urgent (a crisis message while a person has
    it). A change is notified again, now as urgent. True when it was not urgent yet."""
    esc = live_escalation(session=session, conversation_id=conversation_id)
    if esc is None or esc.urgent:
        return False
    esc.urgent = 1
    esc.notified_at = None
    esc.updated_at = utcnow()
    return True


def add_request(
    *,
    session: Session,
    conversation_id: str,
    client_id: int | None,
    casemanager_id: int | None,
    kind: str,
    details: dict[str, Any],
    locale: str | None,
) -> Escalation:
    """A request (reschedule, school choice) for the casemanager; the bot goes on."""
    esc = Escalation(
        conversation_id=conversation_id,
        client_id=client_id,
        casemanager_id=casemanager_id,
        kind=kind,
        reason=kind,
        status="open",
        live=0,
        urgent=0,
        locale=locale,
        channel=conversation_id.split(":", 1)[0],
        details=details,
    )
    session.add(esc)
    session.flush()
    return esc


def live_escalation(*, session: Session, conversation_id: str) -> Escalation | None:
    """The escalation that has the conversation now (the bot is paused), if any."""
    return session.execute(
        select(Escalation)
        .where(
            Escalation.conversation_id == conversation_id,
            Escalation.live == 1,
            Escalation.status.in_(OPEN_STATES),
        )
        .order_by(Escalation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def queue(*, session: Session, staff: Staff, closed: bool = False) -> list[Escalation]:
    """Open escalations for this staff member: urgent first, then newest first."""
    states = ("closed",) if closed else OPEN_STATES
    return list(
        session.execute(
            select(Escalation)
            .where(escalations_visible_to(staff), Escalation.status.in_(states))
            .order_by(Escalation.urgent.desc(), Escalation.created_at.desc(), Escalation.id.desc())
            .limit(200)
        ).scalars()
    )


def get_for(*, session: Session, staff: Staff, escalation_id: int) -> Escalation | None:
    """The escalation, only when this staff member may see it."""
    esc = session.get(Escalation, escalation_id)
    return esc if esc is not None and can_see_escalation(staff, esc) else None


def transcript(*, session: Session, conversation_id: str, limit: int = 300) -> list[Message]:
    rows = session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
    ).scalars()
    return list(reversed(list(rows)))


def context(*, session: Session, esc: Escalation, count: int = 3) -> list[Message]:
    """The last things the person asked the bot before the escalation, with what the bot
    answered (``answered_with``)."""
    rows = session.execute(
        select(Message)
        .where(
            Message.conversation_id == esc.conversation_id,
            Message.direction == "in",
            Message.created_at <= esc.created_at,
        )
        .order_by(Message.id.desc())
        .limit(count)
    ).scalars()
    return list(reversed(list(rows)))


def messages_since(*, session: Session, esc: Escalation) -> int:
    """How many messages the person sent since the escalation opened."""
    return session.execute(
        select(func.count())
        .select_from(Message)
        .where(
            Message.conversation_id == esc.conversation_id,
            Message.direction == "in",
            Message.created_at >= esc.created_at,
        )
    ).scalar_one()


def claim(*, session: Session, esc: Escalation, staff: Staff) -> None:
    if esc.status == "open":
        esc.status = "claimed"
        esc.claimed_by = staff.id
        esc.claimed_at = utcnow()
        esc.updated_at = utcnow()


def add_staff_reply(*, session: Session, esc: Escalation, staff: Staff, text: str,
                    template: dict | None = None, locale: str | None = None) -> Message:
    """A casemanager's reply: stored in the transcript; the escalation is live from now.
    ``template``: the casemanager's own version of a reply template (see ``Message.template``);
    ``locale``: the language it was sent in (default: the escalation's)."""
    claim(session=session, esc=esc, staff=staff)
    esc.live = 1
    esc.updated_at = utcnow()
    msg = Message(
        conversation_id=esc.conversation_id,
        direction="out",
        kind="staff",
        text=text,
        locale=locale or esc.locale,
        staff_id=staff.id,
        sender_name=staff.display_name,
        template=template,
    )
    session.add(msg)
    session.flush()
    return msg


def close(*, session: Session, esc: Escalation, staff: Staff) -> None:
    esc.status = "closed"
    esc.closed_by = staff.id
    esc.closed_at = utcnow()
    esc.updated_at = utcnow()


def set_note(*, session: Session, esc: Escalation, note: str) -> None:
    esc.note = note
    esc.updated_at = utcnow()


def open_counts(*, session: Session) -> dict[str, int]:
    """Escalations open or claimed, urgent ("true") or not ("false"), and how many of them
    no casemanager has been notified of ("unnotified"): the operators' gauges."""
    rows = session.execute(
        select(Escalation.urgent, Escalation.notified_at.is_(None), func.count())
        .where(Escalation.status.in_(OPEN_STATES))
        .group_by(Escalation.urgent, Escalation.notified_at.is_(None))
    ).all()
    return {
        "true": sum(n for urgent, _, n in rows if urgent),
        "false": sum(n for urgent, _, n in rows if not urgent),
        "unnotified": sum(n for _, unnotified, n in rows if unnotified),
    }


def unnotified(*, session: Session) -> list[Escalation]:
    return list(
        session.execute(
            select(Escalation)
            .where(Escalation.notified_at.is_(None), Escalation.status.in_(OPEN_STATES))
            # Urgent first, then oldest first.
            .order_by(Escalation.urgent.desc(), Escalation.id)
        ).scalars()
    )


def change_marker(*, session: Session) -> tuple[Any, ...]:
    """Changes when an escalation or a message is added or changed (the live inbox)."""
    return (
        session.execute(select(func.max(Message.id))).scalar(),
        session.execute(select(func.max(Escalation.updated_at))).scalar(),
        session.execute(select(func.count()).select_from(Escalation)).scalar(),
    )


def get_escalation(*, session: Session, escalation_id: int) -> Escalation | None:
    return session.get(Escalation, escalation_id)


def of_conversation(*, session: Session, conversation_id: str) -> list[Escalation]:
    return list(session.execute(
        select(Escalation).where(Escalation.conversation_id == conversation_id)
    ).scalars())


# A failed notice is tried again after 10 s, 20 s, 40 s, … at most every 15 minutes.
NOTIFY_BACKOFF_S = 10
NOTIFY_BACKOFF_MAX_S = 15 * 60


def notifications_of(*, session: Session, escalation_id: int) -> dict[tuple[str, str], Notification]:
    """What was tried for an escalation, by (recipient, channel)."""
    rows = session.execute(
        select(Notification).where(Notification.escalation_id == escalation_id)
    ).scalars()
    return {(n.recipient, n.channel): n for n in rows}


def record_notification(
    *, session: Session, escalation_id: int, recipient: str, channel: str, now: datetime,
    error: str | None, note: str | None = None,
) -> Notification:
    """Record one attempt: done (``error`` None; ``note`` says why when it was not sent,
    e.g. over a cap), or failed and when to try next."""
    row = notifications_of(session=session, escalation_id=escalation_id).get((recipient, channel))
    if row is None:
        row = Notification(escalation_id=escalation_id, recipient=recipient, channel=channel,
                           attempts=0, created_at=now)
        session.add(row)
    row.attempts = (row.attempts or 0) + 1
    if error is None:
        row.sent_at, row.next_try_at, row.last_error = now, None, note
    else:
        wait = min(NOTIFY_BACKOFF_S * 2 ** (row.attempts - 1), NOTIFY_BACKOFF_MAX_S)
        row.next_try_at = now + timedelta(seconds=wait)
        row.last_error = error[:100]
    session.flush()
    return row


def mark_notified(*, session: Session, escalation_id: int, now: datetime) -> None:
    esc = session.get(Escalation, escalation_id)
    if esc is not None:
        esc.notified_at = now


def inbox_facts(*, session: Session, esc: Escalation) -> dict[str, Any]:
    """What the inbox shows beside an escalation: client, assigned and claiming staff, the
    conversation's locale, the messages since, and the questions before it."""
    client = session.get(Client, esc.client_id) if esc.client_id else None
    cm = session.get(Casemanager, esc.casemanager_id) if esc.casemanager_id else None
    claimed = session.get(Staff, esc.claimed_by) if esc.claimed_by else None
    conv = session.get(Conversation, esc.conversation_id)
    return {
        "client": f"{client.first_name} {client.last_name}" if client else None,
        "assigned": cm.first_name if cm else None,
        "claimed_by": claimed.display_name if claimed else None,
        "locale": (conv.locale if conv else None) or esc.locale,
        "new_messages": messages_since(session=session, esc=esc),
        "context": context(session=session, esc=esc),
        "person_spoke_last": last_direction(session=session, conversation_id=esc.conversation_id) == "in",
    }


def last_direction(*, session: Session, conversation_id: str) -> str | None:
    """"in" when the person wrote last (they wait for an answer), "out" when the bot or a
    casemanager did, None for an empty conversation."""
    return session.execute(
        select(Message.direction)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()

"""Repository for pending turns: incoming messages the bot still has to answer
(keyword-only functions). See :class:`bot.db.models.PendingTurn`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db.models import Message, PendingTurn

WAITING = "waiting"
SENT = "sent"


@dataclass(frozen=True)
class Turn:
    """A pending turn as the gateway works with it (no session attached)."""

    id: int
    message_id: int
    conversation_id: str
    channel: str
    text: str
    metadata: dict[str, Any]
    state: str
    attempts: int = 0  # sends to Rasa so far


def _turn(row: PendingTurn) -> Turn:
    return Turn(row.id, row.message_id, row.conversation_id, row.channel, row.text,
                dict(row.rasa_metadata or {}), row.state, row.attempts or 0)


def add_pending(
    *, session: Session, message_id: int, conversation_id: str, channel: str, text: str,
    metadata: dict[str, Any], state: str,
) -> tuple[Turn, int]:
    """A new pending turn, and how many of the conversation's turns were pending before it."""
    earlier = session.execute(
        select(func.count()).select_from(PendingTurn)
        .where(PendingTurn.conversation_id == conversation_id)
    ).scalar_one()
    row = PendingTurn(message_id=message_id, conversation_id=conversation_id, channel=channel,
                      text=text, rasa_metadata=metadata, state=state, attempts=0)
    session.add(row)
    msg = session.get(Message, message_id)
    if msg is not None:
        msg.status = "pending"
    session.flush()
    return _turn(row), earlier


def add_metadata(*, session: Session, pending_id: int, metadata: dict[str, Any]) -> Turn:
    row = session.get(PendingTurn, pending_id)
    row.rasa_metadata = {**(row.rasa_metadata or {}), **metadata}
    session.flush()
    return _turn(row)


def mark_sent(*, session: Session, pending_id: int) -> None:
    """Given to Rasa (it may answer even if the app never hears back)."""
    session.execute(
        update(PendingTurn).where(PendingTurn.id == pending_id)
        .values(state=SENT, attempts=PendingTurn.attempts + 1)
    )


def any_pending(*, session: Session) -> bool:
    return session.execute(select(PendingTurn.id).limit(1)).first() is not None


def pending_count(*, session: Session) -> int:
    return session.execute(select(func.count()).select_from(PendingTurn)).scalar_one()


def conversations_waiting(
    *, session: Session, limit: int = 100, older_than: datetime | None = None
) -> list[str]:
    """Conversations with pending turns, the one waiting longest first; with ``older_than``,
    only those whose oldest pending message came in before it (a message that has just come
    in is being answered by the app process that received it: another process must not take
    it from under it, see :class:`bot.channels.pending.PendingTurns`)."""
    rows = session.execute(
        select(PendingTurn.conversation_id, PendingTurn.id, Message.created_at)
        .join(Message, Message.id == PendingTurn.message_id, isouter=True)
        .order_by(PendingTurn.id)
    ).all()
    out: list[str] = []
    seen: set[str] = set()
    for conversation_id, _, created in rows:
        if conversation_id in seen:
            continue
        seen.add(conversation_id)
        if older_than is not None and created is not None and _aware(created) > older_than:
            continue
        out.append(conversation_id)
        if len(out) >= limit:
            break
    return out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def pending_of(*, session: Session, conversation_id: str) -> list[Turn]:
    """One conversation's pending turns, oldest first (order matters)."""
    rows = session.execute(
        select(PendingTurn).where(PendingTurn.conversation_id == conversation_id)
        .order_by(PendingTurn.id)
    ).scalars()
    return [_turn(r) for r in rows]


def finish(*, session: Session, pending_id: int, message_id: int, status: str = "ok") -> None:
    """The turn is answered (or failed for good): no longer pending."""
    session.execute(delete(PendingTurn).where(PendingTurn.id == pending_id))
    msg = session.get(Message, message_id)
    if msg is not None:
        msg.status = status

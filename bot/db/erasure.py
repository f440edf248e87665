"""Erasure on request (``forget_me``): everything tied to a person's chat identities goes,
the client's case file kept by the city stays (keyword-only functions).

Whose data: the conversation that asked and, when it is linked to a client, every other
chat identity of that client (linked now, or that ever redeemed one of the client's link
codes) — a person linked from Telegram and the web chat is forgotten on both.

What goes: the conversations, their messages (texts, attachments' file ids, casemanagers'
replies), pending turns, links (``channel_identities``, and ``link_codes.used_by``: the
code stays used, by nobody named), link attempts, escalations (details, notes) and their
notifications, the Telegram outbox rows, the content of Telegram updates from those
chats (the update id stays, so a replay is still recognised), other open requests of the
same person, and Rasa's tracker events of those sender ids. What stays: the client, their
casemanager and appointments (the city's case file), and the request itself without any
identity (when, and how many rows went).

A request is a row of ``erasure_requests``: the gateway carries it out right after the
confirming turn (:func:`carry_out`); if that does not happen, the housekeeping job does,
with a growing wait after each failure, until it succeeds (:func:`due_requests`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, null, or_, select, text, update
from sqlalchemy.orm import Session

from bot.clock import as_utc, utcnow
from bot.db.models import (
    ChannelIdentity,
    Conversation,
    ErasureRequest,
    Escalation,
    LinkAttempt,
    LinkCode,
    Message,
    Notification,
    PendingTurn,
    TelegramOutbox,
    TelegramUpdate,
)

PENDING = "pending"
DONE = "done"
# The gateway erases right after the confirming turn; the job takes a request only once
# it is this old (longer than a turn can take), so it never erases while Rasa still
# writes the turn's events.
GRACE = timedelta(minutes=2)
# After a failure: 30 s, 1 min, 2 min, ... at most an hour.
RETRY_S = 30
RETRY_MAX_S = 3600
TELEGRAM = "telegram:"
# Rasa's SQL tracker store shares the database and owns this table.
RASA_EVENTS = "events"


def request_erasure(*, session: Session, conversation_id: str, now: datetime | None = None) -> int:
    """Record that the person of ``conversation_id`` asked to be forgotten; the id."""
    existing = pending_request(session=session, conversation_id=conversation_id)
    if existing is not None:
        return existing
    row = ErasureRequest(conversation_id=conversation_id, status=PENDING,
                         requested_at=as_utc(now) or utcnow(), attempts=0)
    session.add(row)
    session.flush()
    return row.id


def pending_request(*, session: Session, conversation_id: str) -> int | None:
    """The open request of this conversation, if any."""
    return session.execute(
        select(ErasureRequest.id).where(ErasureRequest.conversation_id == conversation_id,
                                        ErasureRequest.status == PENDING)
        .order_by(ErasureRequest.id).limit(1)
    ).scalar_one_or_none()


def identities_of(*, session: Session, conversation_id: str) -> set[str]:
    """The conversation and every chat identity of the client it is linked to."""
    ids = {conversation_id}
    client_ids = set(session.execute(
        select(ChannelIdentity.client_id).where(ChannelIdentity.conversation_id == conversation_id)
    ).scalars())
    if not client_ids:
        return ids
    ids |= set(session.execute(
        select(ChannelIdentity.conversation_id).where(ChannelIdentity.client_id.in_(client_ids))
    ).scalars())
    ids |= {used_by for used_by in session.execute(
        select(LinkCode.used_by).where(LinkCode.client_id.in_(client_ids))
    ).scalars() if used_by}
    return ids


def _telegram_ids(identities: set[str]) -> set[int]:
    return {int(i.removeprefix(TELEGRAM)) for i in identities
            if i.startswith(TELEGRAM) and i.removeprefix(TELEGRAM).lstrip("-").isdigit()}


def _mentions(value: Any, numbers: set[int]) -> bool:
    """Whether a Telegram update payload holds one of ``numbers`` (a user or chat id)."""
    if isinstance(value, dict):
        return any(_mentions(v, numbers) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, numbers) for v in value)
    return isinstance(value, int) and not isinstance(value, bool) and value in numbers


def erase_person(*, session: Session, conversation_id: str) -> dict[str, int]:
    """Erase everything of the person of ``conversation_id`` (see the module docstring):
    how many rows of each kind were deleted or emptied, no identity."""
    ids = identities_of(session=session, conversation_id=conversation_id)
    telegram_ids = _telegram_ids(ids)
    escalation_ids = select(Escalation.id).where(Escalation.conversation_id.in_(ids))
    counts: dict[str, int] = {"identities": len(ids)}
    for name, stmt in (
        ("notifications", delete(Notification).where(Notification.escalation_id.in_(escalation_ids))),
        ("escalations", delete(Escalation).where(Escalation.conversation_id.in_(ids))),
        ("pending_turns", delete(PendingTurn).where(PendingTurn.conversation_id.in_(ids))),
        ("messages", delete(Message).where(Message.conversation_id.in_(ids))),
        ("channel_identities", delete(ChannelIdentity).where(ChannelIdentity.conversation_id.in_(ids))),
        ("link_codes", update(LinkCode).where(LinkCode.used_by.in_(ids)).values(used_by=null())),
        ("link_attempts", delete(LinkAttempt).where(LinkAttempt.conversation_id.in_(ids))),
        ("telegram_outbox", delete(TelegramOutbox).where(or_(
            TelegramOutbox.conversation_id.in_(ids), TelegramOutbox.chat_id.in_(telegram_ids)))),
        ("conversations", delete(Conversation).where(Conversation.id.in_(ids))),
    ):
        counts[name] = session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
    counts["telegram_updates"] = _empty_updates(session, telegram_ids)
    # Other requests of the same person are answered by this one.
    counts["requests"] = session.execute(
        update(ErasureRequest)
        .where(ErasureRequest.conversation_id.in_(ids), ErasureRequest.status == PENDING)
        .values(status=DONE, conversation_id=null(), done_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    if session.get_bind().dialect.has_table(session.connection(), RASA_EVENTS):
        counts["tracker_events"] = sum(
            session.execute(text(f"DELETE FROM {RASA_EVENTS} WHERE sender_id = :sid"),
                            {"sid": sid}).rowcount or 0
            for sid in sorted(ids)
        )
    return counts


def _empty_updates(session: Session, telegram_ids: set[int]) -> int:
    """Telegram updates from these chats that still hold their content: emptied (the id
    stays, so a replay is ignored). One not handled yet is marked done (it never will be
    now); one being handled — the confirming turn's own — is marked done by its handler
    once the confirmation went out."""
    if not telegram_ids:
        return 0
    rows = session.execute(
        select(TelegramUpdate).where(TelegramUpdate.payload.isnot(None))
    ).scalars().all()
    emptied = 0
    for row in rows:
        if _mentions(row.payload, telegram_ids):
            row.payload = None
            if row.status == "received":
                row.status, row.done_at = "done", utcnow()
            emptied += 1
    session.flush()
    return emptied


def carry_out(*, session: Session, request_id: int, now: datetime | None = None) -> dict[str, int] | None:
    """Carry out one request: the counts, or None when it was done already."""
    row = session.get(ErasureRequest, request_id)
    if row is None or row.status != PENDING or not row.conversation_id:
        return None
    counts = erase_person(session=session, conversation_id=row.conversation_id)
    row.status, row.conversation_id = DONE, None
    row.done_at = as_utc(now) or utcnow()
    row.attempts = (row.attempts or 0) + 1
    row.next_try_at, row.last_error = None, None
    row.counts = counts
    session.flush()
    return counts


def failed(*, session: Session, request_id: int, now: datetime, error: str) -> None:
    """An attempt failed (``error``: the kind only): try again later, waiting longer."""
    row = session.get(ErasureRequest, request_id)
    if row is None or row.status != PENDING:
        return
    row.attempts = (row.attempts or 0) + 1
    wait = min(RETRY_S * 2 ** (row.attempts - 1), RETRY_MAX_S)
    row.next_try_at = as_utc(now) + timedelta(seconds=wait)
    row.last_error = error[:100]


def due_requests(*, session: Session, now: datetime, limit: int = 50) -> list[tuple[int, str]]:
    """(id, conversation id) of the requests the job should carry out now, oldest first:
    older than :data:`GRACE` and not waiting after a failure."""
    now = as_utc(now)
    rows = session.execute(
        select(ErasureRequest.id, ErasureRequest.conversation_id)
        .where(ErasureRequest.status == PENDING, ErasureRequest.conversation_id.isnot(None),
               ErasureRequest.requested_at <= now - GRACE,
               or_(ErasureRequest.next_try_at.is_(None), ErasureRequest.next_try_at <= now))
        .order_by(ErasureRequest.id).limit(limit)
    ).all()
    return [(request_id, conv) for request_id, conv in rows]


def pending_count(*, session: Session) -> int:
    from sqlalchemy import func

    return session.execute(
        select(func.count()).select_from(ErasureRequest).where(ErasureRequest.status == PENDING)
    ).scalar_one()

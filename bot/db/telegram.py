"""Repository for the Telegram channel: updates seen once, and the outbox (keyword-only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import TelegramOutbox, TelegramUpdate, utcnow

# What claim_update() says about an update.
NEW = "new"
DUPLICATE = "duplicate"


def record_update(
    *, session: Session, bot_id: int, update_id: int, payload: dict[str, Any], status: str
) -> str:
    """Store an update the first time it is seen; ``DUPLICATE`` for a replay."""
    exists = session.get(TelegramUpdate, (bot_id, update_id))
    if exists is not None:
        return DUPLICATE
    try:
        with session.begin_nested():
            session.add(
                TelegramUpdate(bot_id=bot_id, update_id=update_id, status=status, payload=payload)
            )
    except IntegrityError:
        return DUPLICATE
    return NEW


def claim_update(
    *, session: Session, bot_id: int, update_id: int, payload: dict[str, Any],
    now: datetime | None = None, lease: timedelta = timedelta(minutes=2),
) -> str:
    """Take an update for processing: new, received (by the webhook, or given back after
    a failure) and not yet handled, or left ``processing`` longer than ``lease`` (its
    handler or ``finish`` failed, or the app stopped). Its message was not stored then:
    a stored one is ``stored``, answered through the pending turns, never taken again.

    An update that is being handled, stored or done is a replay: ``DUPLICATE``.
    """
    now = now or utcnow()
    row = session.get(TelegramUpdate, (bot_id, update_id))
    if row is None:
        try:
            with session.begin_nested():
                session.add(TelegramUpdate(bot_id=bot_id, update_id=update_id, status="processing",
                                           payload=payload, claimed_at=now, attempts=1))
        except IntegrityError:
            return DUPLICATE
        return NEW
    claimed = session.execute(
        update(TelegramUpdate)
        .where(
            TelegramUpdate.bot_id == bot_id,
            TelegramUpdate.update_id == update_id,
            or_(
                TelegramUpdate.status == "received",
                and_(TelegramUpdate.status == "processing",
                     or_(TelegramUpdate.claimed_at.is_(None), TelegramUpdate.claimed_at < now - lease)),
            ),
        )
        .values(status="processing", claimed_at=now, attempts=TelegramUpdate.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return NEW if claimed else DUPLICATE


def _leave_processing(session: Session, bot_id: int, update_id: int, status: str) -> None:
    """An update being handled (``processing``) moves on to ``status``."""
    session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.bot_id == bot_id, TelegramUpdate.update_id == update_id,
               TelegramUpdate.status == "processing")
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


def mark_stored(*, session: Session, bot_id: int, update_id: int) -> None:
    """The update's message is stored (with its pending turn): from now on it is answered
    through the pending turns, and never handled again. Called in the transaction that
    stores the message."""
    _leave_processing(session, bot_id, update_id, "stored")


def release_update(*, session: Session, bot_id: int, update_id: int) -> None:
    """Handling failed before its message was stored: taken again later."""
    _leave_processing(session, bot_id, update_id, "received")


# An update taken this often without being handled is given up (logged): a message that
# makes its handler fail every time must not be retried for ever.
MAX_UPDATE_ATTEMPTS = 10


def updates_to_retry(
    *, session: Session, bot_id: int, now: datetime, lease: timedelta, settle: timedelta,
    skip: set[int] | frozenset[int] = frozenset(), limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    """(payloads to handle again, updates given up). Again: received longer than
    ``settle`` ago (given back after a failure, or never queued: the app stopped, a
    chat's line was full), or left ``processing`` longer than ``lease``; not ``skip``
    (in hand in this process). Done without handling: left ``stored`` longer than the
    lease (only ``finish`` failed: the pending turns answer it), a ``processing`` one
    whose content erasure removed, one taken ``MAX_UPDATE_ATTEMPTS`` times."""
    stale = now - lease
    session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.bot_id == bot_id,
               TelegramUpdate.status == "stored", TelegramUpdate.claimed_at < stale)
        .values(status="done", payload=null(), done_at=now)
        .execution_options(synchronize_session=False)
    )
    given_up = session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.bot_id == bot_id, TelegramUpdate.status.in_(("received", "processing")),
               TelegramUpdate.attempts >= MAX_UPDATE_ATTEMPTS,
               or_(TelegramUpdate.claimed_at.is_(None), TelegramUpdate.claimed_at < stale))
        .values(status="done", payload=null(), done_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    rows = session.execute(
        select(TelegramUpdate.update_id, TelegramUpdate.payload)
        .where(
            TelegramUpdate.bot_id == bot_id,
            TelegramUpdate.payload.isnot(None),
            or_(
                and_(TelegramUpdate.status == "received", TelegramUpdate.received_at < now - settle,
                     or_(TelegramUpdate.claimed_at.is_(None),
                         TelegramUpdate.claimed_at < now - settle)),
                and_(TelegramUpdate.status == "processing",
                     or_(TelegramUpdate.claimed_at.is_(None), TelegramUpdate.claimed_at < stale)),
            ),
        )
        .order_by(TelegramUpdate.update_id)
        .limit(limit)
    ).all()
    # Erasure empties a payload (JSON null): nothing left to handle.
    emptied = [update_id for update_id, payload in rows if not payload]
    if emptied:
        session.execute(
            update(TelegramUpdate)
            .where(TelegramUpdate.bot_id == bot_id, TelegramUpdate.update_id.in_(emptied))
            .values(status="done", payload=null(), done_at=now)
            .execution_options(synchronize_session=False)
        )
    return [payload for update_id, payload in rows if payload and update_id not in skip], given_up


def finish_update(*, session: Session, bot_id: int, update_id: int) -> None:
    """Handled: keep the id (to recognise replays), drop the content."""
    session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.bot_id == bot_id, TelegramUpdate.update_id == update_id)
        .values(status="done", payload=null(), done_at=utcnow())
    )


def unhandled_updates(*, session: Session, bot_id: int) -> list[dict[str, Any]]:
    """Updates the webhook accepted but the app did not handle (it stopped in between)."""
    rows = session.execute(
        select(TelegramUpdate.payload)
        .where(TelegramUpdate.bot_id == bot_id, TelegramUpdate.status == "received")
        .order_by(TelegramUpdate.update_id)
    ).scalars()
    return [p for p in rows if p]


# Outbox ------------------------------------------------------------------------------


def add_outgoing(
    *,
    session: Session,
    bot_id: int,
    chat_id: int,
    conversation_id: str,
    text: str,
    reply_markup: dict[str, Any] | None,
) -> int:
    row = TelegramOutbox(
        bot_id=bot_id,
        chat_id=chat_id,
        conversation_id=conversation_id,
        text=text,
        reply_markup=reply_markup,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row.id


def pending_for_chat(*, session: Session, bot_id: int, chat_id: int) -> list[TelegramOutbox]:
    """Everything still to send to one chat, oldest first (order matters)."""
    return list(
        session.execute(
            select(TelegramOutbox)
            .where(TelegramOutbox.bot_id == bot_id, TelegramOutbox.chat_id == chat_id)
            .order_by(TelegramOutbox.id)
        ).scalars()
    )


def chats_due(*, session: Session, bot_id: int, now: datetime) -> list[int]:
    """Chats with a message whose next attempt is due."""
    return list(
        session.execute(
            select(TelegramOutbox.chat_id)
            .where(TelegramOutbox.bot_id == bot_id, TelegramOutbox.next_attempt_at <= now)
            .distinct()
        ).scalars()
    )


def delivered(*, session: Session, outbox_id: int) -> None:
    session.execute(delete(TelegramOutbox).where(TelegramOutbox.id == outbox_id))


def retry_later(*, session: Session, outbox_id: int, delay: timedelta, error: str) -> None:
    session.execute(
        update(TelegramOutbox)
        .where(TelegramOutbox.id == outbox_id)
        .values(
            attempts=TelegramOutbox.attempts + 1,
            next_attempt_at=utcnow() + delay,
            last_error=error[:300],
        )
    )


def outbox_size(*, session: Session) -> int:
    return session.execute(select(func.count()).select_from(TelegramOutbox)).scalar_one()

"""Repository for the Telegram channel: updates seen once, and the outbox (keyword-only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, null, select, update
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
    *, session: Session, bot_id: int, update_id: int, payload: dict[str, Any]
) -> str:
    """Take an update for processing: new, or received by the webhook and not yet handled.

    An update that is already being handled, or done, is a replay: ``DUPLICATE``.
    """
    row = session.get(TelegramUpdate, (bot_id, update_id))
    if row is None:
        return record_update(
            session=session, bot_id=bot_id, update_id=update_id, payload=payload,
            status="processing",
        )
    claimed = session.execute(
        update(TelegramUpdate)
        .where(
            TelegramUpdate.bot_id == bot_id,
            TelegramUpdate.update_id == update_id,
            TelegramUpdate.status == "received",
        )
        .values(status="processing")
    ).rowcount
    return NEW if claimed else DUPLICATE


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

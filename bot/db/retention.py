"""Retention: what people wrote, and the technical rows around it, are kept only so long
(keyword-only functions; ``wegwijs retention run`` and the app's daily housekeeping).

Transcripts (:attr:`Periods.transcripts`, 180 days by default): messages (text, buttons,
attachments, casemanagers' replies), Rasa's tracker events, escalations (details, notes,
with their notification rows), and conversations with nothing left. Technical rows
(:attr:`Periods.technical`, 30 days): Telegram update ids (and any payload left), Telegram
outbox rows, pending turns (their message is marked failed), link attempts, unused link
codes that expired that long ago (used ones, which name the chat that used them, after
the transcripts' period). Attachments (:attr:`Periods.attachments`, 30 days): a
message's Telegram file id and file name are dropped (its kind stays), so the photo or
document can no longer be opened from the inbox.

What is kept instead: ``message_counts``, the number of messages per day, channel,
direction and kind, added up before the messages go — no identity, no text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.db.models import (
    Conversation,
    Escalation,
    LinkAttempt,
    LinkCode,
    Message,
    MessageCount,
    Notification,
    PendingTurn,
    TelegramOutbox,
    TelegramUpdate,
)

RASA_EVENTS = "events"


@dataclass(frozen=True)
class Periods:
    transcripts: timedelta = timedelta(days=180)
    technical: timedelta = timedelta(days=30)
    attachments: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Any) -> Periods:
        return cls(transcripts=timedelta(days=settings.retention_transcript_days),
                   technical=timedelta(days=settings.retention_technical_days),
                   attachments=timedelta(days=settings.retention_attachment_days))


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _apply(session: Session, stmt: Any) -> int:
    return session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0


def run(*, session: Session, now: datetime, periods: Periods = Periods(),
        dry_run: bool = False) -> dict[str, int]:
    """Delete (``dry_run``: count) what is older than its period; rows per kind."""
    now = as_utc(now)
    transcripts, technical = now - periods.transcripts, now - periods.technical
    counts: dict[str, int] = {}

    def rows(name: str, model: Any, *where: Any) -> None:
        # Counted first: SQLite's rowcount of a DELETE also counts rows its foreign keys
        # cascade to.
        counts[name] = _count(session, model, *where)
        if not dry_run and counts[name]:
            _apply(session, delete(model).where(*where))

    # Technical rows.
    old_turns = (PendingTurn.created_at < technical,)
    if not dry_run:
        _apply(session, update(Message).where(
            Message.id.in_(select(PendingTurn.message_id).where(*old_turns))).values(status="failed"))
    rows("pending_turns", PendingTurn, *old_turns)
    rows("telegram_updates", TelegramUpdate, TelegramUpdate.received_at < technical)
    rows("telegram_outbox", TelegramOutbox, TelegramOutbox.created_at < technical)
    rows("link_attempts", LinkAttempt, LinkAttempt.attempted_at < technical)
    # A used code names the chat that used it (erasure finds a person's earlier chats by
    # it), so it stays as long as that chat's transcript may; an unused one goes sooner.
    rows("link_codes", LinkCode, LinkCode.expires_at < technical,
         or_(LinkCode.used_by.is_(None), LinkCode.expires_at < transcripts))
    counts["attachments"] = _drop_attachments(session, now - periods.attachments, dry_run)

    # Transcripts.
    old_escalations = select(Escalation.id).where(
        func.coalesce(Escalation.updated_at, Escalation.created_at) < transcripts)
    rows("notifications", Notification, Notification.escalation_id.in_(old_escalations))
    rows("escalations", Escalation,
         func.coalesce(Escalation.updated_at, Escalation.created_at) < transcripts)
    old_messages = (Message.created_at < transcripts,)
    if not dry_run:
        _add_message_counts(session, *old_messages)
        # Their pending turns (only when the technical period is the longer one).
        _apply(session, delete(PendingTurn).where(
            PendingTurn.message_id.in_(select(Message.id).where(*old_messages))))
    rows("messages", Message, *old_messages)
    counts["tracker_events"] = _rasa_events(session, transcripts, dry_run)
    # A conversation id is an identity too: it goes once nothing of it is left (worded
    # on the periods, not on what was deleted above, so a dry run counts the same).
    rows("conversations", Conversation,
         func.coalesce(Conversation.updated_at, Conversation.created_at) < transcripts,
         ~_newer(Message, Message.created_at >= transcripts),
         ~_newer(PendingTurn, PendingTurn.created_at >= technical),
         ~_newer(Escalation, func.coalesce(Escalation.updated_at, Escalation.created_at)
                 >= transcripts))
    if not dry_run:
        session.flush()
    return counts


def _newer(model: Any, *where: Any) -> Any:
    """EXISTS a row of ``model`` in the conversation (correlated) with ``where``."""
    return (select(model.id).where(model.conversation_id == Conversation.id, *where)
            .correlate(Conversation).exists())


def _drop_attachments(session: Session, before: datetime, dry_run: bool) -> int:
    """Attachments older than ``before`` keep only their kind."""
    found = session.execute(
        select(Message.id, Message.attachment)
        .where(Message.attachment.isnot(None), Message.created_at < before)
    ).all()
    old = [(mid, a) for mid, a in found if isinstance(a, dict) and set(a) - {"type"}]
    if not dry_run:
        for mid, attachment in old:
            session.execute(update(Message).where(Message.id == mid)
                            .values(attachment={"type": attachment.get("type")}))
    return len(old)


def _add_message_counts(session: Session, *where: Any) -> None:
    """Per day, channel, direction and kind, the messages about to go."""
    found: Counter[tuple[str, str, str, str]] = Counter()
    for created_at, conv, direction, kind in session.execute(
        select(Message.created_at, Message.conversation_id, Message.direction, Message.kind)
        .where(*where)
    ):
        day = as_utc(created_at).date().isoformat() if created_at else "unknown"
        found[(day, conv.split(":", 1)[0], direction, kind or "text")] += 1
    for (day, channel, direction, kind), number in found.items():
        row = session.execute(select(MessageCount).where(
            MessageCount.day == day, MessageCount.channel == channel,
            MessageCount.direction == direction, MessageCount.kind == kind)).scalar_one_or_none()
        if row is None:
            session.add(MessageCount(day=day, channel=channel, direction=direction, kind=kind,
                                     count=number))
        else:
            row.count += number
    session.flush()


def _rasa_events(session: Session, before: datetime, dry_run: bool) -> int:
    """Rasa's tracker events (``timestamp``: seconds since the epoch) older than ``before``."""
    if not session.get_bind().dialect.has_table(session.connection(), RASA_EVENTS):
        return 0
    verb = "SELECT count(*)" if dry_run else "DELETE"
    result = session.execute(text(f"{verb} FROM {RASA_EVENTS} WHERE timestamp < :before"),
                             {"before": before.timestamp()})
    return result.scalar_one() if dry_run else (result.rowcount or 0)


def message_counts(*, session: Session) -> list[tuple[str, str, str, str, int]]:
    """(day, channel, direction, kind, count) kept for messages that are gone, by day."""
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(MessageCount.day, MessageCount.channel, MessageCount.direction, MessageCount.kind,
               MessageCount.count).order_by(MessageCount.day, MessageCount.channel,
                                            MessageCount.direction, MessageCount.kind)
    )]


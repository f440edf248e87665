"""What a person's own chat shows again when they come back (web chat): the conversation
so far, each message with its delivery state, whether the chat is linked, and signing
out of a chat on one device (keyword-only functions over a session).

Delivery states, as the page shows them:

- a person's message: ``sent`` (stored; the bot answers it), ``delivered`` (written while
  a casemanager had the conversation: it is in their inbox), ``seen`` (the casemanager
  opened the conversation, or replied, after it was written);
- a reply (bot, app or casemanager): ``delivered`` once a tab showed it, ``undelivered``
  while it waits for one (:func:`bot.db.conversations.take_undelivered` hands those out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.db.clients import client_for_conversation
from bot.db.conversations import UNDELIVERED
from bot.db.models import ChannelIdentity, Conversation, Escalation, Message, StaffAudit

# How many messages a page gets back (the newest).
HISTORY_LIMIT = 200

SENT, DELIVERED, SEEN = "sent", "delivered", "seen"


@dataclass
class Entry:
    id: int
    direction: str  # in, out
    kind: str  # text, …; "staff" for a casemanager's reply
    text: str
    locale: str | None
    buttons: list[dict[str, str]]
    sender: str | None  # a casemanager's name
    at: datetime
    state: str


def history(*, session: Session, conversation_id: str, limit: int = HISTORY_LIMIT) -> list[Entry]:
    """The conversation's messages oldest first (the newest ``limit``), without the
    replies that still wait to be delivered (they follow as missed messages)."""
    rows = list(session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
    ).scalars())
    rows.reverse()
    spans = _handoff_spans(session, conversation_id)
    seen = _seen_times(session, conversation_id)
    out = []
    for m in rows:
        created = as_utc(m.created_at)
        if m.direction == "out":
            if m.status == UNDELIVERED:
                continue
            state = DELIVERED
        else:
            state = _state_of_incoming(created, spans, seen)
        out.append(Entry(m.id, m.direction, m.kind or "text", m.text or "", m.locale,
                         list(m.buttons or []), m.sender_name if m.kind == "staff" else None,
                         created, state))
    return out


def _handoff_spans(session: Session, conversation_id: str) -> list[tuple[datetime, datetime | None]]:
    """When a casemanager had the conversation (live escalations: from opening to closing)."""
    rows = session.execute(
        select(Escalation.created_at, Escalation.closed_at, Escalation.live)
        .where(Escalation.conversation_id == conversation_id)
    ).all()
    return [(as_utc(start), as_utc(end)) for start, end, live in rows if live]


def _seen_times(session: Session, conversation_id: str) -> list[datetime]:
    """When a casemanager read the conversation: opened it in the inbox, or replied."""
    escalations = select(Escalation.id).where(Escalation.conversation_id == conversation_id)
    opened = session.execute(
        select(StaffAudit.at).where(StaffAudit.action == "open_conversation",
                                    StaffAudit.escalation_id.in_(escalations))
    ).scalars()
    replied = session.execute(
        select(Message.created_at).where(Message.conversation_id == conversation_id,
                                         Message.kind == "staff")
    ).scalars()
    return [as_utc(t) for t in [*opened, *replied] if t is not None]


def _state_of_incoming(created: datetime, spans: list, seen: list[datetime]) -> str:
    for start, end in spans:
        if start is not None and start <= created and (end is None or created <= end):
            return SEEN if any(t >= created for t in seen) else DELIVERED
    return SENT


def linked_first_name(*, session: Session, conversation_id: str) -> str | None:
    """The first name of the client this chat is linked to (shown as "linked as …")."""
    client = client_for_conversation(session=session, conversation_id=conversation_id)
    return client.first_name if client is not None else None


def is_signed_out(*, session: Session, conversation_id: str) -> bool:
    conv = session.get(Conversation, conversation_id)
    return conv is not None and conv.signed_out_at is not None


def sign_out(*, session: Session, conversation_id: str, now: datetime) -> bool:
    """This chat on this device is over: its token resumes nothing any more and it is
    no longer linked to a client (the transcript stays, for the casemanager and for
    retention). Whether there was such a conversation."""
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        return False
    conv.signed_out_at = now
    session.execute(
        delete(ChannelIdentity).where(ChannelIdentity.conversation_id == conversation_id)
        .execution_options(synchronize_session=False)
    )
    return True

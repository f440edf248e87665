"""Database access for actions: short sessions, the person found only by the sender id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.db.clients import client_for_conversation
from bot.db.models import Client
from bot.db.session import session_scope


@contextmanager
def db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


def linked_client(session: Session, tracker: Tracker) -> Client | None:
    """The client linked to this conversation. Only the sender id counts: it is set by
    the app, never by what the person sends (text, slots, entities, metadata)."""
    return client_for_conversation(session=session, conversation_id=tracker.sender_id)

"""Database access for actions: short sessions, the person found only by the sender id.

The action server's composition root: rasa-sdk makes the actions itself (no arguments),
so the :class:`~bot.db.session.Database` lives here, made from the settings on first use.
Tests point it at their own database with :func:`use_database`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.db.clients import client_for_conversation
from bot.db.models import Client
from bot.db.session import Database
from bot.settings import get_settings

_database: Database | None = None


def use_database(database: Database | None) -> None:
    """The database the actions use from now on (None: the settings' one, on next use)."""
    global _database
    _database = database


def database() -> Database:
    global _database
    if _database is None:
        _database = Database(get_settings().database_url)
    return _database


@contextmanager
def db() -> Iterator[Session]:
    with database().session() as session:
        yield session


def linked_client(session: Session, tracker: Tracker) -> Client | None:
    """The client linked to this conversation. Only the sender id counts: it is set by
    the app, never by what the person sends (text, slots, entities, metadata)."""
    return client_for_conversation(session=session, conversation_id=tracker.sender_id)

"""Tables of the app. Rasa's SQL tracker store shares the database and owns ``events``.

SQLAlchemy 1.4 (Rasa's pin), written in 2.0 style: ``select()``, ``future=True``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Conversation(Base):
    """One chat identity on one channel, e.g. ``webchat:<session id>``."""

    __tablename__ = "conversations"

    id = Column(String(200), primary_key=True)
    channel = Column(String(20), nullable=False)
    locale = Column(String(10))
    created_at = Column(DateTime(timezone=True), default=utcnow)
    updated_at = Column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Message(Base):
    """Every message in and out, so nothing a person sends is lost."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        String(200), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    direction = Column(String(3), nullable=False)  # "in" / "out"
    kind = Column(String(20), default="text")  # text, command, photo, voice, …
    text = Column(Text, default="")
    buttons = Column(JSON)
    locale = Column(String(10))
    status = Column(String(20), default="ok")  # ok, failed
    created_at = Column(DateTime(timezone=True), default=utcnow)

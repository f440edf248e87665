"""Repository for conversations and their messages (keyword-only functions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Conversation, Message


def get_or_create_conversation(
    *, session: Session, conversation_id: str, channel: str
) -> tuple[Conversation, bool]:
    conv = session.get(Conversation, conversation_id)
    if conv is not None:
        return conv, False
    conv = Conversation(id=conversation_id, channel=channel)
    session.add(conv)
    session.flush()
    return conv, True


def set_conversation_locale(*, session: Session, conversation_id: str, locale: str) -> None:
    conv = session.get(Conversation, conversation_id)
    if conv is not None and conv.locale != locale:
        conv.locale = locale


def add_message(
    *,
    session: Session,
    conversation_id: str,
    direction: str,
    text: str,
    kind: str = "text",
    buttons: list[dict] | None = None,
    locale: str | None = None,
    status: str = "ok",
    attachment: dict | None = None,
) -> Message:
    msg = Message(
        attachment=attachment,
        conversation_id=conversation_id,
        direction=direction,
        text=text,
        kind=kind,
        buttons=buttons,
        locale=locale,
        status=status,
    )
    session.add(msg)
    session.flush()
    return msg


def set_message_status(*, session: Session, message_id: int, status: str) -> None:
    msg = session.get(Message, message_id)
    if msg is not None:
        msg.status = status


def recent_buttons(*, session: Session, conversation_id: str, limit: int = 10) -> list[dict]:
    """The buttons of the last ``limit`` messages the bot sent, newest first."""
    rows = session.execute(
        select(Message.buttons)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(limit)
    ).scalars()
    return [b for buttons in rows if buttons for b in buttons if "payload" in b]


def recent_button_payloads(*, session: Session, conversation_id: str, limit: int = 10) -> set[str]:
    """Payloads of the buttons in the last ``limit`` messages the bot sent."""
    return {
        b["payload"]
        for b in recent_buttons(session=session, conversation_id=conversation_id, limit=limit)
    }

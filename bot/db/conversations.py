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


def conversation_exists(*, session: Session, conversation_id: str) -> bool:
    return session.get(Conversation, conversation_id) is not None


def conversation_locale(*, session: Session, conversation_id: str) -> str | None:
    conv = session.get(Conversation, conversation_id)
    return conv.locale if conv else None


def add_replies(*, session: Session, conversation_id: str, replies: list[dict]) -> None:
    """What the bot (or the app) answered: ``{"text", "buttons", "locale"}`` each."""
    for r in replies:
        add_message(session=session, conversation_id=conversation_id, direction="out",
                    text=r["text"], buttons=r.get("buttons") or None, locale=r.get("locale"))


def mark_answered(*, session: Session, message_id: int, keys: list[str]) -> None:
    """The response keys the bot answered an incoming message with."""
    msg = session.get(Message, message_id)
    if msg is not None:
        msg.answered_with = keys


def get_message(*, session: Session, message_id: int | None) -> Message | None:
    return session.get(Message, message_id) if message_id is not None else None


def answered_with_any(
    *, session: Session, keys: set[str], scan: int = 2000
) -> list[tuple[Message, str | None]]:
    """Recent incoming messages (newest first, of the last ``scan`` answered ones) that the
    bot answered with one of ``keys``, each with its conversation's locale."""
    rows = session.execute(
        select(Message, Conversation.locale)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.direction == "in", Message.answered_with.isnot(None))
        .order_by(Message.id.desc())
        .limit(scan)
    ).all()
    return [(msg, locale) for msg, locale in rows if set(msg.answered_with or []) & keys]


# A reply stored while no web chat tab of the person was open (status "undelivered"): shown
# when a tab of that session connects again.
UNDELIVERED = "undelivered"


def mark_last_undelivered(*, session: Session, conversation_id: str, count: int) -> None:
    """The last ``count`` replies of the conversation reached no screen (call it under the
    conversation's lock, right after storing them)."""
    rows = session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(count)
    ).scalars()
    for msg in rows:
        msg.status = UNDELIVERED


def take_undelivered(*, session: Session, conversation_id: str) -> list[dict]:
    """The replies that reached no screen, oldest first; from now on they count as shown."""
    rows = list(session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out",
               Message.status == UNDELIVERED)
        .order_by(Message.id)
    ).scalars())
    for msg in rows:
        msg.status = "ok"
    return [{"text": m.text or "", "buttons": m.buttons or [], "locale": m.locale,
             "sender": m.sender_name if m.kind == "staff" else None} for m in rows]

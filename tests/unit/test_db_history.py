"""What a web chat page gets back (bot/db/history.py): the messages with their delivery
state, the linked name, signing out on a device."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.db import conversations as repo
from bot.db import history
from bot.db.models import ChannelIdentity, Client, Escalation, Message, StaffAudit
from bot.db.seed import seed

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
CONV = "webchat:abc"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def add(s, minutes: int, direction: str, text: str, **extra) -> None:  # type: ignore[no-untyped-def]
    s.add(Message(conversation_id=CONV, direction=direction, text=text, created_at=at(minutes), **extra))
    s.flush()


def test_states_follow_the_handoff_and_what_the_casemanager_read(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        repo.get_or_create_conversation(session=s, conversation_id=CONV, channel="webchat")
        add(s, 0, "in", "hello")  # to the bot
        add(s, 1, "out", "Hi!", locale="en", buttons=[{"title": "A", "payload": "/a"}])
        esc = Escalation(conversation_id=CONV, kind="handoff", status="open", live=1, created_at=at(2))
        s.add(esc)
        s.flush()
        add(s, 3, "in", "are you there?")  # read: opened at 4
        s.add(StaffAudit(at=at(4), action="open_conversation", escalation_id=esc.id))
        add(s, 5, "in", "I have a letter")  # not read yet
        add(s, 6, "out", "waiting reply", locale="en", status=repo.UNDELIVERED)
    entries = db.call(history.history, conversation_id=CONV)
    assert [(e.text, e.state) for e in entries] == [
        ("hello", "sent"), ("Hi!", "delivered"), ("are you there?", "seen"), ("I have a letter", "delivered"),
    ]  # the undelivered reply is not history yet: it comes as missed
    assert entries[1].buttons == [{"title": "A", "payload": "/a"}] and entries[1].locale == "en"
    with db.session() as s:
        add(s, 7, "out", "Read it", kind="staff", sender_name="Sanne")  # a reply: all read
        s.get(Escalation, esc.id).closed_at = at(8)
        add(s, 9, "in", "thanks, bot")  # after closing: to the bot again
    entries = db.call(history.history, conversation_id=CONV)
    assert [e.state for e in entries if e.direction == "in"] == ["sent", "seen", "seen", "sent"]
    assert [e.sender for e in entries if e.kind == "staff"] == ["Sanne"]
    assert len(db.call(history.history, conversation_id=CONV, limit=2)) == 2


def test_sign_out_unlinks_and_is_remembered(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        seed(session=s)
        repo.get_or_create_conversation(session=s, conversation_id=CONV, channel="webchat")
        amal = s.query(Client).filter_by(first_name="Amal").one()
        s.add(ChannelIdentity(conversation_id=CONV, client_id=amal.id))
    assert db.call(history.linked_first_name, conversation_id=CONV) == "Amal"
    assert not db.call(history.is_signed_out, conversation_id=CONV)
    assert db.call(history.sign_out, conversation_id=CONV, now=T0)
    assert db.call(history.is_signed_out, conversation_id=CONV)
    assert db.call(history.linked_first_name, conversation_id=CONV) is None
    assert not db.call(history.sign_out, conversation_id="webchat:nobody", now=T0)
    assert not db.call(history.is_signed_out, conversation_id="webchat:nobody")

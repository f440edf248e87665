"""Replies that reached no screen (bot/db/conversations.py): kept, shown once."""

from __future__ import annotations

from bot.db import conversations as repo


def test_undelivered_replies_are_taken_once_in_order(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        repo.get_or_create_conversation(session=s, conversation_id="webchat:x", channel="webchat")
        repo.add_replies(session=s, conversation_id="webchat:x",
                         replies=[{"text": "seen", "locale": "ar"}])
        repo.add_replies(session=s, conversation_id="webchat:x", replies=[
            {"text": "one", "locale": "ar", "buttons": [{"title": "a", "payload": "/a"}]},
            {"text": "two", "locale": "ar"},
        ])
        repo.mark_last_undelivered(session=s, conversation_id="webchat:x", count=2)
    assert db.call(repo.take_undelivered, conversation_id="webchat:x") == [
        {"text": "one", "buttons": [{"title": "a", "payload": "/a"}], "locale": "ar", "sender": None},
        {"text": "two", "buttons": [], "locale": "ar", "sender": None},
    ]
    assert db.call(repo.take_undelivered, conversation_id="webchat:x") == []

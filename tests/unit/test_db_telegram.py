"""The Telegram repository (bot/db/telegram.py): each update once, the outbox in order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.db import telegram as repo
from bot.db.session import Database


def test_each_update_is_taken_once(db: Database) -> None:
    payload = {"update_id": 7}
    with db.session() as s:
        # The webhook stores it; processing takes it once.
        assert repo.record_update(session=s, bot_id=1, update_id=7, payload=payload,
                                  status="received") == repo.NEW
        assert repo.record_update(session=s, bot_id=1, update_id=7, payload=payload,
                                  status="received") == repo.DUPLICATE
        assert repo.unhandled_updates(session=s, bot_id=1) == [payload]
        assert repo.claim_update(session=s, bot_id=1, update_id=7, payload=payload) == repo.NEW
        assert repo.claim_update(session=s, bot_id=1, update_id=7, payload=payload) == repo.DUPLICATE
        # Polling: never seen before means new; another bot's ids are its own.
        assert repo.claim_update(session=s, bot_id=1, update_id=8, payload={}) == repo.NEW
        assert repo.claim_update(session=s, bot_id=2, update_id=7, payload={}) == repo.NEW
        repo.finish_update(session=s, bot_id=1, update_id=7)
        assert repo.unhandled_updates(session=s, bot_id=1) == []
        assert repo.claim_update(session=s, bot_id=1, update_id=7, payload=payload) == repo.DUPLICATE


def test_outbox_keeps_order_and_waits(db: Database) -> None:
    with db.session() as s:
        ids = [repo.add_outgoing(session=s, bot_id=1, chat_id=5, conversation_id="telegram:5",
                                 text=t, reply_markup=None) for t in ("een", "twee")]
        assert [r.text for r in repo.pending_for_chat(session=s, bot_id=1, chat_id=5)] == ["een", "twee"]
        repo.retry_later(session=s, outbox_id=ids[0], delay=timedelta(seconds=60), error="500")
        now = datetime.now(timezone.utc)
        # The second waits behind the first (chat 5 is due because of "twee" only).
        assert repo.chats_due(session=s, bot_id=1, now=now) == [5]
        repo.delivered(session=s, outbox_id=ids[1])
        assert repo.chats_due(session=s, bot_id=1, now=now) == []
        assert repo.chats_due(session=s, bot_id=1, now=now + timedelta(seconds=61)) == [5]
        assert repo.outbox_size(session=s) == 1

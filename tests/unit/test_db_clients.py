"""Clients, link codes, appointments and erasure (bot/db/clients.py) against a fresh schema."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from bot.db import clients as repo
from bot.db.erasure import erase_person
from bot.db.models import (
    Appointment,
    ChannelIdentity,
    Client,
    Conversation,
    LinkCode,
    Message,
)
from bot.db.seed import seed
from bot.db.session import Database
from bot.linkcodes import new_code

SECRET = "s3cret"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db: Database) -> None:
    with db.session() as s:
        assert seed(session=s, now=NOW)


def code_for(db: Database, client_id: int, ttl: timedelta = timedelta(hours=24), now: datetime = NOW) -> str:
    with db.session() as s:
        return repo.create_link_code(session=s, client_id=client_id, secret=SECRET, ttl=ttl, now=now)


def redeem(db: Database, conv: str, code: str, now: datetime = NOW) -> str:
    with db.session() as s:
        return repo.redeem_link_code(session=s, conversation_id=conv, code=code, secret=SECRET, now=now).status


def test_code_links_once_and_is_stored_hashed(db: Database, seeded: None) -> None:
    code = code_for(db, 1)
    with db.session() as s:
        stored = s.execute(select(LinkCode.code_hash)).scalars().all()
    assert code not in stored and code.replace("-", "") not in "".join(stored)
    assert redeem(db, "webchat:a", code) == "linked"
    with db.session() as s:
        assert repo.client_for_conversation(session=s, conversation_id="webchat:a").id == 1
    # Single use: the same person again, or a second identity, gets nothing.
    assert redeem(db, "webchat:a", code) == "invalid"
    assert redeem(db, "telegram:99", code) == "invalid"
    with db.session() as s:
        assert repo.client_for_conversation(session=s, conversation_id="telegram:99") is None


def test_expired_code(db: Database, seeded: None) -> None:
    code = code_for(db, 2, ttl=timedelta(hours=24), now=NOW - timedelta(hours=25))
    assert redeem(db, "webchat:b", code) == "expired"


def test_guessing_is_limited_to_five_wrong_codes_an_hour(db: Database, seeded: None) -> None:
    real = code_for(db, 3)
    for _ in range(5):
        assert redeem(db, "webchat:c", new_code()) == "invalid"
    # Even the right code is refused now, for this identity, for an hour.
    assert redeem(db, "webchat:c", real) == "rate_limited"
    assert redeem(db, "webchat:c", real, now=NOW + timedelta(minutes=61)) == "linked"


def test_upcoming_appointments_are_the_clients_own_in_order(db: Database, seeded: None) -> None:
    with db.session() as s:
        appts = repo.upcoming_appointments(session=s, client_id=1, now=NOW)
        assert [a.client_id for a in appts] == [1] * len(appts)
        assert [a.starts_at for a in appts] == sorted(a.starts_at for a in appts)
        assert all(repo.as_utc(a.starts_at) >= NOW for a in appts)


def test_erase_removes_everything_of_one_conversation(db: Database, seeded: None) -> None:
    assert redeem(db, "webchat:e", code_for(db, 1)) == "linked"
    with db.session() as s:
        s.add(Conversation(id="webchat:e", channel="webchat"))
        s.add(Conversation(id="webchat:other", channel="webchat"))
        s.flush()
        s.add(Message(conversation_id="webchat:e", direction="in", text="hallo"))
        s.add(Message(conversation_id="webchat:other", direction="in", text="hoi"))
        # Rasa's tracker store table (the migrations create it, with its indexes).
        s.execute(text("INSERT INTO events (sender_id, type_name) VALUES ('webchat:e', 'user'), "
                       "('webchat:other', 'user')"))
    with db.session() as s:
        counts = erase_person(session=s, conversation_id="webchat:e")
    assert counts["messages"] == 1 and counts["channel_identities"] == 1 and counts["tracker_events"] == 1
    with db.session() as s:
        assert s.execute(select(Message.conversation_id)).scalars().all() == ["webchat:other"]
        assert s.execute(text("SELECT sender_id FROM events")).scalars().all() == ["webchat:other"]
        assert s.execute(select(ChannelIdentity)).first() is None
        assert s.get(Client, 1) is not None  # the client's file stays


def test_appointments_belong_to_clients(db: Database, seeded: None) -> None:
    with db.session() as s:
        for a in s.execute(select(Appointment)).scalars():
            assert s.get(Client, a.client_id) is not None


def test_query_errors_never_carry_the_values(db: Database) -> None:
    """Errors get logged: the engine hides the parameters (message texts, names)."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as failed, db.session() as s:
        insert = text("INSERT INTO conversations (id, channel) VALUES (:id, :channel)")
        s.execute(insert, {"id": "webchat:x", "channel": "webchat"})
        s.execute(insert, {"id": "webchat:x", "channel": "mijn bsn is 123456782"})
    assert "123456782" not in str(failed.value) and "webchat:x" not in str(failed.value)


def test_two_redemptions_at_once_link_once(db: Database, seeded: None) -> None:
    """Both read the code as unused before either writes (a barrier holds each at its first
    write): only one may link."""
    import threading

    from sqlalchemy import event

    code = code_for(db, 2)
    barrier = threading.Barrier(2, timeout=10)
    waited = threading.local()

    def hold_first_write(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")) and not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()

    event.listen(db.engine, "before_cursor_execute", hold_first_write)
    results: dict[str, str] = {}

    def redeem_as(conv: str) -> None:
        results[conv] = redeem(db, conv, code)

    try:
        threads = [threading.Thread(target=redeem_as, args=(f"webchat:{n}",)) for n in "xy"]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", hold_first_write)
    assert sorted(results.values()) == ["invalid", "linked"]
    with db.session() as s:
        identities = s.execute(select(ChannelIdentity.conversation_id)).scalars().all()
        used_by = s.execute(select(LinkCode.used_by)).scalar_one()
    winner = next(conv for conv, status in results.items() if status == "linked")
    assert identities == [winner] and used_by == winner


def test_guessing_from_many_chats_of_one_address_is_limited(db: Database, seeded: None) -> None:
    """New chats do not get new tries: wrong codes count per address too."""
    real = code_for(db, 3)

    def attempt(conv: str, code: str, peer: str) -> str:
        with db.session() as s:
            return repo.redeem_link_code(
                session=s, conversation_id=conv, code=code, secret=SECRET, now=NOW,
                peer=peer, per_peer=3,
            ).status

    for n in range(3):
        assert attempt(f"webchat:new{n}", new_code(), "198.51.100.7") == "invalid"
    assert attempt("webchat:fresh", real, "198.51.100.7") == "rate_limited"
    # Another address is not held up; the address is stored only as a keyed hash.
    assert attempt("webchat:other", real, "203.0.113.9") == "linked"
    with db.session() as s:
        stored = " ".join(str(v) for v in s.execute(text("SELECT * FROM link_attempts")).fetchall())
    assert "198.51.100.7" not in stored and "203.0.113.9" not in stored

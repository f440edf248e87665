"""A busy or locked database while a message comes in (bot.db.session.Database.run_retrying,
the gateway's store): tried again with a growing wait; when it stays locked past the
retries, nothing is half stored and the person is told in their language. A real SQLite
file, locked by another connection with BEGIN EXCLUSIVE."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from bot.channels.gateway import Gateway, Incoming, NotStored
from bot.db.models import Message, PendingTurn
from bot.db.session import Database, DatabaseBusy, is_busy
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import LOCALES
from bot.i18n.render import Renderer
from harness.phrases import SAY
from nlu.crisis import CrisisMatcher


class AnsweringRasa:
    """Stands in for Rasa's REST channel: answers every message."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        self.sent.append(text)
        return [{"text": f"echo: {text}"}]


@contextmanager
def locked(db: Database) -> Iterator[sqlite3.Connection]:
    """Another connection holds the database file exclusively until the block ends (or
    the test commits it earlier)."""
    path = db.url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("COMMIT")
        other.close()


@pytest.fixture
def renderer(content_copy) -> Renderer:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    return Renderer(ContentSource(content), Catalogs(locales))


def short_waits(db: Database, retry_total_s: float) -> Database:
    """The same file, with a SQLite busy timeout of 0.2 s per attempt (15 s in the app)."""
    return Database(db.url, busy_timeout_s=0.2, retry_total_s=retry_total_s)


def messages(db: Database, conv: str) -> list[tuple[str, str]]:
    with db.session() as s:
        rows = s.execute(select(Message.direction, Message.text)
                         .where(Message.conversation_id == conv).order_by(Message.id)).all()
    return [tuple(r) for r in rows]


async def test_a_message_that_comes_in_while_the_database_is_locked_is_stored_once_it_is_free(db, renderer) -> None:  # type: ignore[no-untyped-def]
    database = short_waits(db, retry_total_s=30)
    rasa = AnsweringRasa()
    gateway = Gateway(rasa=rasa, renderer=renderer, db=database)  # type: ignore[arg-type]
    try:
        with locked(database) as other:
            # The lock is let go 1.5 s from now, some attempts later (the fault; the test
            # waits for the gateway, not for the timer).
            timer = threading.Timer(1.5, lambda: other.execute("COMMIT"))
            timer.start()
            replies = await gateway.handle(Incoming("webchat:locked", "webchat", "hallo"))
            timer.join()
        assert [r.text for r in replies] == ["echo: hallo"]
        assert messages(database, "webchat:locked") == [("in", "hallo"), ("out", "echo: hallo")]
    finally:
        database.dispose()


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_database_locked_past_the_retries_tells_the_person_and_keeps_nothing_half(db, renderer, locale) -> None:  # type: ignore[no-untyped-def]
    database = short_waits(db, retry_total_s=0.6)
    rasa = AnsweringRasa()
    gateway = Gateway(rasa=rasa, renderer=renderer, db=database)  # type: ignore[arg-type]
    conv = f"webchat:locked-{locale}"
    try:
        with locked(database), pytest.raises(NotStored) as raised:
            await gateway.handle(Incoming(conv, "webchat", "hallo", locale_hint=locale))
        assert [r.text for r in raised.value.replies] == [
            renderer.render("app_not_stored", locale, {}).text
        ]
        assert raised.value.replies[0].locale == locale
        assert rasa.sent == []  # not passed on: it was not stored
        assert messages(database, conv) == []
        with database.session() as s:
            assert s.execute(select(PendingTurn)).first() is None
    finally:
        database.dispose()


async def test_a_channel_that_retries_by_itself_says_so_instead(db, renderer) -> None:  # type: ignore[no-untyped-def]
    database = short_waits(db, retry_total_s=0.3)
    gateway = Gateway(rasa=AnsweringRasa(), renderer=renderer, db=database)  # type: ignore[arg-type]
    try:
        with locked(database), pytest.raises(NotStored) as raised:
            await gateway.handle(Incoming("telegram:5", "telegram", "hallo", locale_hint="nl",
                                          retried=True))
        assert [r.text for r in raised.value.replies] == [
            renderer.render("app_not_stored_retrying", "nl", {}).text
        ]
    finally:
        database.dispose()


async def test_a_crisis_that_cannot_be_stored_still_gets_the_emergency_numbers_first(db, renderer) -> None:  # type: ignore[no-untyped-def]
    database = short_waits(db, retry_total_s=0.3)
    gateway = Gateway(rasa=AnsweringRasa(), renderer=renderer, db=database,  # type: ignore[arg-type]
                      crisis=CrisisMatcher())
    try:
        with locked(database), pytest.raises(NotStored) as raised:
            await gateway.handle(Incoming("webchat:crisis-locked", "webchat",
                                          SAY["ar"]["urgent_help"], locale_hint="ar"))
        assert [r.text for r in raised.value.replies] == [
            renderer.render("utter_urgent_help", "ar", {}).text,
            renderer.render("app_not_stored", "ar", {}).text,
        ]
    finally:
        database.dispose()


async def test_run_retrying_gives_up_after_its_total_and_leaves_other_errors_alone(db) -> None:  # type: ignore[no-untyped-def]
    database = short_waits(db, retry_total_s=0.3)

    def write(*, session) -> None:  # type: ignore[no-untyped-def]
        session.add(Message(conversation_id="webchat:none", direction="in", text="x"))

    def broken(*, session) -> None:  # type: ignore[no-untyped-def]
        session.execute(select(Message).where(Message.id == 1)).all()
        raise ZeroDivisionError

    try:
        with locked(database), pytest.raises(DatabaseBusy) as raised:
            await database.run_retrying(write)
        assert is_busy(raised.value.__cause__)
        with pytest.raises(ZeroDivisionError):
            await database.run_retrying(broken)  # not a busy database: not tried again
    finally:
        database.dispose()


async def test_the_web_chat_gives_the_tab_its_text_back_when_it_could_not_be_stored(db, renderer) -> None:  # type: ignore[no-untyped-def]
    from bot.channels.webchat import SessionTokens, create_socketio_server

    database = short_waits(db, retry_total_s=0.3)
    gateway = Gateway(rasa=AnsweringRasa(), renderer=renderer, db=database)  # type: ignore[arg-type]
    sio = create_socketio_server(gateway, SessionTokens("test-secret-key"))
    emitted: list[tuple[str, dict, str]] = []

    async def emit(event: str, data: dict, room: str) -> None:
        emitted.append((event, data, room))

    async def get_session(sid: str) -> dict:
        return {"session_id": "s" * 32}

    sio.emit, sio.get_session = emit, get_session  # type: ignore[method-assign]
    sio.get_environ = lambda sid: {}  # type: ignore[method-assign]
    try:
        with locked(database):
            await sio.handlers["/"]["user_uttered"]("sid-1", {"message": "mijn vraag",
                                                              "customData": {"language": "ar"}})
        assert emitted[0] == ("message_not_stored", {"message": "mijn vraag"}, "sid-1")
        assert emitted[1][0] == "bot_uttered"
        assert emitted[1][1]["text"] == renderer.render("app_not_stored", "ar", {}).text
        assert emitted[-1][0] == "bot_turn_done"
    finally:
        database.dispose()

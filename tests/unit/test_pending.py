"""Pending turns: what comes in while Rasa or the action server is down is kept, said
once, and answered in order when the part is back — never twice (bot/channels/pending.py,
the gateway's answer_turn, bot/db/pending.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.gateway import Gateway, Incoming, Reply
from bot.channels.pending import Channel, PendingTurns
from bot.db import pending as repo
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import LOCALES
from bot.i18n.render import Renderer
from bot.rasa_client import MESSAGE_ID, RasaUnavailable, Readiness, bot_replies_after
from harness.phrases import SAY
from nlu.crisis import CrisisMatcher


class SwitchableRasa:
    """Stands in for Rasa's REST channel and health: up or down as the test says; answers
    "echo: <text>" and keeps a tracker of what it answered (events as Rasa stores them)."""

    def __init__(self) -> None:
        self.rasa_up = False
        self.actions_up = False
        self.sent: list[str] = []
        self.events: dict[str, list[dict[str, Any]]] = {}

    async def rasa_ready(self, slow_is_up: bool = False) -> bool:
        return self.rasa_up

    async def actions_ready(self, slow_is_up: bool = False) -> bool:
        return self.actions_up

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        if not self.rasa_up:
            raise RasaUnavailable("connection refused")
        self.sent.append(text)
        if text == "/session_start":
            return []
        answer = [{"text": f"echo: {text}"}]
        self.events.setdefault(sender, []).extend(
            [{"event": "user", "text": text, "metadata": metadata},
             {"event": "bot", "text": answer[0]["text"], "data": {}}]
        )
        return answer

    async def replies_in_tracker(self, sender: str, message_id: int) -> list[dict] | None:
        if not self.rasa_up:
            raise RasaUnavailable("connection refused")
        return bot_replies_after(self.events.get(sender, []), message_id)


@pytest.fixture
def renderer(content_copy) -> Renderer:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    return Renderer(ContentSource(content), Catalogs(locales))


@pytest.fixture
def rasa() -> SwitchableRasa:
    return SwitchableRasa()


@pytest.fixture
def gateway(db, renderer, rasa) -> Gateway:  # type: ignore[no-untyped-def]
    return Gateway(rasa=rasa, renderer=renderer, db=db, crisis=CrisisMatcher(),
                   readiness=Readiness(rasa, ttl_s=0))  # type: ignore[arg-type]


class Pushed:
    def __init__(self) -> None:
        self.replies: dict[str, list[str]] = {}

    async def __call__(self, conv: str, replies: list[Reply]) -> None:
        self.replies.setdefault(conv, []).extend(r.text for r in replies)


def waiting_text(renderer: Renderer, locale: str) -> str:
    return renderer.render("app_waiting", locale, {}).text


@pytest.mark.parametrize("locale", LOCALES)
async def test_while_rasa_is_down_the_person_is_told_once_in_their_language(gateway, rasa, renderer, db, locale) -> None:  # type: ignore[no-untyped-def]
    conv = f"webchat:down-{locale}"
    first = await gateway.handle(Incoming(conv, "webchat", "question one", locale_hint=locale))
    second = await gateway.handle(Incoming(conv, "webchat", "question two", locale_hint=locale))
    assert [r.text for r in first] == [waiting_text(renderer, locale)]
    assert first[0].direction == ("rtl" if locale in ("ar", "fa_AF") else "ltr")
    assert second == []  # said once; this one waits behind the first
    turns = db.call(repo.pending_of, conversation_id=conv)
    assert [t.text for t in turns] == ["question one", "question two"]
    assert rasa.sent == []


async def test_when_rasa_is_back_every_pending_turn_is_answered_in_order_and_pushed_once(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    for conv in ("webchat:a", "webchat:b"):
        for i in range(3):
            await gateway.handle(Incoming(conv, "webchat", f"{conv} {i}", locale_hint="en"))
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness, {"webchat": Channel(pushed)})
    assert await worker.answer_waiting() == 0  # still down: nothing happens
    rasa.rasa_up = rasa.actions_up = True
    assert await worker.answer_waiting() == 6
    assert pushed.replies == {
        conv: [f"echo: {conv} {i}" for i in range(3)] for conv in ("webchat:a", "webchat:b")
    }
    assert await worker.answer_waiting() == 0  # nothing twice
    assert db.call(repo.pending_count) == 0
    # A new message goes straight to Rasa again.
    replies = await gateway.handle(Incoming("webchat:a", "webchat", "now", locale_hint="en"))
    assert [r.text for r in replies] == ["echo: now"]


async def test_a_message_while_the_action_server_is_down_waits_for_it(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    rasa.rasa_up = True
    replies = await gateway.handle(Incoming("telegram:7", "telegram", "my appointment?", locale_hint="ar"))
    assert len(replies) == 1 and rasa.sent == []
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness, {"telegram": Channel(pushed)})
    assert await worker.answer_waiting() == 0
    rasa.actions_up = True
    assert await worker.answer_waiting() == 1
    assert pushed.replies == {"telegram:7": ["echo: my appointment?"]}


async def test_a_channel_that_cannot_send_yet_keeps_its_turns(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    await gateway.handle(Incoming("telegram:8", "telegram", "hello", locale_hint="en"))
    rasa.rasa_up = rasa.actions_up = True
    connected = False
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness,
                          {"telegram": Channel(pushed, ready=lambda: connected)})
    assert await worker.answer_waiting() == 0
    connected = True
    assert await worker.answer_waiting() == 1
    assert pushed.replies == {"telegram:8": ["echo: hello"]}


async def test_a_turn_rasa_answered_before_the_app_stopped_is_not_sent_again(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    """The app stopped after Rasa answered but before the answer was stored."""
    conv = "webchat:crashed"
    rasa.rasa_up = rasa.actions_up = True
    stored = await gateway.handle(Incoming(conv, "webchat", "before", locale_hint="en"))
    assert [r.text for r in stored] == ["echo: before"]
    # What the stopped app left: the message stored, its turn handed to Rasa (state
    # "sent"), and Rasa's answer in its tracker.
    from bot.channels.gateway import _store_incoming

    turn = db.call(_store_incoming, msg=Incoming(conv, "webchat", "in flight"),
                   text="in flight").turn
    db.call(repo.mark_sent, pending_id=turn.id)
    assert turn.metadata[MESSAGE_ID] == turn.message_id
    await rasa.send_message(sender=conv, text="in flight", metadata=turn.metadata)
    sent_before = list(rasa.sent)
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness, {"webchat": Channel(pushed)})
    assert await worker.answer_waiting() == 1
    assert rasa.sent == sent_before  # taken from the tracker, not asked again
    assert pushed.replies == {conv: ["echo: in flight"]}


async def test_a_sent_turn_rasa_never_saw_is_sent_again(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    conv = "webchat:lost"
    from bot.channels.gateway import _store_incoming

    turn = db.call(_store_incoming, msg=Incoming(conv, "webchat", "lost"), text="lost").turn
    db.call(repo.mark_sent, pending_id=turn.id)
    rasa.rasa_up = rasa.actions_up = True
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness, {"webchat": Channel(pushed)})
    assert await worker.answer_waiting() == 1
    assert rasa.sent == ["lost"]
    assert pushed.replies == {conv: ["echo: lost"]}


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_crisis_while_rasa_is_down_gets_the_emergency_numbers_at_once(gateway, renderer, locale) -> None:  # type: ignore[no-untyped-def]
    replies = await gateway.handle(Incoming(f"webchat:crisis-{locale}", "webchat",
                                            SAY[locale]["urgent_help"],
                                            locale_hint=locale))
    assert [r.text for r in replies] == [
        renderer.render("utter_urgent_help", locale, {}).text, waiting_text(renderer, locale)
    ]


def test_bot_replies_after_the_message_in_rasas_shape() -> None:
    events = [
        {"event": "user", "text": "x", "metadata": {MESSAGE_ID: 1}},
        {"event": "bot", "text": "old"},
        {"event": "user", "text": "y", "metadata": {MESSAGE_ID: 2}},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": "one\n\ntwo"},
        {"event": "bot", "text": "pick", "data": {"buttons": [{"title": "a", "payload": "/a"}]}},
        {"event": "user", "text": "z", "metadata": {MESSAGE_ID: 3}},
        {"event": "bot", "text": "later"},
    ]
    assert bot_replies_after(events, 2) == [
        {"text": "one"}, {"text": "two"},
        {"text": "pick", "buttons": [{"title": "a", "payload": "/a"}]},
    ]
    assert bot_replies_after(events, 4) is None


class FailsOn(SwitchableRasa):
    """Up, but fails on one message every time (as a bug in a custom component would)."""

    def __init__(self, poison: str) -> None:
        super().__init__()
        self.rasa_up = self.actions_up = True
        self.poison = poison

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        if text == self.poison:
            self.sent.append(text)
            raise RasaUnavailable("REST channel answered 500")
        return await super().send_message(sender=sender, text=text, metadata=metadata)


async def test_a_message_rasa_fails_on_every_time_is_given_up_and_does_not_hold_up_others(db, renderer) -> None:  # type: ignore[no-untyped-def]
    from bot.channels.gateway import MAX_SEND_ATTEMPTS

    rasa = FailsOn("poison")
    gateway = Gateway(rasa=rasa, renderer=renderer, db=db,  # type: ignore[arg-type]
                      readiness=Readiness(rasa, ttl_s=0))  # type: ignore[arg-type]
    first = await gateway.handle(Incoming("webchat:p", "webchat", "poison", locale_hint="nl"))
    assert [r.text for r in first] == [waiting_text(renderer, "nl")]
    await gateway.handle(Incoming("webchat:p", "webchat", "after it", locale_hint="nl"))
    # A message of another person, waiting behind the poisoned conversation.
    rasa.rasa_up = False
    await gateway.handle(Incoming("webchat:q", "webchat", "other", locale_hint="en"))
    rasa.rasa_up = True
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness, {"webchat": Channel(pushed)})
    await worker.answer_waiting()
    assert pushed.replies == {"webchat:q": ["echo: other"]}  # not held up
    for _ in range(MAX_SEND_ATTEMPTS):
        await worker.answer_waiting()
    assert rasa.sent.count("poison") == MAX_SEND_ATTEMPTS
    assert pushed.replies["webchat:p"] == [
        renderer.render("app_error", "nl", {}).text, "echo: after it"
    ]
    assert db.call(repo.pending_count) == 0


async def test_a_channel_queues_each_reply_in_the_transaction_that_stores_it(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    """Telegram's outbox gets the replies as they are stored: both or neither."""
    from sqlalchemy import text

    queued: list[tuple[str, list[str]]] = []

    def deliver(session, conv, replies) -> None:  # type: ignore[no-untyped-def]
        stored = session.execute(
            text("SELECT count(*) FROM messages WHERE conversation_id = :c AND direction = 'out'"),
            {"c": conv},
        ).scalar_one()
        queued.append((conv, [r.text for r in replies]))
        assert stored >= len(replies)  # same transaction: the rows are there already
        if "boom" in replies[-1].text:
            raise RuntimeError("outbox full")

    gateway.deliveries["telegram"] = deliver
    await gateway.handle(Incoming("telegram:1", "telegram", "hello", locale_hint="en"))
    rasa.rasa_up = rasa.actions_up = True
    worker = PendingTurns(gateway, gateway.readiness, {"telegram": Channel(Pushed())})
    await worker.answer_waiting()
    assert [q[1] for q in queued][-1] == ["echo: hello"]
    with pytest.raises(RuntimeError):
        await gateway.handle(Incoming("telegram:1", "telegram", "boom", locale_hint="en"))
    stored = db.call(lambda session: session.execute(
        text("SELECT text FROM messages WHERE direction = 'out' ORDER BY id")).scalars().all())
    assert "echo: boom" not in stored  # not queued, so not stored as sent either
    assert db.call(repo.pending_count) == 1  # and still to be answered


async def test_a_turn_that_just_came_in_is_left_to_the_process_answering_it(gateway, rasa, db) -> None:  # type: ignore[no-untyped-def]
    # Several app processes share the database, and the conversation lock is per process:
    # the pending-turns loop of one process must not take a message another process received
    # a moment ago (found by the two-process integration test, where it did).
    from datetime import timedelta

    from sqlalchemy import update

    from bot.clock import utcnow
    from bot.db.models import Message

    await gateway.handle(Incoming("webchat:fresh", "webchat", "just now", locale_hint="en"))
    rasa.rasa_up = rasa.actions_up = True
    pushed = Pushed()
    worker = PendingTurns(gateway, gateway.readiness, {"webchat": Channel(pushed)}, grace_s=30)
    assert await worker.answer_waiting() == 0
    assert db.call(repo.pending_count) == 1
    db.call(lambda session: session.execute(
        update(Message).values(created_at=utcnow() - timedelta(seconds=31))))
    assert await worker.answer_waiting() == 1
    assert pushed.replies == {"webchat:fresh": ["echo: just now"]}

"""Rasa answering after the app stopped waiting (bot.channels.gateway.answer_turn,
bot.channels.turns.TurnState, the NLG endpoint's message id): the person hears that it
takes longer, the late answer comes once (looked up in Rasa's tracker, never asked twice),
and its response keys are never taken as the next message's."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.gateway import Gateway, Incoming, Reply
from bot.channels.pending import Channel, PendingTurns
from bot.channels.turns import TurnState
from bot.db.models import Message
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.render import Renderer
from bot.rasa_client import MESSAGE_ID, RasaTimeout, Readiness, bot_replies_after
from bot.web.routes.nlg import answered_message


class LateRasa:
    """Stands in for Rasa: the messages the test names are not answered in time (the app
    gets RasaTimeout); Rasa finishes them when the test says (``finish_late``), rendering
    through the NLG endpoint (``turns``) and writing its tracker, as the real one does."""

    def __init__(self, turns: TurnState) -> None:
        self.turns = turns
        self.slow: set[str] = set()
        self.sent: list[str] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._late: list[tuple[str, str, dict]] = []

    async def rasa_ready(self, slow_is_up: bool = False) -> bool:
        return True

    async def actions_ready(self, slow_is_up: bool = False) -> bool:
        return True

    def _answer(self, sender: str, text: str, metadata: dict) -> list[dict]:
        key = f"utter_answer_to_{text}"
        # The NLG endpoint's view: the tracker's latest message carries the message id.
        self.turns.record_rendered(sender, key, answered_message({"latest_message": {"metadata": metadata}}))
        self.events.setdefault(sender, []).extend(
            [{"event": "user", "text": text, "metadata": metadata},
             {"event": "bot", "text": f"answer to {text}", "data": {}}])
        return [{"text": f"answer to {text}"}]

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        self.sent.append(text)
        if text in self.slow:
            self._late.append((sender, text, metadata))
            raise RasaTimeout("no answer in time")
        return self._answer(sender, text, metadata)

    def finish_late(self) -> None:
        for sender, text, metadata in self._late:
            self._answer(sender, text, metadata)
        self._late.clear()

    async def replies_in_tracker(self, sender: str, message_id: int) -> list[dict] | None:
        return bot_replies_after(self.events.get(sender, []), message_id)


class Pushed:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, conv: str, replies: list[Reply]) -> None:
        self.texts.extend(r.text for r in replies)


@pytest.fixture
def renderer(content_copy) -> Renderer:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    return Renderer(ContentSource(content), Catalogs(locales))


def answered_with(db, conv: str) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        rows = s.query(Message).filter_by(conversation_id=conv, direction="in").order_by(Message.id)
        return [(m.text, m.answered_with) for m in rows]


async def test_a_late_answer_is_said_slow_then_pushed_once_and_its_keys_stay_with_its_message(db, renderer) -> None:  # type: ignore[no-untyped-def]
    turns = TurnState()
    rasa = LateRasa(turns)
    gateway = Gateway(rasa=rasa, renderer=renderer, db=db, turns=turns,  # type: ignore[arg-type]
                      readiness=Readiness(rasa, ttl_s=0), late_grace_s=600)  # type: ignore[arg-type]
    pushed = Pushed()
    pending = PendingTurns(gateway, Readiness(rasa, ttl_s=0), {"webchat": Channel(pushed)})  # type: ignore[arg-type]
    conv = "webchat:late"
    rasa.slow.add("first")
    first = await gateway.handle(Incoming(conv, "webchat", "first", locale_hint="nl"))
    assert [r.text for r in first] == [renderer.render("app_slow", "nl", {}).text]

    # Rasa is still at it: the app waits for its answer and never sends the turn again.
    assert await pending.answer_waiting() == 0
    assert await pending.answer_waiting() == 0
    assert rasa.sent == ["first"]

    rasa.finish_late()  # the late answer lands in Rasa's tracker (and its keys, rendered)
    assert await pending.answer_waiting() == 1
    assert pushed.texts == ["answer to first"]
    assert rasa.sent == ["first"]  # answered from the tracker: Rasa ran the turn once

    second = await gateway.handle(Incoming(conv, "webchat", "second", locale_hint="nl"))
    assert [r.text for r in second] == ["answer to second"]
    assert answered_with(db, conv) == [
        ("first", ["utter_answer_to_first"]),
        ("second", ["utter_answer_to_second"]),
    ]


async def test_keys_rendered_late_for_an_earlier_message_are_never_the_next_messages(db, renderer) -> None:  # type: ignore[no-untyped-def]
    turns = TurnState()
    rasa = LateRasa(turns)
    gateway = Gateway(rasa=rasa, renderer=renderer, db=db, turns=turns)  # type: ignore[arg-type]
    conv = "webchat:late-keys"
    await gateway.handle(Incoming(conv, "webchat", "earlier"))
    with db.session() as s:
        earlier_id = s.query(Message.id).filter_by(conversation_id=conv, direction="in").scalar()
    # Rasa renders more for the earlier message after the app was done with it (a slow
    # action's message, after the app's timeout).
    turns.record_rendered(conv, "utter_late", earlier_id)
    await gateway.handle(Incoming(conv, "webchat", "next"))
    assert answered_with(db, conv) == [
        ("earlier", ["utter_answer_to_earlier"]),
        ("next", ["utter_answer_to_next"]),
    ]


def test_the_nlg_endpoint_reads_the_message_id_from_the_latest_user_message() -> None:
    assert answered_message({"latest_message": {"metadata": {MESSAGE_ID: 12}}}) == 12
    for tracker in ({}, {"latest_message": None}, {"latest_message": {"metadata": {MESSAGE_ID: "12"}}},
                    {"latest_message": {"metadata": {MESSAGE_ID: True}}}):
        assert answered_message(tracker) is None

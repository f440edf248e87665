"""Erasure on request (actions/privacy.py): the conversation is marked for the app."""

from __future__ import annotations

import pytest

from bot.db.models import Conversation
from bot.db.seed import seed
from bot.db.session import Database
from harness.trackers import run, tracker


@pytest.fixture
def seeded(db: Database) -> None:
    with db.session() as s:
        seed(session=s)


def as_sender(t, sender: str):  # type: ignore[no-untyped-def]
    t.sender_id = sender
    return t


async def test_forget_me_marks_the_conversation(db: Database, seeded: None) -> None:
    from actions.dialogue import ActionAnswerYesNo
    from actions.privacy import CONFIRM_FORGET

    with db.session() as s:
        s.add(Conversation(id="webchat:bye", channel="webchat"))
    t = as_sender(tracker(intent="affirm", slots={"pending_question": CONFIRM_FORGET}), "webchat:bye")
    _, messages = await run(ActionAnswerYesNo(), t)
    assert [m["response"] for m in messages] == ["utter_forget_me_done"]
    with db.session() as s:
        assert s.get(Conversation, "webchat:bye").erase_requested == 1

"""Erasure on request (actions/privacy.py): the conversation is marked for the app."""

from __future__ import annotations

from bot.db.models import Conversation
from bot.db.session import Database
from harness.trackers import as_sender, run, tracker


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

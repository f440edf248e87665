"""Erasure on request (actions/privacy.py): the request is recorded for the app."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import ErasureRequest
from bot.db.session import Database
from harness.trackers import as_sender, run, tracker


async def test_forget_me_records_the_request(db: Database, seeded: None) -> None:
    from actions.dialogue import ActionAnswerYesNo
    from actions.privacy import CONFIRM_FORGET

    t = as_sender(tracker(intent="affirm", slots={"pending_question": CONFIRM_FORGET}), "webchat:bye")
    _, messages = await run(ActionAnswerYesNo(), t)
    assert [m["response"] for m in messages] == ["utter_forget_me_done"]
    with db.session() as s:
        rows = s.execute(select(ErasureRequest)).scalars().all()
        assert [(r.conversation_id, r.status) for r in rows] == [("webchat:bye", "pending")]

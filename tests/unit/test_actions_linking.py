"""Linking actions (actions/linking.py): the outcome of a code the app redeemed."""

from __future__ import annotations

import pytest

from actions.linking import ActionLinkAccount
from bot.db.session import Database
from harness.trackers import as_sender, link, run, tracker


@pytest.mark.parametrize(("status", "response"), [("invalid", "utter_link_invalid"), ("expired", "utter_link_expired"), ("rate_limited", "utter_link_rate_limited"), (None, "utter_link_how")])
async def test_link_outcomes(db: Database, seeded: None, status: str | None, response: str) -> None:
    t = as_sender(tracker(intent="link_account", metadata={"link_status": status} if status else {}), "webchat:x")
    _, messages = await run(ActionLinkAccount(), t)
    assert [m["response"] for m in messages] == [response]


async def test_link_success_greets_by_first_name(db: Database, seeded: None) -> None:
    link(db, "webchat:freshta", 3)
    t = as_sender(tracker(intent="link_account", metadata={"link_status": "linked"}), "webchat:freshta")
    _, messages = await run(ActionLinkAccount(), t)
    assert messages == [{**messages[0], "response": "utter_link_success", "first_name": "Freshta"}]


async def test_a_forged_linked_status_without_a_link_greets_nobody(db: Database, seeded: None) -> None:
    t = as_sender(tracker(intent="link_account", metadata={"link_status": "linked"}), "webchat:forger")
    _, messages = await run(ActionLinkAccount(), t)
    assert [m["response"] for m in messages] == ["utter_link_how"]

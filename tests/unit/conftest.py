"""Fixtures of the in-process inbox tests (routes, audit log)."""

from __future__ import annotations

import pytest

from bot.db.models import Client, Conversation, Escalation, Message
from bot.db.seed import seed
from bot.db.session import Database
from harness.inbox import InboxUser

SANNE, YONAS, LEILA = 1, 2, 3  # casemanager ids of the demo data


@pytest.fixture
def escalations(db: Database) -> dict[str, int]:
    """Sanne's client asking (live), Leila's client's request, and the team queue."""
    with db.session() as s:
        seed(session=s)
        noor = s.query(Client).filter_by(first_name="Noor").one()  # Sanne's
        amal = s.query(Client).filter_by(first_name="Amal").one()  # Leila's
        rows = {
            "sanne": Escalation(conversation_id="webchat:noor", client_id=noor.id, casemanager_id=SANNE,
                                kind="handoff", reason="asked", status="open", live=1, urgent=0,
                                locale="nl", channel="webchat", details={}),
            "leila": Escalation(conversation_id="telegram:77", client_id=amal.id, casemanager_id=LEILA,
                                kind="reschedule", reason="reschedule", status="open", live=0,
                                urgent=0, locale="ar", channel="telegram", details={}),
            "team": Escalation(conversation_id="webchat:someone", casemanager_id=None, kind="handoff",
                               reason="asked", status="open", live=1, urgent=1, locale="en",
                               channel="webchat", details={}),
        }
        for conv, locale in (("webchat:noor", "nl"), ("telegram:77", "ar"), ("webchat:someone", "en")):
            s.add(Conversation(id=conv, channel=conv.split(":")[0], locale=locale))
        s.flush()
        s.add_all(rows.values())
        s.add(Message(conversation_id="telegram:77", direction="in", kind="photo", text="brief",
                      attachment={"type": "photo", "file_id": "AgAC-big"}))
        s.flush()
        return {name: esc.id for name, esc in rows.items()}


@pytest.fixture
async def staff(web, escalations):  # type: ignore[no-untyped-def]
    """Logs in demo accounts against the in-process app."""
    _, client = web
    users: list[InboxUser] = []

    async def make(username: str) -> InboxUser:
        user = InboxUser("http://testserver", transport=client._transport)
        users.append(user)
        assert (await user.login(username)).status_code == 303
        return user

    yield make
    for u in users:
        await u.close()

"""Who may see or act on what (bot/db/access.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.db.access import can_see_escalation


@pytest.mark.parametrize(
    ("role", "own", "escalation_cm", "visible"),
    [
        ("casemanager", 1, 1, True),
        ("casemanager", 1, None, True),  # the team queue
        ("casemanager", 1, 2, False),
        ("teamlead", None, 2, True),
        ("comms", None, None, False),
    ],
)
def test_who_sees_what(role: str, own: int | None, escalation_cm: int | None, visible: bool) -> None:
    staff = SimpleNamespace(role=role, casemanager_id=own)
    assert can_see_escalation(staff, SimpleNamespace(casemanager_id=escalation_cm)) is visible

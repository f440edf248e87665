"""Staff-page terms built at run time (bot/web/ui_terms.py) are marked for translation."""

from __future__ import annotations

from bot.roles import Role
from bot.web.ui_terms import N_, TERMS


def test_every_role_and_status_has_a_term() -> None:
    assert {f"role:{r.value}" for r in Role} <= set(TERMS)
    assert {"status:open", "status:claimed", "status:closed"} <= set(TERMS)
    assert N_("x") == "x"

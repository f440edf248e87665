"""The roles of staff logins, and which pages each role may use."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """Stored as its value in ``staff.role``; compares equal to that string."""

    CASEMANAGER = "casemanager"
    TEAMLEAD = "teamlead"
    COMMS = "comms"

    def __str__(self) -> str:
        return self.value


ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role)
# Tuples, not sets: a str-Enum member hashes by its name, so set membership of a plain
# string would fail where equality holds.
INBOX_ROLES: tuple[Role, ...] = (Role.CASEMANAGER, Role.TEAMLEAD)
CONTENT_ROLES: tuple[Role, ...] = (Role.COMMS, Role.TEAMLEAD)

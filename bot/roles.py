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


# What a staff account may do to the answers (``staff.content_roles``, several per account):
# the editor writes the English source and its facts, a translator one locale only, the
# reviewer approves and publishes (never their own change) and rolls back.
EDITOR = "editor"
REVIEWER = "reviewer"
TRANSLATOR_PREFIX = "translator:"


def translator(locale: str) -> str:
    return f"{TRANSLATOR_PREFIX}{locale}"


def valid_content_role(role: str, locales: tuple[str, ...]) -> bool:
    return role in (EDITOR, REVIEWER) or (
        role.startswith(TRANSLATOR_PREFIX) and role.removeprefix(TRANSLATOR_PREFIX) in locales)

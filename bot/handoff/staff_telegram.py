"""A casemanager links their own Telegram, to hear about new requests there.

The inbox makes a one-time code (15 minutes) and shows the deep link and the command;
the casemanager sends ``/start staff-<code>`` to the bot. The Telegram channel hands the
argument of every ``/start`` to :meth:`StaffTelegramLinks.on_start` first: a staff code
is taken here, answered in the staff member's inbox language, and never becomes a
conversation with the bot.
"""

from __future__ import annotations

from typing import Any

from bot.clock import utcnow
from bot.db.session import Database
from bot.db.staff import link_telegram, new_telegram_code
from bot.deeplinks import telegram_start_link
from bot.settings import Settings

STAFF_CODE_PREFIX = "staff-"


class StaffTelegramLinks:
    def __init__(self, db: Database, settings: Settings, ui: Any) -> None:
        self.db = db
        self.settings = settings
        self.ui = ui  # bot.web.ui.UiCatalog

    async def new_code(self, staff_id: int) -> dict[str, str]:
        """The deep link and the command that link this staff member's Telegram."""
        code = await self.db.run(new_telegram_code, staff_id=staff_id,
                                 secret=self.settings.secret_key, now=utcnow())
        return {
            "link": telegram_start_link(self.settings.telegram_bot_username,
                                        STAFF_CODE_PREFIX + code),
            "command": f"/start {STAFF_CODE_PREFIX}{code}",
        }

    async def on_start(self, argument: str, chat_id: int) -> str | None:
        """The answer to ``/start staff-<code>``; None for any other argument."""
        if not argument.startswith(STAFF_CODE_PREFIX):
            return None
        linked, locale = await self.db.run(
            _link, code=argument.removeprefix(STAFF_CODE_PREFIX), chat_id=chat_id,
            secret=self.settings.secret_key,
        )
        return self.ui.gettext(
            locale,
            "Linked: new requests in your inbox will be announced here."
            if linked else "This code is not valid (any more). Make a new one in the inbox.",
        )


def _link(*, session: Any, code: str, chat_id: int, secret: str) -> tuple[bool, str]:
    staff = link_telegram(session=session, code=code, chat_id=chat_id, secret=secret, now=utcnow())
    return (staff is not None), (staff.locale if staff else "nl") or "nl"

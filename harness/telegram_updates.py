"""Telegram updates built offline (as Telegram would send them), and a test user who
sends them through the fake Bot API server and reads what the bot sent back."""

from __future__ import annotations

import itertools
import sqlite3
import time
from pathlib import Path
from typing import Any

from harness.fake_telegram import Call, FakeBot, FakeTelegram
from harness.waiting import eventually

_USER_IDS = itertools.count(500_000_001)
_MESSAGE_IDS = itertools.count(1)


def new_user_id() -> int:
    return next(_USER_IDS)


def user_dict(user_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test"}
    if language_code:
        user["language_code"] = language_code
    return user


def private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Test"}


def message(user_id: int, language_code: str | None, **content: Any) -> dict[str, Any]:
    msg = {
        "message_id": next(_MESSAGE_IDS),
        "date": int(time.time()),
        "chat": private_chat(user_id),
        "from": user_dict(user_id, language_code),
    }
    msg.update(content)
    return msg


def text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return content


FILE = {"file_id": "AgAC-test-file", "file_unique_id": "uniq-1"}
NON_TEXT: dict[str, dict[str, Any]] = {
    "photo": {"photo": [{**FILE, "width": 90, "height": 90}, {**FILE, "file_id": "AgAC-big",
                                                              "width": 1280, "height": 960}]},
    "voice": {"voice": {**FILE, "duration": 4, "mime_type": "audio/ogg"}},
    "document": {"document": {**FILE, "file_name": "brief.pdf", "mime_type": "application/pdf"}},
    "sticker": {"sticker": {**FILE, "width": 512, "height": 512, "is_animated": False,
                            "is_video": False, "type": "regular"}},
    "location": {"location": {"latitude": 52.37, "longitude": 4.89}},
    "contact": {"contact": {"phone_number": "+31612345678", "first_name": "Sara"}},
}


class TelegramUser:
    """One person in a private chat with the bot."""

    def __init__(self, fake: FakeTelegram, bot: FakeBot, db_path: Path,
                 language_code: str | None = None) -> None:
        self.fake = fake
        self.bot = bot
        self.db_path = db_path
        self.id = new_user_id()
        self.language_code = language_code

    @property
    def conversation_id(self) -> str:
        return f"telegram:{self.id}"

    def update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self.bot.update_ids), **content}

    async def send_update(self, update: dict[str, Any], timeout: float = 60) -> list[Call]:
        """Deliver one update and wait until the app has handled it; returns the messages
        the bot sent to this chat meanwhile."""
        before = len(self.bot.calls)
        await self.fake.push(self.bot, update)
        await self.wait_handled(update["update_id"], timeout)
        return [
            c for c in self.bot.calls[before:]
            if c.method == "sendMessage" and not c.failed and int(c.params["chat_id"]) == self.id
        ]

    async def say(self, text: str) -> list[Call]:
        return await self.send_update(
            self.update(message=message(self.id, self.language_code, **text_content(text)))
        )

    async def send(self, kind: str, caption: str | None = None) -> list[Call]:
        content = dict(NON_TEXT[kind])
        if caption:
            content["caption"] = caption
        return await self.send_update(
            self.update(message=message(self.id, self.language_code, **content))
        )

    async def tap(self, sent: Call | list[Call], title: str) -> list[Call]:
        """Tap the button with this title under a message the bot sent."""
        calls = sent if isinstance(sent, list) else [sent]
        for call in calls:
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return await self.send_update(self.callback(button["callback_data"]))
        raise AssertionError(f"no button {title!r} in {[c.params for c in calls]}")

    def callback(self, data: str, message_id: int = 1000) -> dict[str, Any]:
        return self.update(
            callback_query={
                "id": str(next(_MESSAGE_IDS)),
                "from": user_dict(self.id, self.language_code),
                "chat_instance": "ci-1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": private_chat(self.id),
                    "text": "…",
                },
            }
        )

    async def wait_handled(self, update_id: int, timeout: float = 60) -> None:
        """The app marks an update done once its replies went out (or into the outbox)."""

        def done() -> bool:
            with sqlite3.connect(self.db_path) as conn:
                row = conn.execute(
                    "SELECT status FROM telegram_updates WHERE bot_id = ? AND update_id = ?",
                    (self.bot.id, update_id),
                ).fetchone()
            return bool(row and row[0] == "done")

        await eventually(done, timeout=timeout, interval=0.05, what=f"update {update_id} handled")


def texts(calls: list[Call]) -> str:
    return "\n\n".join(c.params.get("text", "") for c in calls)


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

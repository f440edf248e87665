"""What kind of message a person sent on Telegram (bot/channels/telegram/handlers.py)."""

from __future__ import annotations

import pytest
from telegram import Message

from bot.channels.telegram.handlers import ATTACHMENT_KINDS, describe
from harness.telegram_updates import NON_TEXT, message, text_content


@pytest.mark.parametrize("kind", sorted(NON_TEXT))
def test_non_text_messages_are_recognised(kind: str) -> None:
    msg = Message.de_json(message(1, "en", **NON_TEXT[kind]), None)
    found, attachment = describe(msg)
    assert found == kind and found in ATTACHMENT_KINDS
    assert attachment is not None and attachment["type"] == kind
    if kind == "photo":
        assert attachment["file_id"] == "AgAC-big"  # the largest size


def test_unknown_content_is_unsupported() -> None:
    msg = Message.de_json(message(1, "en"), None)
    assert describe(msg) == ("unsupported", None)


def test_a_private_update_must_come_from_the_chats_person() -> None:
    from telegram import Update

    from bot.channels.telegram.handlers import sender_is_chat
    from harness.telegram_updates import user_dict

    own = message(5, "en", **text_content("hallo"))
    other = message(5, "en", **text_content("hallo"))
    other["from"] = user_dict(6, "en")
    nobody = message(5, "en", **text_content("hallo"))
    del nobody["from"]
    group = message(6, "en", **text_content("hallo"))
    group["chat"] = {"id": -100, "type": "group", "title": "g"}
    tap = {"id": "1", "from": user_dict(6, "en"), "chat_instance": "c", "data": "x",
           "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}}}

    def check(**content) -> bool:  # type: ignore[no-untyped-def]
        return sender_is_chat(Update.de_json({"update_id": 1, **content}, None))

    assert check(message=own)
    assert not check(message=other) and not check(edited_message=other)
    assert not check(message=nobody)
    assert not check(callback_query=tap)
    assert check(message=group)  # groups: left by their own handler


async def test_typing_ends_even_when_the_http_client_swallows_the_cancel() -> None:
    """What the stack showed (about 1 in 200 turns): the cancel arrived while a chat
    action was on its way and the HTTP client swallowed it; the turn waited for the typing
    task, which went on forever, and so did every later update of that chat."""
    import asyncio

    from bot.channels.telegram.handlers import Handlers

    class SwallowingBot:
        """Telegram's client, as it behaved: the first cancel during a call is lost."""

        def __init__(self) -> None:
            self.calls = 0
            self.in_call = asyncio.Event()

        async def send_chat_action(self, chat_id: int, action: str) -> bool:
            self.calls += 1
            self.in_call.set()
            try:
                await asyncio.sleep(0.2)
            except asyncio.CancelledError:
                pass  # swallowed
            return True

    bot = SwallowingBot()
    handlers = Handlers(None, None, None, bot)  # type: ignore[arg-type]

    async def turn() -> None:
        async with handlers._typing(1):
            await bot.in_call.wait()  # the turn ends while the chat action is on its way

    running = asyncio.create_task(turn())
    done, _ = await asyncio.wait({running}, timeout=2)
    running.cancel()
    assert running in done, "the turn did not end"
    assert bot.calls == 1

"""Telegram in polling mode (development without a public URL): a second app process,
with its own bot, fetches updates with getUpdates from the fake Bot API server."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterator

import pytest

from bot.channels.telegram import TELEGRAM_LANGUAGE
from bot.i18n.locales import LOCALES
from harness.fake_telegram import FakeBot, FakeTelegram
from harness.phrases import ANSWER, SAY
from harness.stack import Stack, free_port
from harness.telegram_updates import TelegramUser, buttons, message, text_content, texts
from harness.waiting import eventually, eventually_sync
from harness.webchat import db_path, expect

pytestmark = pytest.mark.stack

NATIVE = {"ar": "العربية", "ti": "ትግርኛ", "fa_AF": "دری", "en": "English", "nl": "Nederlands"}


@pytest.fixture(scope="module")
def polling_app(stack: Stack, telegram_api: FakeTelegram) -> Iterator[tuple[FakeBot, int]]:
    """A second app in polling mode: (its bot, its port)."""
    bot = telegram_api.add_bot("wegwijs_dev_bot")
    # Left over from an earlier webhook run: polling must remove it first.
    bot.webhook_url, bot.webhook_secret = "https://example.invalid/hook", "old"
    port = free_port()
    stack.start_process(
        "app-polling",
        "app",
        env={
            "WEGWIJS_APP_PORT": str(port),
            "TELEGRAM_TOKEN": bot.token,
            "TELEGRAM_MODE": "polling",
            "TELEGRAM_WEBHOOK_URL": "",
            "TELEGRAM_POLL_TIMEOUT": "1",
        },
    )
    try:
        eventually_sync(lambda: (stack.health(port) or {}).get("channels", {}).get("telegram"),
                        timeout=90, interval=0.3, what="the polling app's Telegram channel")
    except AssertionError as exc:
        raise AssertionError(stack.log("app-polling").read_text()[-3000:]) from exc
    yield bot, port
    stack.stop_process("app-polling")


@pytest.fixture(scope="module")
def polling_bot(polling_app: tuple[FakeBot, int]) -> FakeBot:
    return polling_app[0]


@pytest.fixture
def user(stack: Stack, telegram_api: FakeTelegram, polling_bot: FakeBot):  # type: ignore[no-untyped-def]
    def make(language_code: str | None) -> TelegramUser:
        return TelegramUser(telegram_api, polling_bot, db_path(stack), language_code)

    return make


def said(calls) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(texts(calls))


async def test_polling_replaces_the_webhook(polling_bot: FakeBot) -> None:
    assert polling_bot.webhook_url == ""
    # "Connected" in /healthz can come a moment before the first poll.
    await eventually(lambda: any(c.method == "getUpdates" for c in polling_bot.calls),
                     timeout=30, what="the first getUpdates")
    methods = [c.method for c in polling_bot.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert set(polling_bot.commands) == {"", "ar", "ti", "fa", "en", "nl"}


@pytest.mark.parametrize("locale", LOCALES)
async def test_whole_conversation_in_each_locale(user, renderer, locale: str) -> None:  # type: ignore[no-untyped-def]
    person = user(TELEGRAM_LANGUAGE[locale])
    welcome = await person.say("/start")
    assert said(welcome) == expect(renderer, "utter_welcome", locale)
    replies = await person.tap(welcome, NATIVE[locale])
    assert said(replies) == expect(renderer, "utter_language_set", locale)
    assert buttons(replies[-1])  # the topic buttons
    for intent in ("zorgtoeslag", "bot_challenge"):
        replies = await person.say(SAY[locale][intent])
        assert said(replies) == expect(renderer, ANSWER[intent], locale)


async def test_an_update_fetched_twice_is_handled_once(stack, user, telegram_api, polling_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    person = user("en")
    await person.say("/start")
    update = person.update(message=message(person.id, "en", **text_content("are you a bot")))
    # As after a restart that did not confirm the offset: the same update comes twice.
    await telegram_api.push(polling_bot, update)
    replies = await person.send_update(update)
    # The signal that the second copy was dealt with: a later update of the same chat is
    # handled after it (updates of one chat are handled in order).
    await person.say("/start")
    sent = [c for c in polling_bot.sent("sendMessage", person.id)]
    assert said(sent).count(expect(renderer, "utter_bot_challenge", "en")) == 1
    with sqlite3.connect(db_path(stack)) as db:
        incoming = db.execute(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND text = ?",
            (person.conversation_id, "are you a bot"),
        ).fetchone()[0]
    assert incoming == 1
    assert replies == [] or said(replies) == expect(renderer, "utter_bot_challenge", "en")


async def test_polling_survives_telegram_errors(user, polling_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    person = user("nl")
    polling_bot.fail("getUpdates", 502, times=2)
    polling_bot.fail("sendMessage", 429, retry_after=1)
    replies = await person.say("/start")
    assert said(replies) == expect(renderer, "utter_welcome", "nl")


async def test_no_webhook_route_in_polling_mode(stack, polling_app) -> None:  # type: ignore[no-untyped-def]
    """Only the webhook mode takes updates over HTTP: in polling mode there is nothing to
    post to, with or without the secret."""
    import httpx

    _, app_port = polling_app
    update = {"update_id": 999_999_101, "message": message(7, "en", **text_content("hello"))}
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"http://127.0.0.1:{app_port}/telegram/webhook", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "anything"})
    assert resp.status_code == 404
    with sqlite3.connect(db_path(stack)) as db:
        assert not db.execute("SELECT 1 FROM telegram_updates WHERE update_id = 999999101").fetchall()


async def test_polling_drops_a_private_update_from_someone_else(stack, user, telegram_api, polling_bot) -> None:  # type: ignore[no-untyped-def]
    victim, attacker = user("nl"), user("nl")
    await victim.say("/start")
    before = len(polling_bot.calls)
    msg = message(victim.id, "nl", **text_content("/forget"))
    msg["from"] = {"id": attacker.id, "is_bot": False, "first_name": "A"}
    await victim.send_update(victim.update(message=msg))
    sent = [c for c in polling_bot.calls[before:] if c.method != "getUpdates"]
    assert sent == []
    with sqlite3.connect(db_path(stack)) as db:
        assert not db.execute("SELECT 1 FROM conversations WHERE id = ?",
                              (attacker.conversation_id,)).fetchall()

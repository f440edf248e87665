"""Fault injection through the running stack (#14 point 5): Rasa late, one Telegram chat
flooding while Rasa is slow, the database locked for 20 seconds, the action server killed
mid-conversation, Rasa killed and restarted, the app restarted during a burst of Telegram
updates, the mail server down.

Each fault counts the messages in, stored, answered, the replies out, lost and
duplicates (harness.faults.Tally; ``-s`` prints them). Lost must be 0 everywhere;
duplicates (the same message stored twice) must be 0 where the design promises it —
everywhere here. Its own stack (``fault_stack``): the app goes to Rasa through a proxy
that can hold a conversation's messages (harness.slow_rasa), with a 5 s Rasa timeout and
two Telegram slots.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading

import httpx
import pytest

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.render import Renderer
from harness.fake_telegram import FakeTelegram
from harness.faults import Tally
from harness.phrases import ANSWER, SAY
from harness.stack import SupervisedStack
from harness.telegram_updates import TelegramUser, message, text_content
from harness.waiting import eventually
from harness.webchat import ChatClient, db_path, expect, texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def words(fault_stack: SupervisedStack) -> Renderer:
    assert fault_stack.content_path and fault_stack.locales_dir
    return Renderer(ContentSource(fault_stack.content_path), Catalogs(fault_stack.locales_dir))


@pytest.fixture
async def web(fault_stack: SupervisedStack):  # type: ignore[no-untyped-def]
    clients: list[ChatClient] = []

    def make() -> ChatClient:
        client = ChatClient(fault_stack.app_url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def telegram_user(stack: SupervisedStack, telegram_api: FakeTelegram, language: str = "nl") -> TelegramUser:
    return TelegramUser(telegram_api, stack.telegram_bot, db_path(stack), language)  # type: ignore[attr-defined]


async def deliver(stack: SupervisedStack, telegram_api: FakeTelegram, update: dict) -> None:
    """As Telegram does: the update is sent again until the webhook accepts it (200)."""

    async def accepted() -> bool:
        try:
            return await telegram_api.push(stack.telegram_bot, update) == 200  # type: ignore[attr-defined]
        except httpx.HTTPError:
            return False

    await eventually(accepted, timeout=120, interval=0.5, what=f"update {update['update_id']} accepted")


async def say_on_telegram(stack, telegram_api, user: TelegramUser, tally: Tally, text: str) -> dict:  # type: ignore[no-untyped-def]
    update = user.update(message=message(user.id, user.language_code,
                                         **text_content(tally.add(user.conversation_id, text))))
    await deliver(stack, telegram_api, update)
    return update


async def all_answered(tally: Tally, timeout: float = 180) -> dict[str, int]:
    await eventually(tally.all_answered, timeout=timeout, interval=0.5,
                     what=f"every message of '{tally.fault}' answered")
    return tally.report()


def update_status(stack: SupervisedStack, update_id: int) -> str | None:
    with sqlite3.connect(db_path(stack)) as db:
        row = db.execute("SELECT status FROM telegram_updates WHERE bot_id = ? AND update_id = ?",
                         (stack.telegram_bot.id, update_id)).fetchone()  # type: ignore[attr-defined]
    return row[0] if row else None


def user_events(stack: SupervisedStack, conversation_id: str) -> int:
    """User messages in Rasa's tracker for a conversation (a turn Rasa ran twice shows)."""
    with sqlite3.connect(db_path(stack)) as db:
        (count,) = db.execute("SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
                              (conversation_id,)).fetchone()
    return count


async def test_rasa_answering_late_is_said_then_answered_once_and_never_as_the_next_message(fault_stack, web, words) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("Rasa late", db_path(stack))
    person = web()
    await person.connect(language="nl")
    conv = person.conversation_id
    stack.proxy.slow.add(conv)
    try:
        first = await person.say(tally.add(conv, SAY["nl"]["zorgtoeslag"]))
        assert texts(first) == expect(words, "app_slow", "nl")
        # Rasa's answer, pushed once it is in Rasa's tracker.
        late = await person.replies(timeout=90)
        assert texts(late) == expect(words, ANSWER["zorgtoeslag"], "nl")
    finally:
        stack.proxy.slow.discard(conv)
    second = await person.say(tally.add(conv, SAY["nl"]["eigen_risico"]))
    assert texts(second) == expect(words, ANSWER["eigen_risico"], "nl")
    counts = await all_answered(tally)
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    # Rasa ran each turn once (welcome, first, second): the late one was not sent again…
    assert stack.proxy.sent[conv] == 3
    assert user_events(stack, conv) == 3
    # …and the late answer's keys stayed with its own message.
    with sqlite3.connect(db_path(stack)) as db:
        keys = [row[0] for row in db.execute(
            "SELECT answered_with FROM messages WHERE conversation_id = ? AND direction = 'in' "
            "AND kind = 'text' ORDER BY id", (conv,))]
    assert keys[-2:] == [f'["{ANSWER["zorgtoeslag"]}"]', f'["{ANSWER["eigen_risico"]}"]']


async def test_one_telegram_chat_flooding_while_rasa_is_slow_does_not_hold_up_another(fault_stack, telegram_api, words) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("Telegram flood while Rasa is slow", db_path(stack))
    flooder, other = telegram_user(stack, telegram_api), telegram_user(stack, telegram_api)
    stack.proxy.slow.add(flooder.conversation_id)
    try:
        flood = [await say_on_telegram(stack, telegram_api, flooder, tally, f"{SAY['nl']['help']} {i}")
                 for i in range(6)]
        # Two slots: the flooder's chat takes one (its first turn waits for Rasa), its
        # other updates wait in its own line; the other chat is answered meanwhile.
        update = await say_on_telegram(stack, telegram_api, other, tally, SAY["nl"]["greet"])
        await other.wait_handled(update["update_id"], timeout=60)
        assert update_status(stack, flood[-1]["update_id"]) != "done"
    finally:
        stack.proxy.slow.discard(flooder.conversation_id)
    counts = await all_answered(tally)
    for update in flood:
        await flooder.wait_handled(update["update_id"], timeout=120)
    assert counts["lost"] == 0 and counts["duplicates"] == 0


async def test_the_database_locked_for_20_seconds_loses_nothing(fault_stack, web, telegram_api, words) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("database locked 20 s", db_path(stack))
    person, telegram = web(), telegram_user(stack, telegram_api)
    await person.connect(language="nl")
    await telegram.say(SAY["nl"]["greet"])
    holder = sqlite3.connect(db_path(stack), check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    # The fault: another writer holds the file for 20 seconds.
    release = threading.Timer(20, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        said, _ = await asyncio.gather(
            person.say(tally.add(person.conversation_id, SAY["nl"]["zorgtoeslag"])),
            say_on_telegram(stack, telegram_api, telegram, tally, SAY["nl"]["eigen_risico"]),
        )
    finally:
        release.join()
        holder.close()
    # Stored once the lock was gone (within the retries), then answered.
    assert texts(said) == expect(words, ANSWER["zorgtoeslag"], "nl")
    counts = await all_answered(tally)
    assert counts["lost"] == 0 and counts["duplicates"] == 0


async def test_the_action_server_killed_mid_conversation_loses_nothing(fault_stack, web, telegram_api, words) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("action server killed", db_path(stack))
    people = [web() for _ in range(3)]
    for person in people:
        await person.connect(language="nl")
        await person.say(tally.add(person.conversation_id, SAY["nl"]["greet"]))
    telegram = telegram_user(stack, telegram_api)
    await say_on_telegram(stack, telegram_api, telegram, tally, SAY["nl"]["greet"])
    stack.kill("actions")
    # Messages that need an action while it is gone (supervisord starts it again).
    await asyncio.gather(*(p.say(tally.add(p.conversation_id, SAY["nl"]["ask_appointment"])) for p in people))
    await say_on_telegram(stack, telegram_api, telegram, tally, SAY["nl"]["ask_appointment"])
    counts = await all_answered(tally)
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    stack.wait_healthy(120)


async def test_rasa_killed_and_restarted_loses_nothing(fault_stack, web, telegram_api, words) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("Rasa killed and restarted", db_path(stack))
    person = web()
    await person.connect(language="ar")
    telegram = telegram_user(stack, telegram_api, "ar")
    stack.kill("rasa")
    said = await person.say(tally.add(person.conversation_id, SAY["ar"]["zorgtoeslag"]))
    assert texts(said) == expect(words, "app_waiting", "ar")
    await person.say(tally.add(person.conversation_id, SAY["ar"]["eigen_risico"]))
    await say_on_telegram(stack, telegram_api, telegram, tally, SAY["ar"]["greet"])
    await say_on_telegram(stack, telegram_api, telegram, tally, SAY["ar"]["help"])
    counts = await all_answered(tally, timeout=240)
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    stack.wait_healthy(120)


async def test_the_app_restarted_during_a_burst_of_telegram_updates_loses_nothing(fault_stack, telegram_api) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("app restarted during a Telegram burst", db_path(stack))
    people = [telegram_user(stack, telegram_api) for _ in range(5)]
    phrases = [SAY["nl"][k] for k in ("greet", "help", "zorgtoeslag", "eigen_risico")]

    async def burst(person: TelegramUser) -> None:
        for i, phrase in enumerate(phrases):
            await say_on_telegram(stack, telegram_api, person, tally, f"{phrase} {i}")

    sending = asyncio.gather(*(burst(p) for p in people))
    await eventually(lambda: len(tally.sent) >= 6, timeout=60, what="the burst under way")
    app = stack.procs["faultapp"]
    os.killpg(app.pid, signal.SIGKILL)  # as a crash would; Telegram keeps sending meanwhile
    app.wait(timeout=20)
    stack.start_process("faultapp", "app", env=stack.app_env)
    await sending
    counts = await all_answered(tally, timeout=240)
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    stack.wait_healthy(120)


async def test_the_mail_server_down_delays_the_escalation_mail_but_loses_it_not(fault_stack, web, words) -> None:  # type: ignore[no-untyped-def]
    stack = fault_stack
    tally = Tally("mail server down", db_path(stack))
    stack.smtp.stop()
    before = len(stack.smtp.to("teamlead@example.org"))
    try:
        person = web()
        await person.connect(language="nl")
        await person.say(tally.add(person.conversation_id, SAY["nl"]["talk_to_casemanager"]))
        counts = await all_answered(tally)
        with sqlite3.connect(db_path(stack)) as db:
            (escalation,) = db.execute("SELECT id FROM escalations WHERE conversation_id = ?",
                                       (person.conversation_id,)).fetchone()
    finally:
        stack.smtp.start()
    link = f"/inbox/escalations/{escalation}"

    def mails() -> list:
        return [m for m in stack.smtp.to("teamlead@example.org")[before:] if link in m.get_content()]

    await eventually(mails, timeout=120, interval=0.5, what="the escalation mail once the mail server is back")
    print(f"fault mail server down: escalation mails to the team lead {len(mails())} (duplicates "
          f"{len(mails()) - 1})")
    assert counts["lost"] == 0 and counts["duplicates"] == 0

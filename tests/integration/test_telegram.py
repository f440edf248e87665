"""Telegram in webhook mode, through the running stack: the fake Bot API server delivers
updates to the app's webhook as Telegram does; python-telegram-bot in the app answers it."""

from __future__ import annotations

import html
import sqlite3
import time

import httpx
import pytest

from bot.channels.telegram import TELEGRAM_LANGUAGE
from bot.i18n.locales import LOCALES
from harness.phrases import ANSWER, SAY, handoff_text
from harness.telegram_updates import (
    TelegramUser,
    buttons,
    message,
    new_user_id,
    text_content,
    texts,
    user_dict,
)
from harness.waiting import eventually
from harness.webchat import db_path, expect

pytestmark = pytest.mark.stack

NATIVE = {"ar": "العربية", "ti": "ትግርኛ", "fa_AF": "دری", "en": "English", "nl": "Nederlands"}
CLIENT = {"ar": (1, "Amal"), "en": (4, "Samuel")}


@pytest.fixture
async def telegram(stack, telegram_api, telegram_bot):  # type: ignore[no-untyped-def]
    """Makes Telegram users of the stack's bot, once the app registered its webhook."""
    await eventually(lambda: (stack.health() or {}).get("channels", {}).get("telegram"),
                     timeout=60, interval=0.2, what="the Telegram channel starting")

    def make(language_code: str | None = "en") -> TelegramUser:
        return TelegramUser(telegram_api, telegram_bot, db_path(stack), language_code)

    return make


def said(calls) -> str:  # type: ignore[no-untyped-def]
    """What the person reads (the bot sends HTML with everything escaped)."""
    return html.unescape(texts(calls))


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


async def test_webhook_and_command_menu_are_set_up(stack, telegram, telegram_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    assert telegram_bot.webhook_url == f"{stack.app_url}/telegram/webhook"
    assert telegram_bot.webhook_secret == "test-webhook-secret"
    assert "callback_query" in telegram_bot.allowed_updates
    # The menu in every locale (by Telegram's language code), English for everyone else.
    assert set(telegram_bot.commands) == {"", "ar", "ti", "fa", "en", "nl"}
    for locale in LOCALES:
        menu = telegram_bot.commands[TELEGRAM_LANGUAGE[locale]]
        assert [c["command"] for c in menu] == ["start", "language", "help", "casemanager", "forget"]
        assert menu[1]["description"] == expect(renderer, "telegram_command_language", locale)
    assert telegram_bot.commands["ar"] != telegram_bot.commands["en"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_whole_conversation_in_each_locale(stack, telegram, renderer, locale: str) -> None:  # type: ignore[no-untyped-def]
    # The Telegram app's language is the first guess.
    user = telegram({"fa_AF": "fa", "ti": "ti"}.get(locale, locale))
    welcome = await user.say("/start")
    assert said(welcome) == expect(renderer, "utter_welcome", locale)
    assert buttons(welcome[-1]) == [NATIVE[loc] for loc in LOCALES]
    assert welcome[-1].params["parse_mode"] == "HTML"
    # 'typing…' while the bot thinks, before the answer.
    typing = [c for c in user.bot.sent("sendChatAction", user.id)]
    assert typing and typing[0].params["action"] == "typing"

    replies = await user.tap(welcome, NATIVE[locale])
    assert said(replies) == expect(renderer, "utter_language_set", locale)
    # The tapped button is answered, and the keyboard keeps only the choice.
    assert user.bot.sent("answerCallbackQuery")
    edit = user.bot.sent("editMessageReplyMarkup", user.id)[-1]
    assert edit.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "✓ " + NATIVE[locale], "callback_data": "noop"}]
    ]

    for intent in ("zorgtoeslag", "eigen_risico", "help", "thank"):
        replies = await user.say(SAY[locale][intent])
        assert said(replies) == expect(renderer, ANSWER[intent], locale), (locale, intent)

    stored = query(stack, "SELECT locale FROM conversations WHERE id = ?", user.conversation_id)
    assert stored == [(locale,)]


async def test_language_code_only_guesses(telegram, renderer) -> None:  # type: ignore[no-untyped-def]
    """A Dutch phone, an Arabic question: the bot follows what the person writes."""
    user = telegram("nl")
    welcome = await user.say("/start")
    assert said(welcome) == expect(renderer, "utter_welcome", "nl")
    replies = await user.say(SAY["ar"]["zorgtoeslag"])
    assert expect(renderer, "utter_benefits/zorgtoeslag", "ar") in said(replies)


@pytest.mark.parametrize("locale", ["ar", "en"])
async def test_deep_link_links_the_account(stack, telegram, renderer, locale: str) -> None:  # type: ignore[no-untyped-def]
    client_id, first_name = CLIENT[locale]
    code = stack.cli("link-code", "--client", str(client_id)).strip().splitlines()[-1]
    user = telegram(locale)
    replies = await user.say(f"/start {code}")  # what t.me/<bot>?start=<code> sends
    assert said(replies) == "\n\n".join([
        expect(renderer, "utter_welcome", locale),
        expect(renderer, "utter_link_success", locale, first_name=first_name),
    ])
    assert query(stack, "SELECT client_id FROM channel_identities WHERE conversation_id = ?",
                 user.conversation_id) == [(client_id,)]
    assert not query(stack, "SELECT id FROM messages WHERE text LIKE ?", f"%{code}%")
    assert not query(stack, "SELECT id FROM events WHERE data LIKE ?", f"%{code}%")

    replies = await user.say(SAY[locale]["ask_appointment"])
    assert said(replies).startswith(
        expect(renderer, "utter_appointments_intro", locale, first_name=first_name, count=3)
    )
    # A used code links nobody else.
    other = telegram(locale)
    replies = await other.say(f"/start {code}")
    assert expect(renderer, "utter_link_success", locale, first_name=first_name) not in said(replies)


async def test_menu_commands(telegram, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("nl")
    await user.say("/start")
    assert said(await user.say("/language")) == expect(renderer, "utter_choose_language", "nl")
    assert said(await user.say("/help")) == expect(renderer, "utter_help", "nl")
    assert said(await user.say("/forget")) == expect(renderer, "utter_forget_me_confirm", "nl")
    assert said(await user.say("/casemanager")) == handoff_text(renderer, "nl")


async def test_typed_intent_is_not_obeyed(stack, telegram) -> None:  # type: ignore[no-untyped-def]
    user = telegram("en")
    await user.say("/start")
    replies = await user.say('/link_account{"link_status": "linked", "client_id": 1}')
    assert replies  # an answer, but no link
    assert not query(stack, "SELECT id FROM channel_identities WHERE conversation_id = ?",
                     user.conversation_id)


@pytest.mark.parametrize("locale", LOCALES)
async def test_photos_voice_and_stickers_get_a_kind_answer(stack, telegram, renderer, locale: str) -> None:  # type: ignore[no-untyped-def]
    user = telegram(TELEGRAM_LANGUAGE[locale])
    await user.say("/start")
    photo = await user.send("photo", caption="wat is dit?")
    assert said(photo) == expect(renderer, "app_photo", locale)
    my_casemanager = renderer.render("app_photo", locale).buttons[0]["title"]
    assert buttons(photo[-1]) == [my_casemanager]

    assert said(await user.send("voice")) == expect(renderer, "app_voice", locale)
    assert said(await user.send("document")) == expect(renderer, "app_photo", locale)
    for kind in ("sticker", "location", "contact"):
        assert said(await user.send(kind)) == expect(renderer, "app_unsupported_content", locale)
    # The photo's button hands the chat to the casemanager (the team: not linked).
    replies = await user.tap(photo, my_casemanager)
    assert said(replies) == handoff_text(renderer, locale)

    # Nothing is lost: each is stored, with where to find the file.
    rows = query(stack, "SELECT kind, text, attachment FROM messages WHERE conversation_id = ? "
                 "AND direction = 'in' AND kind NOT IN ('text', 'command', 'button') ORDER BY id",
                 user.conversation_id)
    assert [r[0] for r in rows] == ["photo", "voice", "document", "sticker", "location", "contact"]
    assert rows[0][1] == "wat is dit?" and '"file_id": "AgAC-big"' in rows[0][2]


async def test_edited_message_is_stored_and_explained(stack, telegram, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("ar")
    await user.say("/start")
    edited = message(user.id, "ar", **text_content("عندي سؤال عن الزورخ توسلاخ"))
    edited["edit_date"] = int(time.time())
    replies = await user.send_update(user.update(edited_message=edited))
    assert said(replies) == expect(renderer, "app_edited_message", "ar")
    assert query(stack, "SELECT kind FROM messages WHERE conversation_id = ? AND kind = 'edited'",
                 user.conversation_id) == [("edited",)]


async def test_old_or_forged_buttons_do_nothing(telegram, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("ti")
    await user.say("/start")
    before = len(user.bot.sent("sendMessage", user.id))
    for data in ('/set_language{"language": "ar"}', "b:000000000000000000000000", "x" * 64):
        await user.send_update(user.callback(data))
    assert len(user.bot.sent("sendMessage", user.id)) == before
    answers = [c.params.get("text") for c in user.bot.sent("answerCallbackQuery")[-3:]]
    assert answers == [expect(renderer, "app_button_expired", "ti")] * 3


async def test_groups_and_channels_are_left(telegram, telegram_api, telegram_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("nl")
    group = {"id": -100123, "type": "supergroup", "title": "Buurt"}
    msg = message(user.id, "nl", **text_content("hallo allemaal"))
    msg["chat"] = group
    await telegram_api.push(telegram_bot, user.update(message=msg))
    added = user.update(my_chat_member={
        "chat": {"id": -4444, "type": "group", "title": "Familie"},
        "from": user_dict(user.id, "nl"),
        "date": int(time.time()),
        "old_chat_member": {"user": telegram_bot.user(), "status": "left"},
        "new_chat_member": {"user": telegram_bot.user(), "status": "member"},
    })
    await telegram_api.push(telegram_bot, added)
    post = user.update(channel_post={"message_id": 5, "date": int(time.time()),
                                     "chat": {"id": -1009, "type": "channel", "title": "Nieuws"},
                                     "text": "nieuws"})
    await user.send_update(post)
    await user.wait_handled(added["update_id"])
    left = {int(c.params["chat_id"]) for c in telegram_bot.sent("leaveChat")}
    assert {-100123, -4444, -1009} <= left
    note = expect(renderer, "app_private_only", "nl")
    assert [html.unescape(c.params["text"]) for c in telegram_bot.sent("sendMessage", -100123)] == [note]
    assert [html.unescape(c.params["text"]) for c in telegram_bot.sent("sendMessage", -4444)] == [note]
    assert not telegram_bot.sent("sendMessage", -1009)


async def test_forged_webhook_requests_are_refused(stack, telegram, telegram_bot) -> None:  # type: ignore[no-untyped-def]
    user_id = new_user_id()
    update = {"update_id": 999_999_001,
              "message": message(user_id, "en", **text_content("hello"))}
    url = f"{stack.app_url}/telegram/webhook"
    async with httpx.AsyncClient() as client:
        no_header = await client.post(url, json=update)
        wrong = await client.post(url, json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        garbage = await client.post(url, content=b"\x00not json",
                                    headers={"X-Telegram-Bot-Api-Secret-Token": "test-webhook-secret"})
    assert (no_header.status_code, wrong.status_code, garbage.status_code) == (403, 403, 400)
    # The signal that nothing can follow: the app stores an update before it queues it,
    # and there is no row, so nothing was queued.
    assert not query(stack, "SELECT update_id FROM telegram_updates WHERE update_id = ?", 999_999_001)
    assert not telegram_bot.sent("sendMessage", user_id)
    assert not query(stack, "SELECT id FROM conversations WHERE id = ?", f"telegram:{user_id}")


async def test_replayed_update_is_handled_once(stack, telegram, telegram_api, telegram_bot) -> None:  # type: ignore[no-untyped-def]
    user = telegram("en")
    await user.say("/start")
    update = user.update(message=message(user.id, "en", **text_content("what is eigen risico")))
    first = await user.send_update(update)
    # Telegram did not see our 200 (say) and sends it again, twice.
    again = await user.send_update(update)
    await telegram_api.push(telegram_bot, update)
    # The signal that nothing can follow: the webhook answered both replays "duplicate",
    # which it says only when it did not queue the update.
    assert telegram_bot.webhook_results[-2:] == ["duplicate", "duplicate"]
    assert first and not again
    incoming = query(stack, "SELECT text FROM messages WHERE conversation_id = ? AND direction = 'in'",
                     user.conversation_id)
    assert incoming.count(("what is eigen risico",)) == 1
    # The update's content is not kept once handled; its id is.
    assert query(stack, "SELECT status, payload FROM telegram_updates WHERE bot_id = ? AND update_id = ?",
                 telegram_bot.id, update["update_id"]) == [("done", None)]


async def test_many_messages_at_once_keep_their_order(stack, telegram, telegram_api, telegram_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("nl")
    await user.say("/start")
    words = ["kan ik zorgtoeslag krijgen", "wat is het eigen risico", "dank je wel",
             "ben jij een robot", "wat kan je"]
    updates = [user.update(message=message(user.id, "nl", **text_content(w))) for w in words]
    for u in updates:  # as fast as Telegram can push them
        assert await telegram_api.push(telegram_bot, u) == 200
    for u in updates:
        await user.wait_handled(u["update_id"])
    incoming = [r[0] for r in query(
        stack, "SELECT text FROM messages WHERE conversation_id = ? AND direction = 'in' ORDER BY id",
        user.conversation_id)]
    assert incoming[-5:] == words
    sent = [html.unescape(c.params["text"]) for c in telegram_bot.sent("sendMessage", user.id)]
    expected = [expect(renderer, k, "nl") for k in (
        "utter_benefits/zorgtoeslag", "utter_insurance/eigen_risico", "utter_thank",
        "utter_bot_challenge", "utter_help")]
    joined = "\n\n".join(sent)
    positions = [joined.rindex(e) for e in expected]
    assert positions == sorted(positions)


async def test_rate_limit_and_server_errors_are_retried(stack, telegram, telegram_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("fa")
    await user.say("/start")
    telegram_bot.fail("sendMessage", 429, retry_after=1)
    replies = await user.say(SAY["fa_AF"]["thank"])
    assert said(replies) == expect(renderer, "utter_thank", "fa_AF")
    telegram_bot.fail("sendMessage", 500, times=2)
    telegram_bot.fail("sendChatAction", 502, times=5)  # typing failing does not matter
    replies = await user.say(SAY["fa_AF"]["help"])
    assert said(replies) == expect(renderer, "utter_help", "fa_AF")
    failed = [c for c in telegram_bot.calls if c.failed and c.method == "sendMessage"
              and int(c.params["chat_id"]) == user.id]
    assert len(failed) == 3


async def test_a_long_outage_keeps_the_reply_until_telegram_is_back(stack, telegram, telegram_bot, renderer) -> None:  # type: ignore[no-untyped-def]
    user = telegram("ti")
    await user.say("/start")
    telegram_bot.fail("sendMessage", 500, times=6)  # more than one turn retries
    replies = await user.say(SAY["ti"]["bot_challenge"])
    assert replies == []  # the turn gave up for now ...
    assert query(stack, "SELECT COUNT(*) FROM telegram_outbox WHERE chat_id = ?", user.id)[0][0] == 1
    await eventually(lambda: query(
        stack, "SELECT COUNT(*) FROM telegram_outbox WHERE chat_id = ?", user.id
    ) == [(0,)], timeout=60, interval=0.5, what="the retry loop emptying the outbox")
    # ... and the retry loop delivered it, once.
    delivered = [html.unescape(c.params["text"]) for c in telegram_bot.sent("sendMessage", user.id)]
    assert delivered.count(expect(renderer, "utter_bot_challenge", "ti")) == 1


async def test_a_private_update_from_someone_else_is_dropped(stack, telegram, renderer) -> None:  # type: ignore[no-untyped-def]
    """chat.id must be from.id in a private chat: otherwise B's name and appointments could
    go to A's chat, or A's /forget erase B."""
    victim = telegram("en")
    code = stack.cli("link-code", "--client", "4").strip().splitlines()[-1]
    await victim.say(f"/start {code}")
    attacker = telegram("en")
    stored_before = query(stack, "SELECT COUNT(*) FROM messages WHERE conversation_id = ?",
                          victim.conversation_id)
    sent_before = len(victim.bot.calls)

    forged = []
    for text in (SAY["en"]["ask_appointment"], "/forget", "/start"):
        msg = message(victim.id, "en", **text_content(text))
        msg["from"] = user_dict(attacker.id, "en")  # A writes "in" B's private chat
        forged.append(victim.update(message=msg))
    tap = victim.callback("anything")
    tap["callback_query"]["from"] = user_dict(attacker.id, "en")
    forged.append(tap)
    for update in forged:
        await victim.send_update(update)  # waits until the app is done with it

    assert victim.bot.calls[sent_before:] == []  # nothing to anyone, not even a tap answer
    assert query(stack, "SELECT COUNT(*) FROM messages WHERE conversation_id = ?",
                 victim.conversation_id) == stored_before
    assert not query(stack, "SELECT id FROM conversations WHERE id = ?", attacker.conversation_id)
    assert query(stack, "SELECT client_id FROM channel_identities WHERE conversation_id = ?",
                 victim.conversation_id) == [(4,)]  # /forget erased nothing
    dropped = [line for line in stack.log("app").read_text().splitlines()
               if "sender is not the chat" in line]
    assert len(dropped) >= len(forged)
    assert not any(str(victim.id) in line or str(attacker.id) in line for line in dropped)
    # B still talks to the bot as before.
    assert said(await victim.say(SAY["en"]["help"])) == expect(renderer, "utter_help", "en")


async def test_forget_on_telegram_erases_every_chat_of_the_client_and_confirms(stack, telegram, telegram_bot, chat, renderer) -> None:  # type: ignore[no-untyped-def]
    """A person linked from the web chat and from Telegram: /forget on Telegram leaves
    nothing of either chat anywhere in the database, and the confirmation still reaches
    Telegram (its outbox row goes once sent). A client of its own, so no other test's
    links are touched."""
    from bot.db.session import Database
    from harness.schema_scan import where

    with sqlite3.connect(db_path(stack)) as db:
        client_id = db.execute("INSERT INTO clients (first_name, last_name, locale, casemanager_id)"
                               " VALUES ('Erasa', 'Test', 'en', 1)").lastrowid
    phrase = f"Kestrel-{new_user_id()}"

    def code() -> str:
        return stack.cli("link-code", "--client", str(client_id)).strip().splitlines()[-1]

    web = chat()
    await web.connect(language="en")
    await web.say(code())
    await web.say(f"about {phrase} on the web")
    user = telegram("en")
    await user.say(f"/start {code()}")
    await user.say(f"about {phrase} on telegram")
    person = (f"webchat:{web.session_id}", user.conversation_id, str(user.id), phrase)
    database = Database(stack.database_url)
    try:
        assert {"messages", "events", "channel_identities"} <= {t for t, _ in where(database, *person)}
        confirm = await user.say("/forget")
        assert said(confirm) == expect(renderer, "utter_forget_me_confirm", "en")
        done = await user.tap(confirm, "Yes, erase")
        assert said(done) == expect(renderer, "utter_forget_me_done", "en")
        await eventually(lambda: query(
            stack, "SELECT COUNT(*) FROM telegram_outbox WHERE chat_id = ?", user.id) == [(0,)],
            what="the confirmation leaving the outbox")
        assert where(database, *person) == set()
    finally:
        database.dispose()
    assert query(stack, "SELECT COUNT(*) FROM clients WHERE id = ?", client_id) == [(1,)]

"""Whole conversations through the running stack: socket.io → app → Rasa → actions → NLG."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.i18n.locales import LOCALES
from harness.phrases import ANSWER, HANDOFF_INTENTS, SAY, handoff_text
from harness.po_files import edit_po
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack

async def test_healthz_reports_every_part(stack) -> None:  # type: ignore[no-untyped-def]
    resp = httpx.get(f"{stack.app_url}/healthz")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"rasa": True, "action_server": True, "database": True}


async def test_page_follows_the_locale(stack) -> None:  # type: ignore[no-untyped-def]
    for locale, d in [("ar", "rtl"), ("fa_AF", "rtl"), ("ti", "ltr"), ("nl", "ltr")]:
        html = httpx.get(f"{stack.app_url}/?lang={locale}").text
        assert f'dir="{d}"' in html and f'data-locale="{locale}"' in html
    html = httpx.get(stack.app_url, headers={"Accept-Language": "ti-ER,ti;q=0.9,en;q=0.5"}).text
    assert 'data-locale="ti"' in html
    for name in ("العربية", "ትግርኛ", "دری", "English", "Nederlands"):
        assert name in html


@pytest.mark.parametrize("locale", LOCALES)
async def test_conversation_in_each_locale(stack, renderer, chat, locale: str) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    welcome = await user.connect(language=locale)
    assert texts(welcome) == expect(renderer, "utter_welcome", locale)
    assert [q["title"] for q in welcome[-1]["quick_replies"]] == [
        "العربية", "ትግርኛ", "دری", "English", "Nederlands"
    ]
    assert welcome[-1]["metadata"]["dir"] == ("rtl" if locale in ("ar", "fa_AF") else "ltr")

    for intent, text in SAY[locale].items():
        if intent in HANDOFF_INTENTS:
            continue
        replies = await user.say(text)
        assert texts(replies) == expect(renderer, ANSWER[intent], locale), (locale, intent, text)
        assert all(r["metadata"]["locale"] == locale for r in replies)
    # Urgent help: the emergency numbers first, then a person takes over.
    replies = await user.say(SAY[locale]["urgent_help"])
    assert texts(replies) == "\n\n".join(
        [expect(renderer, "utter_urgent_help", locale), handoff_text(renderer, locale)]
    )
    assert all(r["metadata"]["locale"] == locale for r in replies)


@pytest.mark.parametrize("locale", LOCALES)
async def test_language_button_then_topic_buttons(stack, renderer, chat, locale: str) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    welcome = await user.connect(language="en")
    payload = next(q["payload"] for q in welcome[-1]["quick_replies"] if locale in q["payload"])
    replies = await user.say(payload)
    assert texts(replies) == expect(renderer, "utter_language_set", locale)
    benefits = next(q["payload"] for q in replies[-1]["quick_replies"] if q["payload"] == "/benefits_overview")
    replies = await user.say(benefits)
    assert texts(replies) == expect(renderer, "utter_benefits_overview", locale)
    # A topic button sends the Dutch term; the answer comes in the chosen locale.
    huur = next(q["payload"] for q in replies[-1]["quick_replies"] if q["payload"] == "huurtoeslag")
    replies = await user.say(huur)
    assert texts(replies) == expect(renderer, "utter_benefits/huurtoeslag", locale)


async def test_set_language_by_request(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="nl")
    replies = await user.say("kunnen we tigrinya spreken")
    assert texts(replies) == expect(renderer, "utter_language_set", "ti")
    replies = await user.say("ben jij een robot")  # Dutch, but one clear sentence…
    # …is a switch back to Dutch, said once, with a way back to Tigrinya.
    assert replies[0]["text"] == expect(renderer, "utter_language_switched", "nl", previous="ti")
    assert replies[0]["quick_replies"][0]["payload"] == '/set_language{"language": "ti"}'
    assert texts(replies[1:]) == expect(renderer, "utter_bot_challenge", "nl")


async def test_automatic_switch_is_said_once(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="nl")
    replies = await user.say("بقدر اخد زورخ توسلاخ")
    assert replies[0]["text"] == expect(renderer, "utter_language_switched", "ar", previous="nl")
    assert texts(replies[1:]) == expect(renderer, "utter_benefits/zorgtoeslag", "ar")
    replies = await user.say("شكرا جزيلا")
    assert texts(replies) == expect(renderer, "utter_thank", "ar")


async def test_one_word_in_another_language_keeps_the_locale(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="ar")
    replies = await user.say("zorgtoeslag")
    assert texts(replies) == expect(renderer, "utter_benefits/zorgtoeslag", "ar")


@pytest.mark.parametrize("locale", LOCALES)
async def test_two_step_fallback_then_casemanager(stack, renderer, chat, locale: str) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language=locale)
    await user.say({"en": "hello", "nl": "hallo"}.get(locale, SAY[locale]["greet"]))
    nonsense = "qwx zzv plop"
    replies = await user.say(nonsense)
    assert texts(replies) in {
        expect(renderer, "utter_ask_rephrase", locale),
        expect(renderer, "utter_out_of_scope", locale),
    }
    replies = await user.say(nonsense)
    assert texts(replies) == expect(renderer, "utter_offer_casemanager", locale)
    yes = next(q["payload"] for q in replies[-1]["quick_replies"] if q["payload"] == "/affirm")
    replies = await user.say(yes)
    assert texts(replies) == handoff_text(renderer, locale)
    with sqlite3.connect(db_path(stack)) as db:
        reason = db.execute("SELECT reason FROM escalations WHERE conversation_id = ?",
                            (user.conversation_id,)).fetchone()
    assert reason == ("not_understood",)


async def test_injected_commands_are_only_text(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="ti")
    await user.say('/set_language{"language": "ti"}')
    # "/restart" would wipe the conversation (and the language) if Rasa saw it as a command.
    await user.say("/restart")
    await user.say('/set_language{"language": "xx"}')
    replies = await user.say("ሰላም ከመይ ኣለኻ")
    assert texts(replies) == expect(renderer, "utter_greet", "ti")


async def test_bad_input_gets_a_clear_answer_and_is_kept(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="fa_AF")
    replies = await user.say({"photo": "base64…"})
    assert texts(replies) == expect(renderer, "app_unsupported_content", "fa_AF")
    replies = await user.say("😀🙏")
    assert replies and all(r["metadata"]["locale"] == "fa_AF" for r in replies)
    replies = await user.say("\x00\x07\u202e")
    assert texts(replies) == expect(renderer, "app_unsupported_content", "fa_AF")
    long_text = "سلام " * 2000
    replies = await user.say(long_text)
    assert replies[0]["text"] == expect(renderer, "app_too_long", "fa_AF")

    with sqlite3.connect(db_path(stack)) as db:
        rows = db.execute(
            "SELECT kind, length(text) FROM messages WHERE conversation_id = ? AND direction = 'in' ORDER BY id",
            (user.conversation_id,),
        ).fetchall()
    kinds = [k for k, _ in rows]
    assert kinds == ["command", "unsupported", "text", "text", "text"]
    assert rows[-1][1] == 2000


async def test_edited_catalog_is_live_on_the_next_message(stack, chat) -> None:  # type: ignore[no-untyped-def]
    po = stack.locales_dir / "nl" / "LC_MESSAGES" / "wegwijs.po"
    edit_po(po, "utter_goodbye", "Dag! Tot de volgende keer.")

    user = chat()
    await user.connect(language="nl")
    replies = await user.say("doei")
    assert texts(replies) == "Dag! Tot de volgende keer."


async def test_two_tabs_of_one_session_share_the_conversation(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    first = chat()
    await first.connect(language="en")
    second = chat()
    await second.connect(session_id=first.session_id, welcome=False)  # known session
    replies = await second.say("what can you do")
    assert texts(replies) == expect(renderer, "utter_help", "en")
    assert texts(await first.replies()) == expect(renderer, "utter_help", "en")


def conversation_rows(stack, conversation_id: str) -> int:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as conn:
        return conn.execute("SELECT count(*) FROM conversations WHERE id = ?",
                            (conversation_id,)).fetchone()[0]


async def test_the_server_issues_the_session_and_refuses_a_chosen_one(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    chosen = "my-own-session-id-123456"
    user = chat()
    welcome = await user.connect(language="en", session_id=chosen)
    # Nothing alarming: the ordinary welcome of a new conversation, on a session of the server's.
    assert texts(welcome) == expect(renderer, "utter_welcome", "en")
    token = user.session_id
    assert token != chosen and chosen not in token
    session_id, _, signature = token.partition(".")
    assert len(session_id) >= 32 and len(signature) >= 43
    assert conversation_rows(stack, user.conversation_id) == 1
    assert conversation_rows(stack, f"webchat:{chosen}") == 0
    # Every new session is another one.
    other = chat()
    await other.connect(language="en")
    assert other.session_id.partition(".")[0] not in (session_id, chosen)


async def test_only_the_signed_token_resumes_a_conversation(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    owner = chat()
    await owner.connect(language="en")
    await owner.say("what can you do")
    before = incoming(stack, owner.conversation_id)
    session_id, _, signature = owner.session_id.partition(".")
    # Someone who learnt the conversation id (a log, the database, the inbox) or half
    # the token, or who signs with another key, gets a fresh session of their own.
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    for forged in (session_id, f"{session_id}.{forged_signature}", f"{session_id}.",
                   f"webchat:{session_id}", owner.session_id + "x"):
        intruder = chat()
        welcome = await intruder.connect(language="en", session_id=forged)
        assert texts(welcome) == expect(renderer, "utter_welcome", "en"), forged
        assert intruder.conversation_id != owner.conversation_id, forged
    # The page that holds the token is back in its conversation: no new welcome, and
    # what it says reaches its conversation.
    again = chat()
    assert await again.connect(session_id=owner.session_id, welcome=False) == []
    assert again.session_id == owner.session_id
    assert texts(await again.say("what can you do")) == expect(renderer, "utter_help", "en")
    assert incoming(stack, owner.conversation_id) == before + 1


def incoming(stack, conversation_id: str) -> int:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as conn:
        return conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ? "
                            "AND direction = 'in'", (conversation_id,)).fetchone()[0]


async def test_the_widgets_init_payload_adds_nothing(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    """The stock rasa-webchat widget sends its initPayload once a new session is
    confirmed: nothing by default, often "/get_started". The welcome was given already."""
    user = chat()
    await user.connect(language="en")
    before = incoming(stack, user.conversation_id)
    for init in ({"customData": {"language": "en"}, "session_id": user.session_id},
                 {"message": "/get_started", "customData": {}, "session_id": user.session_id}):
        await user.sio.emit("user_uttered", init)
        assert await user.replies() == []
    assert incoming(stack, user.conversation_id) == before
    assert texts(await user.say("what can you do")) == expect(renderer, "utter_help", "en")


async def test_a_first_arabic_message_from_an_english_browser_is_answered_in_arabic(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    """The browser's language is only a first guess (the welcome); the person's first
    message decides, even one word in a script English never uses."""
    user = chat()
    welcome = await user.connect(language="en-US")
    assert texts(welcome) == expect(renderer, "utter_welcome", "en")
    replies = await user.say("مرحبا", language="en")
    assert replies and all(r["metadata"]["locale"] == "ar" for r in replies)
    assert all(r["metadata"]["dir"] == "rtl" for r in replies)
    # Said once, with the way back to the browser's language.
    assert replies[0]["text"] == expect(renderer, "utter_language_switched", "ar", previous="en")
    # And it stays Arabic.
    replies = await user.say(SAY["ar"]["help"], language="ar")
    assert texts(replies) == expect(renderer, ANSWER["help"], "ar")

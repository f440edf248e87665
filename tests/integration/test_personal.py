"""Personal services through the running stack: link, appointments, moving one, school
choice, erasure — and that nobody gets at another client's data."""

from __future__ import annotations

import sqlite3

import pytest

from bot.i18n.locales import LOCALES
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack

# The first demo client of each locale (see bot/db/seed.py); client 1 and 4 have
# upcoming appointments.
CLIENT = {"ar": (1, "Amal"), "ti": (2, "Yohannes"), "fa_AF": (3, "Freshta"), "en": (4, "Samuel"), "nl": (5, "Noor")}
ASK_APPOINTMENT = {
    "ar": "امتى موعدي الجاي", "ti": "ዝቕጽል ቆጸራይ መዓስ እዩ", "fa_AF": "وقت ملاقات بعدی مه چی وقت است",
    "en": "when is my next appointment", "nl": "wanneer is mijn volgende afspraak",
}


def link_code(stack, client_id: int) -> str:  # type: ignore[no-untyped-def]
    return stack.cli("link-code", "--client", str(client_id)).strip().splitlines()[-1]


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


@pytest.mark.parametrize("locale", LOCALES)
async def test_link_then_appointments(stack, renderer, chat, locale: str) -> None:  # type: ignore[no-untyped-def]
    client_id, first_name = CLIENT[locale]
    user = chat()
    await user.connect(language=locale)
    replies = await user.say(ASK_APPOINTMENT[locale])
    assert texts(replies) == expect(renderer, "utter_not_linked", locale)

    code = link_code(stack, client_id)
    replies = await user.say(code)
    assert texts(replies) == expect(renderer, "utter_link_success", locale, first_name=first_name)
    # The code is in no transcript and not in Rasa's tracker.
    assert not query(stack, "SELECT id FROM messages WHERE text LIKE ?", f"%{code}%")
    assert not query(stack, "SELECT id FROM events WHERE data LIKE ?", f"%{code}%")

    replies = await user.say(ASK_APPOINTMENT[locale])
    if client_id in (1, 4):
        assert replies[0]["text"] == expect(renderer, "utter_appointments_intro", locale, first_name=first_name, count=3)
        assert len(replies) == 4  # intro + three appointments
        assert all(r["metadata"]["locale"] == locale for r in replies)
    else:
        assert texts(replies) == expect(renderer, "utter_no_appointments", locale, first_name=first_name)


async def test_code_typed_by_a_second_identity_does_nothing(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    code = link_code(stack, 6)
    first, second = chat(), chat()
    await first.connect(language="ar")
    await second.connect(language="ar")
    assert texts(await first.say(f"الكود تبعي {code}")) == expect(renderer, "utter_link_success", "ar", first_name="Rami")
    assert texts(await second.say(code)) == expect(renderer, "utter_link_invalid", "ar")
    assert texts(await second.say(ASK_APPOINTMENT["ar"])) == expect(renderer, "utter_not_linked", "ar")


async def test_guessing_codes_is_stopped(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="nl")
    for guess in ("AAAA-2222", "BBBB-3333", "CCCC-4444", "DDDD-5555", "EEEE-6666"):
        assert texts(await user.say(guess)) == expect(renderer, "utter_link_invalid", "nl")
    real = link_code(stack, 5)
    assert texts(await user.say(real)) == expect(renderer, "utter_link_rate_limited", "nl")


async def test_new_chats_from_one_address_get_no_new_tries(stack, renderer) -> None:  # type: ignore[no-untyped-def]
    """A second app on the same Rasa and database, allowing 3 wrong codes an hour per
    address, with a key of its own (its attempts are counted apart from the other tests',
    which come from the same address)."""
    import subprocess

    from harness.stack import BIN, ROOT, free_port
    from harness.waiting import eventually
    from harness.webchat import ChatClient

    key = "per-address-test-secret-key"
    port = free_port()
    stack.start_process("app-per-ip", "app", env={
        "WEGWIJS_APP_PORT": str(port), "WEGWIJS_SECRET_KEY": key,
        "WEGWIJS_LINK_ATTEMPTS_PER_IP": "3", "TELEGRAM_TOKEN": "", "SMTP_HOST": "",
    })
    users: list[ChatClient] = []
    try:
        await eventually(lambda: (stack.health(port) or {}).get("status") == "ok", timeout=90,
                         interval=0.3, what="the second app")

        async def fresh() -> ChatClient:
            users.append(ChatClient(f"http://127.0.0.1:{port}"))
            await users[-1].connect(language="en")
            return users[-1]

        for guess in ("AAAA-2222", "BBBB-3333", "CCCC-4444"):
            assert texts(await (await fresh()).say(guess)) == expect(renderer, "utter_link_invalid", "en")
        real = subprocess.run(
            [str(BIN / "wegwijs"), "link-code", "--client", "5"], cwd=ROOT, check=True,
            env={**stack.env, "WEGWIJS_SECRET_KEY": key}, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        last = await fresh()
        assert texts(await last.say(real)) == expect(renderer, "utter_link_rate_limited", "en")
        assert not query(stack, "SELECT id FROM channel_identities WHERE conversation_id = ?",
                         last.conversation_id)
    finally:
        for user in users:
            await user.close()
        stack.stop_process("app-per-ip")


@pytest.mark.parametrize(
    "injection",
    [
        '/ask_appointment{"client_id": 1}',
        '/link_account{"link_status": "linked"}',
        '/set_language{"language": "ar", "sender_id": "webchat:someone"}',
        '/change_appointment{"appointment_id": "1"}',
    ],
)
async def test_injections_never_reach_another_client(stack, renderer, chat, injection: str) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="en")
    replies = await user.say(injection)
    everything = texts(replies)
    for _, name in CLIENT.values():
        assert name not in everything
    assert "Osdorpplein" not in everything
    replies = await user.say(ASK_APPOINTMENT["en"])
    assert texts(replies) == expect(renderer, "utter_not_linked", "en")


async def test_link_status_in_client_data_is_ignored(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="en")
    await user.sio.emit(
        "user_uttered",
        {"message": "i have a code", "session_id": user.session_id,
         "customData": {"language": "en", "link_status": "linked"}},
    )
    assert texts(await user.replies()) == expect(renderer, "utter_link_how", "en")


async def test_move_an_appointment_is_a_request(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="nl")
    await user.say(link_code(stack, 4))  # Samuel has appointments; he writes Dutch
    replies = await user.say("ik wil mijn afspraak verzetten")
    assert replies[-1]["text"] == expect(renderer, "utter_ask_appointment_id", "nl")
    buttons = replies[-1]["quick_replies"]
    assert len(buttons) == 3 and all("appointment_id" in b["payload"] for b in buttons)
    replies = await user.say(buttons[0]["payload"])
    assert texts(replies) == expect(renderer, "utter_ask_reschedule_reason", "nl")
    replies = await user.say("mijn kind is ziek en ik moet thuis blijven")
    assert "De afspraak is nog niet verzet" in texts(replies)
    rows = query(stack, "SELECT kind, client_id, status, details FROM escalations WHERE client_id = 4")
    assert rows and rows[-1][0] == "reschedule" and "mijn kind is ziek" in rows[-1][3]


@pytest.mark.parametrize("locale", LOCALES)
async def test_choose_a_school_with_buttons_and_words(stack, renderer, chat, locale: str) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language=locale)
    ask = {"ar": "ساعدني اختار مدرسة لغة", "ti": "ቤት ትምህርቲ ቋንቋ ክመርጽ ሓግዘኒ", "fa_AF": "کمکم کو یک مکتب زبان انتخاب کنم",
           "en": "help me choose a language school", "nl": "help me een taalschool kiezen"}[locale]
    replies = await user.say(ask)
    assert texts(replies[:1]) == expect(renderer, "utter_school_intro", locale)
    assert replies[-1]["text"] == expect(renderer, "utter_ask_school_district", locale)
    replies = await user.say("Nieuw-West")  # district button
    assert texts(replies) == expect(renderer, "utter_ask_school_time", locale)
    evening = {"ar": "بالمسا", "ti": "ምሸት", "fa_AF": "شب", "en": "evenings", "nl": "s avonds"}[locale]
    replies = await user.say(evening)  # free text
    assert texts(replies) == expect(renderer, "utter_ask_school_childcare", locale)
    replies = await user.say("/affirm")  # yes button
    assert texts(replies) == expect(renderer, "utter_ask_school_women_only", locale)
    replies = await user.say("/skip")  # skip button
    assert texts(replies) == expect(renderer, "utter_ask_school_route", locale)
    replies = await user.say("b1")
    assert replies[0]["text"] == expect(renderer, "utter_schools_intro", locale)
    items = replies[1:-1]
    assert len(items) == 3
    assert replies[-1]["text"] == expect(renderer, "utter_school_pass_on", locale)
    send = replies[-1]["quick_replies"][0]["payload"]
    replies = await user.say(send)
    assert texts(replies) == expect(renderer, "utter_school_passed_unlinked", locale)


async def test_forget_me_erases_everything_and_starts_fresh(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="ti")
    await user.say(link_code(stack, 2))
    conv = user.conversation_id
    assert query(stack, "SELECT count(*) FROM events WHERE sender_id = ?", conv)[0][0] > 0
    replies = await user.say("ሓበሬታይ ደምስሶ")
    assert texts(replies) == expect(renderer, "utter_forget_me_confirm", "ti")
    replies = await user.say("/affirm")
    assert texts(replies) == expect(renderer, "utter_forget_me_done", "ti")
    for table, column in (("messages", "conversation_id"), ("channel_identities", "conversation_id"),
                          ("conversations", "id"), ("events", "sender_id")):
        assert query(stack, f"SELECT count(*) FROM {table} WHERE {column} = ?", conv)[0][0] == 0, table
    assert query(stack, "SELECT count(*) FROM clients WHERE id = 2")[0][0] == 1  # the file stays
    # The next message starts a fresh conversation: not linked any more.
    replies = await user.say(ASK_APPOINTMENT["ti"])
    assert texts(replies) == expect(renderer, "utter_not_linked", "ti")


async def test_a_linked_chat_stays_linked_only_for_its_token(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="nl")
    assert texts(await user.say(link_code(stack, 5))) == expect(
        renderer, "utter_link_success", "nl", first_name="Noor")
    await user.close()
    # The page comes back with its stored token: still Noor's chat.
    back = chat()
    await back.connect(session_id=user.session_id, welcome=False)
    assert back.conversation_id == user.conversation_id
    assert texts(await back.say(ASK_APPOINTMENT["nl"])) == expect(
        renderer, "utter_no_appointments", "nl", first_name="Noor")
    # Whoever has only the conversation id (as it is stored) gets a chat of their own.
    intruder = chat()
    await intruder.connect(language="nl", session_id=user.conversation_id.split(":", 1)[1])
    assert intruder.conversation_id != user.conversation_id
    assert texts(await intruder.say(ASK_APPOINTMENT["nl"])) == expect(renderer, "utter_not_linked", "nl")

"""A web chat page that comes back (reload, reconnect, a phone that slept) through the
running stack: the conversation so far, what it missed (a casemanager's reply included),
the delivery state of each message, the linked state, signing out on a device, erasure."""

from __future__ import annotations

import sqlite3

import pytest

from harness.inbox import InboxUser
from harness.phrases import SAY
from harness.waiting import eventually
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


def link_code(stack, client_id: int) -> str:  # type: ignore[no-untyped-def]
    return stack.cli("link-code", "--client", str(client_id)).strip().splitlines()[-1]


async def test_a_reloaded_page_gets_the_conversation_so_far(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    welcome = await user.connect(language="en")
    # The language button of the welcome, then a question in Arabic.
    arabic = next(q for q in welcome[-1]["quick_replies"] if '"ar"' in q["payload"])
    set_ar = await user.say(arabic["payload"])
    help_ar = await user.say(SAY["ar"]["help"])
    assert user.history is None  # a new conversation has none
    await user.close()

    again = chat()
    assert await again.connect(session_id=user.session_id, welcome=False) == []
    history = again.history
    assert history is not None
    said = [(m["from"], m["text"]) for m in history]
    assert said == [
        *[("bot", m["text"]) for m in welcome],
        ("user", "العربية"),  # the button as the person saw it, not its payload
        *[("bot", m["text"]) for m in set_ar],
        ("user", SAY["ar"]["help"]),
        *[("bot", m["text"]) for m in help_ar],
    ]
    # Each message in its own language and direction; the ids keep the order.
    assert history[0]["locale"] == "en" and history[0]["dir"] == "ltr"
    assert history[-1]["locale"] == "ar" and history[-1]["dir"] == "rtl"
    assert [m["id"] for m in history] == sorted(m["id"] for m in history)
    assert {m["state"] for m in history if m["from"] == "bot"} == {"delivered"}
    assert {m["state"] for m in history if m["from"] == "user"} == {"sent"}
    assert all(m["at"].endswith("+00:00") for m in history)
    # The buttons of the last answer are still there to tap.
    assert again.history_quick_replies == help_ar[-1].get("quick_replies", [])
    # Not linked: nothing to show.
    assert again.seen_events("chat_state") == [{"linked_as": None}]


async def test_a_casemanager_reply_written_while_away_is_shown_on_return(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="nl")
    assert texts(await person.say(link_code(stack, 5))) == expect(
        renderer, "utter_link_success", "nl", first_name="Noor")
    assert person.seen_events("chat_state") == [{"linked_as": "Noor"}]
    await person.say(SAY["nl"]["talk_to_casemanager"])
    conv = person.conversation_id
    esc_id = query(stack, "SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id DESC", conv)[0][0]
    # While Sanne has the chat, the person sees that each message reached her inbox.
    assert await person.say("hallo? ik heb een brief", client_id="m-1") == []
    assert person.seen_events("message_state") == [{"client_id": "m-1", "state": "delivered"}]
    await person.close()  # the tab is closed (the phone locked, the browser killed)

    sanne = InboxUser(stack.app_url)
    try:
        assert (await sanne.login("sanne")).status_code == 303
        assert (await sanne.post(esc_id, "reply", text="Hoi Noor, stuur de brief maar.")).status_code == 303
    finally:
        await sanne.close()
    rows = await eventually(lambda: query(
        stack, "SELECT status FROM messages WHERE conversation_id = ? AND kind = 'staff'", conv),
        what="the stored reply")
    assert rows == [("undelivered",)]

    back = chat()
    await back.connect(session_id=person.session_id, welcome=False)
    missed = await back.replies()  # shown now, marked as missed, with her name
    label = expect(renderer, "app_staff_label", "nl", name="Sanne")
    assert [m["text"] for m in missed] == [f"{label}:\nHoi Noor, stuur de brief maar."]
    assert missed[0]["metadata"] == {"locale": "nl", "dir": "ltr", "from": "staff", "name": "Sanne",
                                     "missed": True}
    # The history holds what came before; the person's message was read (Sanne replied).
    mine = [m for m in back.history if m["from"] == "user"]
    assert mine[-1]["text"] == "hallo? ik heb een brief" and mine[-1]["state"] == "seen"
    assert back.seen_events("chat_state") == [{"linked_as": "Noor"}]
    assert query(stack, "SELECT status FROM messages WHERE conversation_id = ? AND kind = 'staff'",
                 conv) == [("ok",)]
    await back.close()

    # Once shown, it is history, not missed again.
    third = chat()
    await third.connect(session_id=person.session_id, welcome=False)
    assert third.history[-1]["from"] == "staff" and third.history[-1]["name"] == "Sanne"
    assert third.history[-1]["state"] == "delivered"
    assert third.queue.empty()


async def test_an_open_page_sees_when_the_casemanager_reads_it(stack, chat) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="nl")
    await person.say(link_code(stack, 5))
    await person.say(SAY["nl"]["talk_to_casemanager"])
    esc_id = query(stack, "SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id DESC",
                   person.conversation_id)[0][0]
    await person.say("is er iemand?", client_id="m-2")
    assert person.seen_events("message_state")[-1] == {"client_id": "m-2", "state": "delivered"}
    sanne = InboxUser(stack.app_url)
    try:
        assert (await sanne.login("sanne")).status_code == 303
        assert (await sanne.http.get(f"/inbox/escalations/{esc_id}")).status_code == 200
    finally:
        await sanne.close()
    await eventually(lambda: {"client_id": None, "state": "seen"} in person.seen_events("message_state"),
                     what="the seen mark")


async def test_sign_out_on_this_device_unlinks_and_the_token_resumes_nothing(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    amal = chat()
    await amal.connect(language="ar")
    await amal.say(link_code(stack, 1))
    assert amal.seen_events("chat_state")[-1] == {"linked_as": "Amal"}
    other_tab = chat()
    await other_tab.connect(session_id=amal.session_id, welcome=False)
    conv, token = amal.conversation_id, amal.session_id

    await amal.sio.emit("sign_out", {})
    await eventually(lambda: amal.seen_events("signed_out") and other_tab.seen_events("signed_out"),
                     what="both tabs told")
    assert query(stack, "SELECT count(*) FROM channel_identities WHERE conversation_id = ?", conv) == [(0,)]
    assert query(stack, "SELECT signed_out_at IS NOT NULL FROM conversations WHERE id = ?", conv) == [(1,)]

    # The next person on this phone, with the old token: a new chat, the ordinary welcome,
    # nothing of Amal's.
    next_person = chat()
    welcome = await next_person.connect(language="ar", session_id=token)
    assert texts(welcome) == expect(renderer, "utter_welcome", "ar")
    assert next_person.conversation_id != conv and next_person.history is None
    replies = await next_person.say("امتى موعدي الجاي")
    assert texts(replies) == expect(renderer, "utter_not_linked", "ar")


async def test_after_erasure_the_page_shows_nothing_of_the_old_conversation(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    user = chat()
    await user.connect(language="ti")
    await user.say(link_code(stack, 2))
    await user.say("ሓበሬታይ ደምስሶ")
    done = await user.say("/affirm")
    assert texts(done) == expect(renderer, "utter_forget_me_done", "ti")
    # The open page clears its screen (then shows the confirmation).
    assert user.seen_events("chat_cleared") == [{}]
    await user.close()
    back = chat()
    welcome = await back.connect(session_id=user.session_id, language="ti")
    assert back.history is None  # nothing to show again
    assert texts(welcome) == expect(renderer, "utter_welcome", "ti")
    assert back.seen_events("chat_state") == []

"""Handoff to a person, through the running stack, on both channels: the escalation rules,
pause → relay → reply → close → resume, notifications, and who may see what."""

from __future__ import annotations

import html
import sqlite3
from datetime import datetime, timezone

import httpx
import pytest

from bot.db.seed import OFFICE
from bot.handoff.rules import TEAM_HOURS, Assignment, handoff_response, office_status
from harness.inbox import InboxUser
from harness.phrases import SAY
from harness.telegram_updates import TelegramUser
from harness.telegram_updates import texts as tg_texts
from harness.waiting import eventually
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack

SANNE = 1  # casemanager id of Sanne (clients 3, 4, 5); Leila is 3 (client 1)


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


def expected_handoff(renderer, locale: str, name: str | None, hours) -> str:  # type: ignore[no-untyped-def]
    assignment = Assignment(1 if name else None, name, hours)
    key, args = handoff_response(assignment, office_status(hours, datetime.now(timezone.utc)))
    return expect(renderer, key, locale, **args)


def escalation(stack, conversation_id: str):  # type: ignore[no-untyped-def]
    rows = query(stack, "SELECT id, casemanager_id, reason, urgent, live, status FROM escalations "
                 "WHERE conversation_id = ? ORDER BY id DESC", conversation_id)
    return rows[0] if rows else None


async def paused(stack, conversation_id: str) -> bool:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient() as client:
        resp = await client.get(
            f"http://127.0.0.1:{stack.ports['rasa']}/conversations/{conversation_id}/tracker",
            params={"token": "test-internal-token", "include_events": "NONE"},
        )
    return bool(resp.json().get("paused"))


@pytest.fixture
async def inbox(stack):  # type: ignore[no-untyped-def]
    users: list[InboxUser] = []

    async def make(username: str) -> InboxUser:
        user = InboxUser(stack.app_url)
        users.append(user)
        assert (await user.login(username)).status_code == 303
        return user

    yield make
    for u in users:
        await u.close()


async def link(stack, user, client_id: int) -> None:  # type: ignore[no-untyped-def]
    code = stack.cli("link-code", "--client", str(client_id)).strip().splitlines()[-1]
    await user.say(code)


async def test_web_chat_handoff_to_own_casemanager_and_back(stack, renderer, chat, inbox, smtp) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="nl")
    await link(stack, person, 5)  # Noor, casemanager Sanne
    conv = person.conversation_id

    replies = await person.say(SAY["nl"]["talk_to_casemanager"])
    assert texts(replies) == expected_handoff(renderer, "nl", "Sanne", OFFICE)
    esc_id, cm, reason, urgent, live, status = escalation(stack, conv)
    assert (cm, reason, urgent, live, status) == (SANNE, "asked", 0, 1, "open")
    assert await paused(stack, conv)

    # Sanne gets an e-mail: where to look, nothing of what Noor wrote.
    mail = await eventually(lambda: [
        m for m in smtp.to("sanne.devries@example.org") if f"/inbox/escalations/{esc_id}" in m.get_content()
    ], what="the e-mail to Sanne")
    assert mail and mail[0]["Subject"] == "Nieuw in de inbox: Vraagt om klantmanager"
    assert "brief" not in mail[0].get_content() and "Noor" not in mail[0].get_content()

    # The bot stays quiet; everything reaches the inbox, in order.
    for text in ("hallo?", "ik heb een brief van de belastingdienst", "wat is het eigen risico"):
        assert await person.say(text) == []
    sanne = await inbox("sanne")
    queue = await sanne.queue()
    assert f'data-escalation="{esc_id}"' in queue and "Noor" in queue
    page = (await sanne.http.get(f"/inbox/escalations/{esc_id}")).text
    positions = [page.index(t) for t in ("hallo?", "ik heb een brief", "wat is het eigen risico")]
    assert positions == sorted(positions)

    # The reply arrives in the chat, marked with her name.
    resp = await sanne.post(esc_id, "reply", text="Hoi Noor, stuur de brief maar <b>hier</b>.")
    assert resp.status_code == 303
    pushed = await person.replies()
    assert pushed[0]["text"] == expect(renderer, "app_staff_label", "nl", name="Sanne") + ":\nHoi Noor, stuur de brief maar <b>hier</b>."
    assert pushed[0]["metadata"]["from"] == "staff" and pushed[0]["metadata"]["name"] == "Sanne"
    assert escalation(stack, conv)[5] == "claimed"

    # Closing gives the chat back to the bot, which says so and answers again.
    assert (await sanne.post(esc_id, "close")).status_code == 303
    back = await person.replies()
    assert texts(back) == expect(renderer, "app_handoff_back", "nl", name="Sanne")
    assert not await paused(stack, conv)
    replies = await person.say(SAY["nl"]["eigen_risico"])
    assert texts(replies) == expect(renderer, "utter_insurance/eigen_risico", "nl")



async def test_telegram_handoff_from_an_unlinked_person_goes_to_the_team(stack, renderer, telegram_api, telegram_bot, inbox, smtp) -> None:  # type: ignore[no-untyped-def]
    person = TelegramUser(telegram_api, telegram_bot, db_path(stack), "ar")
    await person.say("/start")
    replies = await person.say("/casemanager")
    assert html.unescape(tg_texts(replies)) == expected_handoff(renderer, "ar", None, TEAM_HOURS)
    esc_id, cm, reason, *_ = escalation(stack, person.conversation_id)
    assert cm is None and reason == "asked"
    # The team queue is notified through the team leads.
    await eventually(lambda: smtp.to("teamlead@example.org"), what="the e-mail to the team leads")
    assert smtp.to("teamlead@example.org")

    # A photo of a letter now reaches the team, no bot answer.
    assert await person.send("photo", caption="رسالة من البلدية") == []
    assert await person.say("هل وصلت الصورة؟") == []

    # Any casemanager sees the team queue; the team lead too.
    leila = await inbox("leila")
    assert f'data-escalation="{esc_id}"' in await leila.queue()
    page = (await leila.http.get(f"/inbox/escalations/{esc_id}")).text
    assert "رسالة من البلدية" in page and 'dir="auto"' in page
    # The photo itself, fetched from Telegram for her; inert, and only with a login.
    photo_id = query(stack, "SELECT id FROM messages WHERE conversation_id = ? AND kind = 'photo'",
                     person.conversation_id)[0][0]
    assert f"/inbox/messages/{photo_id}/attachment" in page
    photo = await leila.http.get(f"/inbox/messages/{photo_id}/attachment")
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
    assert photo.headers["x-content-type-options"] == "nosniff"
    async with httpx.AsyncClient(base_url=stack.app_url) as anonymous:
        assert (await anonymous.get(f"/inbox/messages/{photo_id}/attachment")).status_code == 303

    before = len(telegram_bot.sent("sendMessage", person.id))
    assert (await leila.post(esc_id, "reply", text="وصلت الصورة، شكراً. سأتصل بك غداً.")).status_code == 303
    sent = telegram_bot.sent("sendMessage", person.id)[before:]
    assert html.unescape(sent[0].params["text"]) == (
        expect(renderer, "app_staff_label", "ar", name="Leila") + ":\nوصلت الصورة، شكراً. سأتصل بك غداً."
    )
    assert (await leila.post(esc_id, "close")).status_code == 303
    back = telegram_bot.sent("sendMessage", person.id)[-1]
    assert html.unescape(back.params["text"]) == expect(renderer, "app_handoff_back", "ar", name="Leila")
    replies = await person.say(SAY["ar"]["zorgtoeslag"])
    assert html.unescape(tg_texts(replies)) == expect(renderer, "utter_benefits/zorgtoeslag", "ar")


async def test_urgent_help_shows_emergency_numbers_first_and_is_first_in_the_queue(stack, renderer, chat, inbox) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="en")
    replies = await person.say(SAY["en"]["urgent_help"])
    assert texts(replies).startswith(expect(renderer, "utter_urgent_help", "en"))
    assert texts(replies).endswith(expected_handoff(renderer, "en", None, TEAM_HOURS))
    esc_id, _, reason, urgent, *_ = escalation(stack, person.conversation_id)
    assert (reason, urgent) == ("urgent", 1)
    lead = await inbox("teamlead")
    queue = await lead.queue()
    assert queue.index(f'data-escalation="{esc_id}"') == queue.index("data-escalation=")
    await lead.post(esc_id, "close")


async def test_many_messages_at_once_all_reach_the_inbox_in_order(stack, chat, inbox) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="en")
    await person.say(SAY["en"]["talk_to_casemanager"])
    conv = person.conversation_id
    words = [f"message number {i}" for i in range(20)]
    for w in words:  # without waiting for the bot in between
        await person.sio.emit("user_uttered", {"message": w, "session_id": person.session_id})
    for _ in words:
        assert await person.replies() == []
    stored = [r[0] for r in query(stack, "SELECT text FROM messages WHERE conversation_id = ? "
                                  "AND direction = 'in' ORDER BY id", conv)]
    assert stored[-20:] == words


async def test_access_rules(stack, chat, inbox) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="nl")
    await link(stack, person, 4)  # Samuel, casemanager Sanne
    await person.say(SAY["nl"]["talk_to_casemanager"])
    esc_id = escalation(stack, person.conversation_id)[0]

    # Not logged in: pages send to the login, actions are refused.
    async with httpx.AsyncClient(base_url=stack.app_url) as anonymous:
        assert (await anonymous.get("/inbox")).status_code == 303
        assert (await anonymous.get(f"/inbox/escalations/{esc_id}")).status_code == 303
        assert (await anonymous.get("/inbox/queue", headers={"HX-Request": "true"})).status_code == 401
        assert (await anonymous.post(f"/inbox/escalations/{esc_id}/reply", data={"text": "x"})).status_code == 401
        assert (await anonymous.get("/content")).status_code == 303
    # Another casemanager cannot open it, not even by URL, and cannot act on it.
    yonas = await inbox("yonas")
    assert f'data-escalation="{esc_id}"' not in await yonas.queue()
    assert (await yonas.http.get(f"/inbox/escalations/{esc_id}")).status_code == 404
    assert (await yonas.post(esc_id, "reply", text="hello")).status_code == 404
    assert (await yonas.post(esc_id, "close")).status_code == 404
    # Without the CSRF token nothing happens.
    sanne = await inbox("sanne")
    resp = await sanne.http.post(f"/inbox/escalations/{esc_id}/close", data={})
    assert resp.status_code == 403
    assert escalation(stack, person.conversation_id)[5] == "open"
    # The communications team has the content page, not the inbox.
    comms = await inbox("comms")
    assert "/content" in (await comms.http.get("/inbox")).text
    assert (await comms.http.get("/content")).status_code == 200
    assert (await yonas.http.get("/content")).status_code == 403
    await sanne.post(esc_id, "close")


async def test_wrong_passwords_stop_that_address_for_that_account_only(stack) -> None:  # type: ignore[no-untyped-def]
    """Through the running app (every test user is 127.0.0.1, so an account of its own:
    the limit lives in the app's memory for 15 minutes). That the owner still logs in
    from another address is shown in-process (tests/unit/test_login_limits.py)."""
    import subprocess

    from harness.stack import BIN, ROOT

    subprocess.run([str(BIN / "wegwijs"), "staff", "add", "guessed", "--role", "teamlead",
                    "--password-stdin"], input="guessed-pw-2026\n", text=True, check=True,
                   env=stack.env, cwd=ROOT, capture_output=True)
    user, other = InboxUser(stack.app_url), InboxUser(stack.app_url)
    try:
        for _ in range(5):
            wrong = await user.login("guessed", "wrong-password")
            assert wrong.status_code == 401 and "Verkeerde gebruikersnaam" in wrong.text
        refused = await user.login("guessed", "guessed-pw-2026")  # right, but from this address
        assert refused.status_code == 401 and "vanaf uw adres" in refused.text
        # Nobody else is locked out by it.
        assert (await other.login("teamlead")).status_code == 303
    finally:
        await user.close()
        await other.close()


async def test_a_request_becomes_a_conversation_when_the_casemanager_replies(stack, renderer, chat, inbox) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="en")
    await link(stack, person, 4)  # Samuel: Sanne, with appointments
    conv = person.conversation_id
    with sqlite3.connect(db_path(stack)) as db:
        db.execute("INSERT INTO escalations (conversation_id, client_id, casemanager_id, kind, reason, "
                   "status, live, urgent, details, created_at, updated_at) VALUES (?, 4, 1, "
                   "'reschedule', 'reschedule', 'open', 0, 0, '{}', datetime('now'), datetime('now'))",
                   (conv,))
    esc_id = escalation(stack, conv)[0]
    assert not await paused(stack, conv)
    sanne = await inbox("sanne")
    await sanne.post(esc_id, "reply", text="Which day suits you?")
    assert (await person.replies())[0]["metadata"]["from"] == "staff"
    assert await paused(stack, conv)
    assert await person.say("Tuesday morning") == []
    await sanne.post(esc_id, "close")
    assert texts(await person.replies()) == expect(renderer, "app_handoff_back", "en", name="Sanne")


async def test_casemanager_links_own_telegram_for_notifications(stack, chat, inbox, telegram_api, telegram_bot) -> None:  # type: ignore[no-untyped-def]
    import re

    sanne = await inbox("sanne")
    await sanne.http.post("/inbox/telegram", data={"csrf_token": sanne.csrf})
    page = (await sanne.http.get("/inbox")).text
    command = re.search(r'id="telegram-command">([^<]+)<', page).group(1)
    phone = TelegramUser(telegram_api, telegram_bot, db_path(stack), "nl")
    sent = await phone.say(command)
    assert tg_texts(sent) == "Gekoppeld: nieuwe verzoeken in uw inbox worden hier gemeld."
    # Not a conversation with the bot: nothing of it is stored as one.
    assert not query(stack, "SELECT id FROM conversations WHERE id = ?", phone.conversation_id)
    # The code works once.
    again = await phone.say(command)
    assert "niet (meer) geldig" in tg_texts(again)

    person = chat()
    await person.connect(language="fa_AF")
    await link(stack, person, 3)  # Freshta, casemanager Sanne
    await person.say(SAY["fa_AF"]["talk_to_casemanager"])
    esc_id = escalation(stack, person.conversation_id)[0]
    notices = await eventually(lambda: [
        c for c in telegram_bot.sent("sendMessage", phone.id)
        if f"/inbox/escalations/{esc_id}" in c.params["text"]
    ], what="the Telegram notice to Sanne")
    assert notices and notices[0].params["text"].startswith("Nieuw in de inbox: Vraagt om klantmanager")
    await sanne.post(esc_id, "close")


async def test_an_absent_casemanager_means_the_team_answers(stack, renderer, chat, inbox) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        db.execute("UPDATE casemanagers SET absent_until = datetime('now', '+7 days') WHERE id = 2")
    try:
        person = chat()
        await person.connect(language="ti")
        await link(stack, person, 2)  # Yohannes, casemanager Yonas (away this week)
        replies = await person.say(SAY["ti"]["talk_to_casemanager"])
        assert texts(replies) == expected_handoff(renderer, "ti", None, TEAM_HOURS)
        esc_id, cm, *_ = escalation(stack, person.conversation_id)
        assert cm is None
        # The team queue: another casemanager sees and answers it.
        sanne = await inbox("sanne")
        assert f'data-escalation="{esc_id}"' in await sanne.queue()
        await sanne.post(esc_id, "close")
    finally:
        with sqlite3.connect(db_path(stack)) as db:
            db.execute("UPDATE casemanagers SET absent_until = NULL WHERE id = 2")

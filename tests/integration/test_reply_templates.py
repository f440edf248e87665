"""Reply templates through the running stack (issue 19, point 3): a casemanager fills a
template in Dutch or English and the person gets it in their own language, on Telegram
(the fake Telegram server) and on the web chat, exactly as other replies travel: live,
and kept for a web chat tab that was closed (shown when it comes back)."""

from __future__ import annotations

import html
import sqlite3
from datetime import timedelta

import pytest

from bot.clock import AMSTERDAM, utcnow
from bot.i18n.reply_templates import choose, fill_template
from harness.inbox import InboxUser
from harness.phrases import SAY
from harness.telegram_updates import TelegramUser
from harness.waiting import eventually
from harness.webchat import db_path, expect

pytestmark = pytest.mark.stack


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


def escalation_of(stack, conversation_id: str) -> int:  # type: ignore[no-untyped-def]
    return query(stack, "SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id DESC",
                 conversation_id)[0][0]


def filled(renderer, form: dict, locale: str) -> str:  # type: ignore[no-untyped-def]
    today = utcnow().astimezone(AMSTERDAM).date()
    return fill_template(renderer, choose(renderer.content, form), locale, today).text


async def logged_in(stack, username: str) -> InboxUser:  # type: ignore[no-untyped-def]
    user = InboxUser(stack.app_url)
    assert (await user.login(username)).status_code == 303
    return user


async def test_a_template_reaches_a_telegram_person_in_tigrinya(stack, renderer, telegram_api, telegram_bot) -> None:  # type: ignore[no-untyped-def]
    person = TelegramUser(telegram_api, telegram_bot, db_path(stack), "ti")
    await person.say("/start")
    await person.say("/casemanager")
    esc_id = escalation_of(stack, person.conversation_id)
    tomorrow = (utcnow().astimezone(AMSTERDAM).date() + timedelta(days=1)).isoformat()
    form = {"template": "reply_call_you", "day": tomorrow, "time": "10:30"}

    leila = await logged_in(stack, "leila")  # a Dutch inbox; the team queue
    try:
        before = len(telegram_bot.sent("sendMessage", person.id))
        assert (await leila.post(esc_id, "reply", **form)).status_code == 303
        sent = telegram_bot.sent("sendMessage", person.id)[before:]
        text = html.unescape(sent[0].params["text"])
        assert text == expect(renderer, "app_staff_label", "ti", name="Leila") + ":\n" + filled(renderer, form, "ti")
        assert "ጽባሕ" in text and text.endswith("ክድውለልኩም እየ።")  # "tomorrow", in Tigrinya
        # The transcript keeps what Leila read when she sent it, beside it.
        page = (await leila.http.get(f"/inbox/escalations/{esc_id}")).text
        assert html.escape(filled(renderer, form, "nl")) in page and "sjabloon, in de eigen taal" in page
    finally:
        await leila.close()


async def test_a_template_reaches_a_web_chat_person_in_dari_and_waits_for_a_closed_tab(stack, renderer, chat) -> None:  # type: ignore[no-untyped-def]
    person = chat()
    await person.connect(language="fa_AF")
    code = stack.cli("link-code", "--client", "5").strip().splitlines()[-1]  # Noor, Sanne's client
    await person.say(code)
    await person.say(SAY["fa_AF"]["talk_to_casemanager"])
    esc_id = escalation_of(stack, person.conversation_id)
    bring = {"template": "reply_bring_document", "document": "term_document_rental_contract"}
    moved = {"template": "reply_appointment_moved", "date": "2026-12-02", "time": "14:15"}

    sanne = await logged_in(stack, "sanne")
    try:
        # Live: the open tab gets it at once, right to left, marked with her name.
        assert (await sanne.post(esc_id, "reply", **bring)).status_code == 303
        pushed = await person.replies()
        label = expect(renderer, "app_staff_label", "fa_AF", name="Sanne")
        assert pushed[0]["text"] == f"{label}:\n{filled(renderer, bring, 'fa_AF')}"
        assert "قرارداد کرایهٔ خانهٔ تان" in pushed[0]["text"]
        assert pushed[0]["metadata"]["dir"] == "rtl" and pushed[0]["metadata"]["from"] == "staff"

        # The tab is closed: kept as undelivered, shown when the person comes back.
        await person.close()
        assert (await sanne.post(esc_id, "reply", **moved)).status_code == 303
        rows = await eventually(lambda: query(
            stack, "SELECT status FROM messages WHERE conversation_id = ? AND kind = 'staff' ORDER BY id",
            person.conversation_id), what="the stored replies")
        assert rows[-1] == ("undelivered",)
    finally:
        await sanne.close()
    back = chat()
    await back.connect(session_id=person.session_id, welcome=False)
    missed = await back.replies()
    assert [m["text"] for m in missed] == [f"{label}:\n{filled(renderer, moved, 'fa_AF')}"]
    assert "دسمبر" in missed[0]["text"]  # December, in Dari
    # The history holds the first one as the person read it.
    staff_history = [m for m in back.history if m["from"] == "staff"]
    assert staff_history[0]["text"] == f"{label}:\n{filled(renderer, bring, 'fa_AF')}"
    await back.close()

"""The inbox as a casemanager uses it (issue 19), in real headless Chromium: my own
client's request above the urgent team queue, filters and search, the count in the tab
title, the facts panel live, the transcript in words (topics, events, no ``/start``),
closing with a confirmation and an undo; screenshots at desktop and phone widths in Dutch
and English (tests/artifacts/inbox19-*.png)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from harness.browser import ARTIFACTS, log_in
from harness.inbox import InboxUser
from harness.phrases import SAY
from harness.webchat import db_path

pytestmark = pytest.mark.stack

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def escalation_of(stack, conversation_id: str) -> int:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute("SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id DESC",
                          (conversation_id,)).fetchone()[0]


def status_of(stack, esc_id: int) -> str:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute("SELECT status FROM escalations WHERE id = ?", (esc_id,)).fetchone()[0]


async def switch_ui(page, locale: str) -> None:  # type: ignore[no-untyped-def]
    async with page.expect_navigation():
        await page.click(f'button[name="ui"][value="{locale}"]')


async def shots(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Desktop and phone screenshots of the page as it is; the phone page never scrolls sideways."""
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        await page.set_viewport_size(size)
        await page.wait_for_timeout(200)
        if label == "phone":
            assert await page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], name
        await page.screenshot(path=str(ARTIFACTS / f"inbox19-{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def test_queue_and_conversation_as_a_casemanager(stack, chat, browser_context) -> None:  # type: ignore[no-untyped-def]
    # Amal (Leila's client) and someone unlinked, in urgent need (team queue), ask for help.
    amal = chat()
    await amal.connect(language="ar")
    code = stack.cli("link-code", "--client", "1").strip().splitlines()[-1]
    await amal.say(code)
    await amal.say("ما هو zorgtoeslag")
    await amal.say(SAY["ar"]["talk_to_casemanager"])
    stranger = chat()
    await stranger.connect(language="ar")
    await stranger.say(SAY["ar"]["urgent_help"])
    mine, team = escalation_of(stack, amal.conversation_id), escalation_of(stack, stranger.conversation_id)

    page = await browser_context()
    await log_in(page, stack.app_url, "leila", "leila-demo-2026")
    await switch_ui(page, "nl")
    await page.locator(f'.section-mine [data-escalation="{mine}"]').wait_for(timeout=15000)
    await page.locator(f'.section-team [data-escalation="{team}"] .flag').wait_for(timeout=15000)
    html = await page.inner_html("#queue")
    assert "/start" not in html and "[code]" not in html and "utter_" not in html
    assert html.index(f'data-escalation="{mine}"') < html.index(f'data-escalation="{team}"')
    assert re.match(r"^\(\d+\) Inbox", await page.title())
    await shots(page, "queue-nl")

    # Filters and search, without reloading.
    await page.click('label.view:has(input[value="team"])')
    await page.locator(f'[data-escalation="{mine}"]').wait_for(state="detached", timeout=10000)
    assert await page.locator(f'[data-escalation="{team}"]').count() == 1
    await page.click('label.view:has(input[value="all"])')
    await page.fill("#queue-search", "Amal")
    await page.locator(f'[data-escalation="{team}"]').wait_for(state="detached", timeout=10000)
    assert await page.locator(f'[data-escalation="{mine}"]').count() == 1
    await page.fill("#queue-search", "")
    await page.locator(f'[data-escalation="{team}"]').wait_for(timeout=10000)
    await switch_ui(page, "en")
    await page.locator(f'[data-escalation="{mine}"]').wait_for(timeout=10000)
    await shots(page, "queue-en")

    # The conversation in words.
    await page.goto(f"{stack.app_url}/inbox/escalations/{mine}")
    transcript = await page.inner_text("#transcript")
    assert "linked with a code" in transcript
    assert "/start" not in transcript and "utter_" not in transcript and "[code]" not in transcript
    assert await page.locator("#transcript .day").count() >= 1
    assert "(Arabic)" in await page.inner_text("#facts")
    # "r" (outside a text field) goes to the answer box: reply is the primary action.
    await page.keyboard.press("r")
    assert await page.evaluate("document.activeElement.id") == "reply-text"
    assert await page.input_value("#reply-text") == ""
    await page.evaluate("document.activeElement.blur()")

    # The facts panel follows a claim made elsewhere (a team lead), without reloading.
    lead = InboxUser(stack.app_url)
    try:
        await lead.login("teamlead")
        assert (await lead.post(mine, "claim")).status_code == 303
    finally:
        await lead.close()
    await page.locator("#facts .claim-form").wait_for(state="detached", timeout=15000)
    assert "Femke" in await page.inner_text("#facts")

    # Closing asks first; Cancel and Undo change nothing.
    await page.click("button.close")
    await page.locator("#close-dialog[open]").wait_for()
    await page.screenshot(path=str(ARTIFACTS / "inbox19-close-confirm-en-desktop.png"))
    await page.click('#close-dialog button[value="cancel"]')
    await page.click("button.close")
    await page.click('#close-dialog button[value="confirm"]')
    await page.locator("#close-pending").wait_for(state="visible")
    await page.screenshot(path=str(ARTIFACTS / "inbox19-close-undo-en-desktop.png"))
    await page.click("#close-pending button.undo")
    assert not await page.locator("#close-pending").is_visible()
    await page.wait_for_timeout(6500)
    assert status_of(stack, mine) != "closed"
    await shots(page, "conversation-en")
    await switch_ui(page, "nl")
    assert "koppelde met een code" in await page.inner_text("#transcript")
    await shots(page, "conversation-nl")

    # Confirmed and not undone: closed after the few seconds.
    async with page.expect_navigation(timeout=15000):
        await page.click("button.close")
        await page.click('#close-dialog button[value="confirm"]')
    assert status_of(stack, mine) == "closed"


async def preview_has(page, text: str) -> None:  # type: ignore[no-untyped-def]
    await page.locator("#reply-preview", has_text=text).wait_for(timeout=15000)


async def test_reply_templates_in_the_persons_language(stack, chat, browser_context) -> None:  # type: ignore[no-untyped-def]
    """Point 3: Leila (Dutch inbox) picks a template, fills its fields with the pickers,
    sees what Amal will read (Arabic, right to left) beside her own Dutch, and sends it;
    Amal's chat gets the Arabic. A reply typed by hand is marked as sent untranslated."""
    from datetime import timedelta

    from bot.clock import AMSTERDAM, utcnow

    amal = chat()
    await amal.connect(language="ar")
    code = stack.cli("link-code", "--client", "1").strip().splitlines()[-1]
    await amal.say(code)
    await amal.say(SAY["ar"]["talk_to_casemanager"])
    esc = escalation_of(stack, amal.conversation_id)
    tomorrow = (utcnow().astimezone(AMSTERDAM).date() + timedelta(days=1)).isoformat()

    # The pickers show dates the browser's own way (headless Chromium here: 11/24/2026,
    # whatever the page's language); the preview beside them spells the date out in full.
    page = await browser_context()
    await log_in(page, stack.app_url, "leila", "leila-demo-2026")
    await switch_ui(page, "nl")
    await page.goto(f"{stack.app_url}/inbox/escalations/{esc}")
    # The person reads Arabic, the inbox is Dutch: the templates are open at once.
    assert await page.locator("details#templates").get_attribute("open") is not None
    assert "Kies een sjabloon" in await page.inner_text("#reply-preview")
    # Only the chosen template's fields show.
    assert "Ik bel u [dag] om [tijd]." in await page.inner_text("#template-choice")
    # "t" (outside a field) goes to the templates.
    await page.keyboard.press("t")
    assert await page.evaluate("document.activeElement.id") == "template-choice"
    await page.select_option("#template-choice", "reply_call_you")
    assert await page.locator('[data-field="day"]').is_visible()
    assert await page.locator('[data-field="time"]').is_visible()
    assert not await page.locator('[data-field="document"]').is_visible()
    await page.fill('input[name="day"]', tomorrow)
    await page.fill('input[name="time"]', "10:30")
    await preview_has(page, "سأتصل بك")
    person = page.locator("#reply-preview .person .bubble")
    assert await person.get_attribute("dir") == "rtl" and await person.get_attribute("lang") == "ar"
    assert "غداً" in await person.inner_text()
    assert await page.inner_text("#reply-preview .own .bubble") == "Ik bel u morgen om 10:30."
    await shots(page, "template-preview-nl")

    # A document in her own words is said to go untranslated; then one from the list.
    await page.select_option("#template-choice", "reply_bring_document")
    assert not await page.locator('[data-field="day"]').is_visible()
    await page.select_option("#template-document", "other")
    await page.fill('input[name="document_text"]', "uw diploma")
    await preview_has(page, "niet vertaald")
    await page.select_option("#template-document", "term_document_rental_contract")
    assert not await page.locator('[data-field="document_text"]').is_visible()
    await preview_has(page, "عقد الإيجار")
    await page.click("#template-reply button[type=submit]")
    got = await amal.replies()
    assert "عقد الإيجار (huurcontract)" in got[0]["text"].replace("\u2066", "").replace("\u2069", "")
    assert got[0]["metadata"]["dir"] == "rtl" and got[0]["metadata"]["name"] == "Leila"
    # The form starts again; the transcript shows both versions (live).
    await page.locator("#transcript .sent-as.template").wait_for(timeout=15000)
    assert await page.input_value("#template-choice") == ""
    assert "Neem uw huurcontract mee naar uw afspraak." in await page.inner_text("#transcript")

    # Free text: sent as typed, and marked so.
    await page.fill("#reply-text", "Tot morgen!")
    await page.click("form.reply button[type=submit]")
    await amal.replies()
    await page.locator("#transcript .sent-as.untranslated").wait_for(timeout=15000)
    assert "onvertaald verstuurd" in await page.inner_text("#transcript")
    await shots(page, "templates-sent-nl")

    # The same in an English inbox: a moved appointment, with a date picker.
    await switch_ui(page, "en")
    await page.select_option("#template-choice", "reply_appointment_moved")
    await page.fill('input[name="date"]', "2026-12-02")
    await page.fill('input[name="time"]', "14:15")
    await preview_has(page, "ديسمبر")
    assert (await page.inner_text("#reply-preview .own .bubble")).startswith(
        "Your appointment is moved to Wednesday, December 2, 2026 at 2:15")
    assert "sent untranslated" in await page.inner_text("#transcript")
    await shots(page, "template-preview-en")
    await page.click("#template-reply button[type=submit]")
    assert "ديسمبر" in (await amal.replies())[0]["text"]
    await page.locator("#transcript .sent-as.template >> nth=1").wait_for(timeout=15000)
    await shots(page, "templates-sent-en")

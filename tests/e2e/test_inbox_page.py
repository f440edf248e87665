"""The casemanager inbox in real headless Chromium: log in, a new escalation appears
without reloading, the person's Arabic messages read right to left, the reply reaches
the person's chat, closing gives the chat back to the bot."""

from __future__ import annotations

import sqlite3

import pytest

from harness.browser import ARTIFACTS, log_in
from harness.phrases import SAY
from harness.webchat import db_path, expect, texts

pytestmark = pytest.mark.stack


async def test_inbox_cycle_in_the_browser(stack, renderer, chat, browser_context) -> None:  # type: ignore[no-untyped-def]
    page = await browser_context()
    await log_in(page, stack.app_url, "leila", "leila-demo-2026")
    assert page.url.endswith("/inbox")
    await page.wait_for_selector("#queue ol.queue, #queue .empty")

    # Amal (Leila's client) asks for her casemanager in the web chat.
    person = chat()
    await person.connect(language="ar")
    code = stack.cli("link-code", "--client", "1").strip().splitlines()[-1]
    await person.say(code)
    await person.say(SAY["ar"]["talk_to_casemanager"])
    with sqlite3.connect(db_path(stack)) as db:
        esc_id = db.execute("SELECT id FROM escalations WHERE conversation_id = ?",
                            (person.conversation_id,)).fetchone()[0]

    # It appears in the open page, without a reload.
    item = page.locator(f'[data-escalation="{esc_id}"]')
    await item.wait_for(timeout=15000)
    assert "Amal" in await item.inner_text()
    assert await item.locator(".lang").get_attribute("dir") == "rtl"
    await page.screenshot(path=str(ARTIFACTS / "inbox-queue.png"))

    await item.locator("a.open").click()
    await page.wait_for_selector("#transcript")
    # What she writes now arrives live, right to left, as text (never HTML).
    assert await person.say("عندي رسالة <script>alert(1)</script> من البلدية") == []
    message = page.locator("#transcript .msg.in", has_text="عندي رسالة")
    await message.wait_for(timeout=15000)
    assert await message.locator(".text").get_attribute("dir") == "auto"
    assert await page.evaluate(
        "getComputedStyle(document.querySelector('#transcript .msg.in:last-child .text')).direction"
    ) == "rtl"
    assert "<script>" in await message.locator(".text").inner_text()

    await page.fill("#reply-text", "مرحبا أمل، أرسلي لي صورة الرسالة من فضلك.")
    await page.click("form.reply button[type=submit]")
    pushed = await person.replies()
    assert pushed[0]["metadata"]["from"] == "staff"
    assert pushed[0]["text"].endswith("مرحبا أمل، أرسلي لي صورة الرسالة من فضلك.")
    await page.locator("#transcript .msg.staff").wait_for(timeout=15000)
    await page.screenshot(path=str(ARTIFACTS / "inbox-conversation.png"), full_page=True)

    # English interface for the same page.
    await page.click('button[name="ui"][value="en"]')
    await page.wait_for_selector("text=Close and return to the bot")

    # Closing asks first, then goes after a few seconds (unless undone).
    async with page.expect_navigation(timeout=15000):
        await page.click("button.close")
        await page.click('#close-dialog button[value="confirm"]')
    back = await person.replies()
    assert texts(back) == expect(renderer, "app_handoff_back", "ar", name="Leila")
    replies = await person.say(SAY["ar"]["eigen_risico"])
    assert texts(replies) == expect(renderer, "utter_insurance/eigen_risico", "ar")


async def test_audit_log_on_a_phone(stack, browser_context) -> None:  # type: ignore[no-untyped-def]
    """A team lead reads the audit log at phone size: their own login is on it, and the
    eight columns scroll inside their box instead of widening the page."""
    page = await browser_context()
    await page.set_viewport_size({"width": 390, "height": 844})
    await log_in(page, stack.app_url, "teamlead", "teamlead-demo-2026")
    await page.goto(f"{stack.app_url}/inbox/audit")
    first = page.locator("table.audit tbody tr").first
    await first.wait_for(timeout=15000)
    assert "teamlead" in await first.inner_text()
    assert await page.evaluate("document.scrollingElement.scrollWidth") <= 390
    await page.screenshot(path=str(ARTIFACTS / "inbox-audit-phone.png"), full_page=True)

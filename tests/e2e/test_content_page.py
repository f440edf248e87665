"""The content page in a real browser on the running stack: topics by area, a topic in five
locales, search, what the bot could not answer (personal data redacted), and no entry
without the comms login. The editor itself: tests/e2e/test_content_editor.py."""

from __future__ import annotations

import httpx
import pytest

from harness.browser import ARTIFACTS, log_in

pytestmark = pytest.mark.stack


async def test_content_page_needs_the_comms_login(stack) -> None:  # type: ignore[no-untyped-def]
    resp = httpx.get(f"{stack.app_url}/content")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/inbox/login")
    # The old shared password does not open it any more.
    assert httpx.get(f"{stack.app_url}/content", auth=("comms", "comms-demo")).status_code == 303


async def test_answers_side_by_side_search_and_unanswered(stack, chat, browser_context) -> None:  # type: ignore[no-untyped-def]
    # Something the bot cannot answer, with personal data in it: no word of it was ever seen
    # in training, so it is unanswered whatever the model (with "mijn bsn is" in front, one
    # training reads a question about the BSN and answers it with DigiD, the next does not).
    user = chat()
    await user.connect(language="nl")
    await user.say("123456782 qwx zzv plop")

    page = await browser_context()
    await log_in(page, stack.app_url, "comms", "comms-demo-2026")
    assert page.url.endswith("/content")
    # Topics by title, grouped by area; a topic shows every locale as its chat bubble.
    assert "Zorgtoeslag" in await page.locator("#area-money").inner_text()
    await page.goto(f"{stack.app_url}/content/topics/utter_benefits/zorgtoeslag")
    assert await page.locator("#col-ar .msg").get_attribute("dir") == "rtl"
    assert await page.locator("#col-fa_AF .msg").get_attribute("dir") == "rtl"
    assert await page.locator("#col-ti .msg").get_attribute("lang") == "ti"
    assert "zorgtoeslag" in await page.locator("#col-ti .msg").inner_text()
    await page.goto(f"{stack.app_url}/content/topics/utter_help")
    assert await page.locator("#col-nl .chip").count() == 5

    await page.goto(f"{stack.app_url}/content")
    unanswered = await page.locator("#unanswered-nl").inner_text()
    assert "[BSN] qwx zzv plop" in unanswered and "123456782" not in unanswered
    await page.screenshot(path=str(ARTIFACTS / "content-page.png"), full_page=False)

    await page.fill('input[name="q"]', "eigen risico")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    keys = await page.locator(".topics li").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert "utter_insurance/eigen_risico" in keys and "utter_greet" not in keys

"""The web chat page in a real browser: welcome, language buttons, RTL, typing, escaping."""

from __future__ import annotations

import pytest

from harness.browser import ARTIFACTS
from harness.webchat import expect

pytestmark = pytest.mark.stack


async def bot_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return await page.locator(".msg.bot .text").all_inner_texts()


async def wait_for_bot(page, count: int) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length >= n", arg=count, timeout=30_000
    )


async def test_welcome_then_tigrinya_then_arabic(stack, renderer, page) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    assert (await bot_texts(page))[0].startswith("Hello! I am Wegwijs")
    await page.screenshot(path=str(ARTIFACTS / "webchat-welcome-en.png"))

    # Choose Tigrinya with the button in the welcome message.
    await page.locator("#quick-replies button", has_text="ትግርኛ").click()
    await wait_for_bot(page, 2)
    assert (await bot_texts(page))[-1] == expect(renderer, "utter_language_set", "ti")
    assert await page.get_attribute("html", "data-locale") == "ti"
    assert await page.get_attribute("html", "dir") == "ltr"

    # Write in Arabic: the page turns right-to-left.
    await page.fill("#input", "بقدر اخد زورخ توسلاخ")
    await page.keyboard.press("Enter")
    await page.wait_for_function("document.documentElement.dir === 'rtl'", timeout=30_000)
    await wait_for_bot(page, 4)
    last = page.locator(".msg.bot").last
    assert await last.get_attribute("dir") == "rtl"
    assert await last.get_attribute("lang") == "ar"
    await page.screenshot(path=str(ARTIFACTS / "webchat-ar-rtl.png"), full_page=True)


async def test_user_text_is_never_html(stack, page) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{stack.app_url}/?lang=nl")
    await wait_for_bot(page, 1)
    await page.fill("#input", "<img src=x onerror=\"document.body.dataset.owned='1'\"><b>hoi</b>")
    await page.keyboard.press("Enter")
    await wait_for_bot(page, 2)
    assert await page.locator(".msg.user img").count() == 0
    assert await page.get_attribute("body", "data-owned") is None
    assert "<b>hoi</b>" in (await page.locator(".msg.user").last.inner_text())


async def test_language_picker_in_the_header(stack, renderer, page) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    await page.locator("header .lang", has_text="دری").click()
    await wait_for_bot(page, 2)
    assert (await bot_texts(page))[-1] == expect(renderer, "utter_language_set", "fa_AF")
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.screenshot(path=str(ARTIFACTS / "webchat-dari.png"))

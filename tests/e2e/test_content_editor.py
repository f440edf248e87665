"""The editor at /content in real Chromium, at 1280 px and on a 390×844 phone: topics by
area, a topic's English and four translations side by side (stacked on a phone), each as
the chat bubble a person sees (Arabic and Dari right to left), and the live preview of the
English being written. Only the app runs (the editor needs no Rasa), on its own database
with the content imported into the store and 'comms' as editor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.content.topics import AREAS
from harness.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, log_in
from harness.stack import Stack, content_stack

TOPIC = "/content/topics/utter_benefits/zorgtoeslag"


@pytest.fixture(scope="module")
def editor_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = content_stack(tmp_path_factory.mktemp("editor"))
    try:
        yield s
    finally:
        s.stop()


async def _page(p, width: int, height: int):  # type: ignore[no-untyped-def]
    browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    context = await browser.new_context(viewport={"width": width, "height": height})
    return browser, await context.new_page()


async def _box(page, selector: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    box = await page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


async def test_the_editor_at_desktop_width(editor_app: Stack) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser, page = await _page(p, 1280, 900)
        try:
            await log_in(page, editor_app.app_url, "comms", "comms-demo-2026")
            assert page.url.endswith("/content")
            assert await page.locator("#area-money h2").inner_text() == "Geld en toeslagen"
            assert await page.locator("section.area").count() == len(AREAS)
            await page.screenshot(path=str(ARTIFACTS / "content-editor-list-desktop.png"))

            await page.click('#area-money a[href="/content/topics/utter_benefits/zorgtoeslag"]')
            await page.wait_for_url(f"**{TOPIC}")
            assert await page.locator("h1").inner_text() == "Zorgtoeslag"
            # Side by side: five columns on one row.
            tops = {loc: (await _box(page, f'section.column[data-locale="{loc}"]'))
                    for loc in ("source", "nl", "ar", "ti", "fa_AF")}
            assert len({round(b["y"]) for b in tops.values()}) == 1
            assert tops["source"]["x"] < tops["nl"]["x"] < tops["ar"]["x"] < tops["ti"]["x"] < tops["fa_AF"]["x"]
            for loc in ("ar", "fa_AF"):
                bubble = page.locator(f'#col-{loc} .msg')
                assert await bubble.evaluate("e => getComputedStyle(e).direction") == "rtl"
                assert await bubble.evaluate("e => getComputedStyle(e).textAlign") == "right"
            assert await page.locator("#facts li").count() >= 1
            assert "https://" in await page.locator("#facts").inner_text()

            # The live preview follows the English being written, with the checks.
            area = page.locator("#text-en")
            await area.fill("Zorgtoeslag helps you pay for health insurance. See http://example.org")
            preview = page.locator("#preview-en .msg")
            await preview.filter(has_text="See http://example.org").wait_for(timeout=10_000)
            problems = page.locator("#preview-en .problems")
            await problems.filter(has_text="URL is not https").wait_for(timeout=10_000)
            await page.screenshot(path=str(ARTIFACTS / "content-editor-topic-desktop.png"), full_page=True)
        finally:
            await browser.close()


async def test_the_editor_on_a_phone(editor_app: Stack) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser, page = await _page(p, 390, 844)
        try:
            await log_in(page, editor_app.app_url, "comms", "comms-demo-2026")
            width = "() => document.scrollingElement.scrollWidth"
            assert await page.evaluate(width) <= 390
            await page.screenshot(path=str(ARTIFACTS / "content-editor-list-phone.png"))
            await page.goto(f"{editor_app.app_url}{TOPIC}")
            # Stacked: one column under the other, nothing wider than the phone.
            source, arabic = await _box(page, "#col-en"), await _box(page, "#col-ar")
            assert abs(source["x"] - arabic["x"]) < 1 and arabic["y"] > source["y"]
            assert await page.evaluate(width) <= 390
            assert await page.locator("#col-ar .msg").evaluate("e => getComputedStyle(e).direction") == "rtl"
            await page.screenshot(path=str(ARTIFACTS / "content-editor-topic-phone.png"))
            await page.locator("#col-ar").scroll_into_view_if_needed()
            await page.screenshot(path=str(ARTIFACTS / "content-editor-topic-phone-ar.png"))
        finally:
            await browser.close()

"""The content workflow end to end in real Chromium (issue 15, point 7), at 1280 px and on a
390×844 phone: a translator changes the Tigrinya answer on healthcare allowance in the
editor; a reviewer sees the difference and approves it; a person writing Tigrinya in the
web chat gets the new text at once. A second change scheduled a few minutes ahead is not
live before its time and is after (the app's clock is moved forward through
WEGWIJS_CLOCK_OFFSET_FILE, a test-only setting, instead of waiting); a rollback brings the
original text back in the web chat.

Real Rasa, action server and app, on their own database with the files imported into the
content store; 'tesfay' translates Tigrinya, 'comms' reviews.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import AMSTERDAM
from harness.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, log_in
from harness.stack import Stack, content_stack

pytestmark = pytest.mark.stack

KEY = "utter_benefits/zorgtoeslag"
TOPIC = "/content/topics/utter_benefits/zorgtoeslag"
# A question the understanding answers with the healthcare allowance (Tigrinya, with the
# Dutch word as people write it).
QUESTION = {"ti": "zorgtoeslag ክረክብ እኽእል ዶ", "ar": "هل يمكنني الحصول على zorgtoeslag"}
# Sentences the translator adds: "This information has been updated." and "This
# information applies from today."
UPDATED = "እዚ ሓበሬታ ተሓዲሱ ኣሎ።"
SCHEDULED = "እዚ ሓበሬታ ካብ ሎሚ ኣትሒዙ ይሰርሕ።"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


class Clock:
    """The app's clock, moved forward by the seconds in a file the app reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0.0
        path.write_text("0")

    def now(self) -> datetime:
        return datetime.now(AMSTERDAM) + timedelta(seconds=self.offset)

    def move_to(self, when: datetime) -> None:
        self.offset += (when - self.now()).total_seconds()
        self.path.write_text(str(self.offset))


@pytest.fixture(scope="module")
def flow_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Clock]]:
    workdir = tmp_path_factory.mktemp("content-flow")
    clock = Clock(workdir / "clock-offset")
    s = content_stack(workdir, comms_roles=("editor", "reviewer"), translators={"tesfay": "ti"},
                      with_rasa=True, extra_env={"WEGWIJS_CLOCK_OFFSET_FILE": str(clock.path)})
    try:
        yield s, clock
    finally:
        s.stop()


async def _ask(browser, stack: Stack, locale: str, size: tuple[int, int],  # type: ignore[no-untyped-def]
               shot: str | None = None, check=None) -> str:
    """A new web chat in ``locale`` asks the question; returns the bot's answer texts."""
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    try:
        await page.goto(f"{stack.app_url}/?lang={locale}")
        await page.wait_for_function("document.querySelectorAll('.msg.bot').length >= 1", timeout=60_000)
        assert await page.get_attribute("html", "data-locale") == locale
        before = await page.locator(".msg.bot").count()
        await page.fill("#input", QUESTION[locale])
        await page.keyboard.press("Enter")
        await page.wait_for_function("n => document.querySelectorAll('.msg.bot').length > n",
                                     arg=before, timeout=60_000)
        await page.wait_for_function("document.getElementById('typing').hidden", timeout=60_000)
        texts = await page.locator(".msg.bot .text").all_inner_texts()
        if shot:
            await page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        if check:
            await check(page.locator(".msg.bot").last)
        return "\n".join(texts[before:])
    finally:
        await context.close()


async def _staff(browser, stack: Stack, user: str, password: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    await log_in(page, stack.app_url, user, password)
    return page


async def _no_wider(page, width: int) -> None:  # type: ignore[no-untyped-def]
    assert await page.evaluate("() => document.scrollingElement.scrollWidth") <= width


async def _save_ti(page, stack: Stack, text: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{stack.app_url}{TOPIC}")
    await page.fill("#text-ti", text)
    await page.locator("#preview-ti .msg").filter(has_text=text.splitlines()[-1]).wait_for(timeout=10_000)
    assert await page.locator("#preview-ti .problems li").count() == 0
    async with page.expect_navigation():
        await page.click("#col-ti form.edit button[type=submit]")
    assert await page.locator("#col-ti .state.draft").count() == 1
    # Opened again, the waiting draft is in the box with its checks beside it (none here).
    assert (await page.input_value("#text-ti")).strip() == text.strip()
    assert await page.locator("#waiting-ti .ready").count() == 1


# Each left-to-right run in right-to-left text: drawn left to right, and the URL and the
# Dutch term in brackets each in one piece (one box, one line) so no line break reorders
# them — before, "https://www." ended one line and "(Mijn toeslagen) toeslagen.nl" began
# the next.
LTR_RUNS = """el => [...el.querySelectorAll('bdi')].map(b => ({
  text: b.textContent.replace(/[\u2066\u2069]/g, ''), dir: getComputedStyle(b).direction,
  pieces: new Set([...(b.querySelector('a') || b).getClientRects()].map(r => Math.round(r.top))).size,
}))"""


async def _whole_ltr_runs(bubble) -> None:  # type: ignore[no-untyped-def]
    runs = {r["text"]: r for r in await bubble.evaluate(LTR_RUNS)}
    assert await bubble.evaluate("e => getComputedStyle(e).direction") == "rtl"
    for text in ("https://www.toeslagen.nl", "Mijn toeslagen", "Belastingdienst"):
        assert runs[text]["dir"] == "ltr", runs[text]
        assert runs[text]["pieces"] == 1, runs[text]


async def _history(page, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{stack.app_url}/content/history?key={KEY}&locale=ti")


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_edit_review_publish_schedule_and_roll_back(flow_stack, width: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    stack, clock = flow_stack
    size = WIDTHS[width]
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            translator = await _staff(browser, stack, "tesfay", "tesfay-test-2026", size)
            reviewer = await _staff(browser, stack, "comms", "comms-demo-2026", size)

            # The translator edits the Tigrinya answer: a draft, not live.
            await translator.goto(f"{stack.app_url}{TOPIC}")
            assert await translator.locator("#text-en").count() == 0  # the English is not theirs
            original = (await translator.input_value("#text-ti")).strip()
            assert UPDATED not in original
            await _save_ti(translator, stack, f"{original}\n\n{UPDATED}")
            await translator.locator("#col-ti").scroll_into_view_if_needed()
            await translator.screenshot(path=str(ARTIFACTS / f"content-flow-ti-draft-{width}.png"))
            await _no_wider(translator, size[0])
            assert UPDATED not in await _ask(browser, stack, "ti", size)

            # The reviewer sees the difference and approves it: live on the next message.
            await _history(reviewer, stack)
            draft = reviewer.locator('ol.history li[data-state="draft"]')
            assert await draft.count() == 1
            assert UPDATED in await draft.locator(".diff .added ins").inner_text()
            assert await draft.locator(".diff .removed").count() == 0  # a line added, none taken out
            await reviewer.screenshot(path=str(ARTIFACTS / f"content-flow-ti-review-{width}.png"),
                                      full_page=True)
            await _no_wider(reviewer, size[0])
            async with reviewer.expect_navigation():
                await draft.get_by_role("button", name="Goedkeuren en publiceren").click()
            assert await reviewer.locator('ol.history li[data-state="draft"]').count() == 0
            answer = await _ask(browser, stack, "ti", size, shot=f"content-flow-webchat-ti-{width}.png")
            assert UPDATED in answer

            # A change scheduled two minutes ahead: not live before its time, live after.
            await _save_ti(translator, stack, f"{original}\n\n{SCHEDULED}")
            await _history(reviewer, stack)
            at = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=2)
            draft = reviewer.locator('ol.history li[data-state="draft"]')
            await draft.locator('input[name="publish_at"]').fill(at.strftime("%Y-%m-%dT%H:%M"))
            async with reviewer.expect_navigation():
                await draft.get_by_role("button", name="Goedkeuren en publiceren").click()
            assert reviewer.url.endswith("locale=ti")
            answer = await _ask(browser, stack, "ti", size)
            assert UPDATED in answer and SCHEDULED not in answer
            clock.move_to(at + timedelta(seconds=5))
            answer = await _ask(browser, stack, "ti", size)
            assert SCHEDULED in answer and UPDATED not in answer

            # Rollback: the reviewer brings the first version back (the oldest in the list).
            await _history(reviewer, stack)
            first = reviewer.locator('ol.history li[data-state="published"]').last
            async with reviewer.expect_navigation():
                await first.get_by_role("button", name="Deze versie terugzetten").click()
            answer = await _ask(browser, stack, "ti", size)
            assert SCHEDULED not in answer and UPDATED not in answer
            assert original.splitlines()[0][:20] in answer

            # The Arabic column and chat beside it (screenshots to look at).
            await reviewer.goto(f"{stack.app_url}{TOPIC}")
            await reviewer.locator("#col-ar").scroll_into_view_if_needed()
            await reviewer.screenshot(path=str(ARTIFACTS / f"content-flow-ar-column-{width}.png"))
            await _whole_ltr_runs(reviewer.locator("#col-ar .msg"))
            await _ask(browser, stack, "ar", size, shot=f"content-flow-webchat-ar-{width}.png",
                       check=_whole_ltr_runs)
        finally:
            await browser.close()


# Point 1 for translators: a button's title in Tigrinya, edited in the browser. "Money"
# for the help menu's first button (one title per width: the first run's stays live).
BUTTON_TITLES = {"desktop": "ሓገዝ ገንዘብ", "phone": "ገንዘብን ሓገዛትን ኣብዚ"}
LANGUAGE_SET = "/content/topics/utter_language_set"


async def _ti_chat_buttons(browser, stack: Stack, size: tuple[int, int], shot: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """A new web chat chooses Tigrinya with the welcome's button (a payload: no
    understanding involved); returns the titles of the buttons the answer offers."""
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    try:
        await page.goto(f"{stack.app_url}/?lang=ti")
        await page.wait_for_function("document.querySelectorAll('.msg.bot').length >= 1", timeout=60_000)
        await page.locator("#quick-replies button", has_text="ትግርኛ").click()
        await page.wait_for_function("document.querySelectorAll('.msg.bot').length >= 2", timeout=60_000)
        await page.wait_for_function(
            "(q => q.length > 0 && q.every(b => b.textContent !== 'ትግርኛ'))"
            "([...document.querySelectorAll('#quick-replies button')])",
            timeout=30_000)
        if shot:
            await page.screenshot(path=str(ARTIFACTS / shot))
        return await page.locator("#quick-replies button").all_inner_texts()
    finally:
        await context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_a_translator_changes_a_button_title_and_the_web_chat_shows_it(flow_stack, width: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    stack, _clock = flow_stack
    size, new = WIDTHS[width], BUTTON_TITLES[width]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            translator = await _staff(browser, stack, "tesfay", "tesfay-test-2026", size)
            reviewer = await _staff(browser, stack, "comms", "comms-demo-2026", size)
            await translator.goto(f"{stack.app_url}{LANGUAGE_SET}")
            box = translator.locator("#buttons-ti")
            lines = (await box.input_value()).splitlines()
            assert [line.split(" | ")[0] for line in lines] == [
                "benefits", "insurance", "appointments", "school", "casemanager"]
            old = lines[0].split(" | ", 1)[1]
            assert old != new and old in await _ti_chat_buttons(browser, stack, size)

            # As typed, the chip under the bubble shows the new title (before saving) ...
            await box.fill("\n".join([f"benefits | {new}", *lines[1:]]))
            chip = translator.locator("#preview-ti .chip").first
            await translator.locator("#preview-ti .chip", has_text=new).wait_for(timeout=10_000)
            assert await chip.inner_text() == new
            assert await translator.locator("#preview-ti .problems li").count() == 0
            # ... and a title too long for Telegram's keyboard is flagged beside it.
            await box.fill("\n".join([f"benefits | {'ገ' * 70}", *lines[1:]]))
            await translator.locator("#preview-ti .problems li", has_text="at most 64").wait_for(timeout=10_000)
            await box.fill("\n".join([f"benefits | {new}", *lines[1:]]))
            await translator.locator("#preview-ti .chip", has_text=new).wait_for(timeout=10_000)
            await translator.locator("#buttons-ti").scroll_into_view_if_needed()
            await translator.screenshot(path=str(ARTIFACTS / f"content-flow-ti-button-{width}.png"))
            await _no_wider(translator, size[0])
            async with translator.expect_navigation():
                await translator.click("#col-ti form.edit button[type=submit]")
            waiting = translator.locator("#waiting-ti-button-benefits")
            assert await waiting.locator(".ready").count() == 1
            assert await translator.locator("#waiting-ti").count() == 0  # the text was not changed
            assert old in await _ti_chat_buttons(browser, stack, size)  # a draft: not live

            # The reviewer approves it on the button's history page: live in the web chat.
            await reviewer.goto(f"{stack.app_url}{LANGUAGE_SET}")
            async with reviewer.expect_navigation():
                await reviewer.locator("#waiting-ti-button-benefits a").click()
            assert "key=button%3Abenefits&locale=ti" in reviewer.url
            draft = reviewer.locator('ol.history li[data-state="draft"]')
            assert new in await draft.locator(".diff .added ins").inner_text()
            async with reviewer.expect_navigation():
                await draft.get_by_role("button", name="Goedkeuren en publiceren").click()
            titles = await _ti_chat_buttons(browser, stack, size, shot=f"content-flow-webchat-ti-button-{width}.png")
            assert titles[0] == new and old not in titles
        finally:
            await browser.close()

"""The editor's questions the assistant could not answer (issue 15, point 6) in real
Chromium, at 1280 px and on a 390×844 phone: a Tigrinya question with a phone number and an
Arabic one with an e-mail address are shown redacted; a translator says 'this is topic X'
(chosen by its title, grouped by area), which stores a candidate training example; the
reviewer accepts it. Only the app runs, on its own database with the content imported;
'tesfay' translates Tigrinya, 'comms' reviews. Screenshots into tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db.models import Conversation, Message, NluCandidate
from bot.db.session import Database
from harness.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, log_in
from harness.stack import Stack, content_stack

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PHONE, EMAIL = "0612345678", "amal.haddad@example.org"
# "Can I get money for health insurance? My number ...", "How do I pay the own risk? ..."
QUESTIONS = {"ti": f"ናይ ጥዕና መድሕን ገንዘብ ክረክብ ይኽእል ዶ? ቁጽረይ {PHONE}",
             "ar": f"كيف أدفع المخاطرة الخاصة؟ بريدي {EMAIL}"}


@pytest.fixture(scope="module")
def editor_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = content_stack(tmp_path_factory.mktemp("unanswered"), comms_roles=("editor", "reviewer"),
                      translators={"tesfay": "ti"})
    try:
        yield s
    finally:
        s.stop()


def _seed(stack: Stack, width: str) -> dict[str, int]:
    """One unanswered question per locale, as the gateway stores them (the message in,
    answered with 'please rephrase')."""
    db = Database(stack.database_url)
    ids = {}
    try:
        with db.session() as s:
            for locale, text in QUESTIONS.items():
                conv = f"webchat:unanswered-{width}-{locale}"
                s.add(Conversation(id=conv, channel="webchat", locale=locale))
                msg = Message(conversation_id=conv, direction="in", text=text, locale=locale,
                              answered_with=["utter_ask_rephrase"])
                s.add(msg)
                s.flush()
                ids[locale] = int(msg.id)
    finally:
        db.engine.dispose()
    return ids


def _candidates(stack: Stack) -> list[tuple[str, str, str, str]]:
    db = Database(stack.database_url)
    try:
        with db.session() as s:
            return [(c.locale, c.text, c.intent, c.state) for c in s.query(NluCandidate).order_by(NluCandidate.id)]
    finally:
        db.engine.dispose()


async def _staff(browser, stack: Stack, user: str, password: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    await log_in(page, stack.app_url, user, password)
    return page


async def _no_wider(page, width: int) -> None:  # type: ignore[no-untyped-def]
    assert await page.evaluate("() => document.scrollingElement.scrollWidth") <= width


async def _shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    path = ARTIFACTS / name
    await page.screenshot(path=str(path))
    return path


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_an_unanswered_question_becomes_an_accepted_example(editor_app: Stack, width: str) -> None:
    from playwright.async_api import async_playwright

    size = WIDTHS[width]
    ids = _seed(editor_app, width)
    before = len(_candidates(editor_app))
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            translator = await _staff(browser, editor_app, "tesfay", "tesfay-test-2026", size)
            await translator.goto(f"{editor_app.app_url}/content#unanswered")
            page_text = await translator.locator("main").inner_text()
            assert PHONE not in page_text and EMAIL not in page_text
            ti = translator.locator(f'#unanswered-ti li[data-message="{ids["ti"]}"]')
            ar = translator.locator(f'#unanswered-ar li[data-message="{ids["ar"]}"]')
            question = ti.locator(".question")
            assert "[phone]" in await question.inner_text() and "ናይ ጥዕና መድሕን" in await question.inner_text()
            assert "[e-mail]" in await ar.locator(".question").inner_text()
            assert await ar.locator(".question").evaluate("e => getComputedStyle(e).direction") == "rtl"
            # The topic is chosen by its title, grouped by area: no internal key to type.
            select = ti.locator('select[name="key"]')
            assert await select.locator('optgroup option[value="utter_benefits/zorgtoeslag"]').inner_text() \
                == "Zorgtoeslag"
            assert await select.locator('option[value="utter_welcome"]').count() == 0  # not trained
            assert "utter_" not in await ti.inner_text()
            await ti.scroll_into_view_if_needed()
            await _no_wider(translator, size[0])
            await _shot(translator, f"content-unanswered-{width}.png")

            await select.select_option("utter_benefits/zorgtoeslag")
            async with translator.expect_navigation():
                await ti.locator('form[action="/content/candidates"] button[type=submit]').click()
            assert translator.url.endswith("/content#candidates")
            # Saved: the question says so instead of asking again.
            assert await ti.get_attribute("data-handled") == "proposed"
            assert await ti.locator("select").count() == 0
            assert "Zorgtoeslag" in await ti.locator(".handled").inner_text()
            assert _candidates(editor_app)[before:] == [
                ("ti", QUESTIONS["ti"].replace(PHONE, "[phone]"), "benefits/zorgtoeslag", "proposed")]
            # The translator cannot accept it; the reviewer can.
            mine = translator.locator('.candidates li[data-state="proposed"]').last
            assert await mine.locator("form").count() == 0
            assert await mine.locator(".topic").inner_text() == "Zorgtoeslag"

            reviewer = await _staff(browser, editor_app, "comms", "comms-demo-2026", size)
            await reviewer.goto(f"{editor_app.app_url}/content#candidates")
            waiting = reviewer.locator('.candidates li[data-state="proposed"]').last
            assert PHONE not in await waiting.inner_text() and "[phone]" in await waiting.inner_text()
            await waiting.scroll_into_view_if_needed()
            await _no_wider(reviewer, size[0])
            await _shot(reviewer, f"content-candidates-review-{width}.png")
            async with reviewer.expect_navigation():
                await waiting.locator('form[action$="/accept"] button').click()
            assert _candidates(editor_app)[before:][0][3] == "reviewed"
            assert await reviewer.locator(
                f'#unanswered-ti li[data-message="{ids["ti"]}"]').get_attribute("data-handled") == "reviewed"
            done = reviewer.locator('.candidates li[data-state="reviewed"]').first
            assert await done.count() == 1 and "[phone]" in await done.inner_text()
            await done.scroll_into_view_if_needed()
            await _shot(reviewer, f"content-candidates-accepted-{width}.png")
        finally:
            await browser.close()

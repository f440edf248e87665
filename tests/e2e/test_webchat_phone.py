"""The web chat page on a phone (390 × 844) in real Chromium, in every locale: texts,
direction, touch targets, links, quick replies, the typing indicator, history after a
reload, the linked state and signing out, a casemanager's reply written while away, an
emergency (the numbers first, each one tap to call), a
linked person's appointments in Arabic and Tigrinya (the Dutch words in brackets).

Each locale leaves a screenshot in tests/artifacts/webchat-phone-<locale>.png; the
appointments in tests/artifacts/webchat-phone-appointments-<locale>.png."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.i18n.locales import HTML_LANG, LOCALES, NATIVE_NAMES
from bot.i18n.terms import load_terms
from bot.linkcodes import redact_codes
from bot.web.routes.webchat_page import page_texts
from harness.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path
from harness.inbox import InboxUser
from harness.phrases import SAY, handoff_text
from harness.waiting import eventually
from harness.webchat import db_path, expect

pytestmark = pytest.mark.stack

PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def phone():  # type: ignore[no-untyped-def]
    """Makes phone-sized pages; pages of one context share their storage (a reload, a
    second visit on the same phone)."""
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)

        async def make(locale: str = "en-US"):  # type: ignore[no-untyped-def]
            context = await browser.new_context(viewport=PHONE, device_scale_factor=1,
                                                has_touch=True, locale=locale)
            return await context.new_page()

        yield make
        await browser.close()


def page_text(renderer, key: str, locale: str, **values: str) -> str:  # type: ignore[no-untyped-def]
    """A text of the page itself (as the catalogs have it: no bidi marks), filled."""
    text = page_texts(renderer)[locale][key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def query(stack, sql: str, *args):  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path(stack)) as db:
        return db.execute(sql, args).fetchall()


async def wait_for_bot(page, count: int) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length >= n", arg=count, timeout=60_000
    )


async def wait_for_turn(page) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_function("document.getElementById('typing').hidden", timeout=60_000)


async def send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    await page.fill("#input", text)
    await page.keyboard.press("Enter")


async def start_and_say(phone, stack, locale: str, text: str):  # type: ignore[no-untyped-def]
    """A new phone opens the chat in ``locale``, waits for the greeting, says ``text`` and
    waits for the whole answer. Returns the page and how many bot bubbles came before."""
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang={locale}")
    await wait_for_bot(page, 1)
    before = await page.locator(".msg.bot").count()
    await send(page, text)
    await wait_for_bot(page, before + 1)
    await wait_for_turn(page)
    return page, before


# What must hold on a phone, measured in the page.
LAYOUT = """() => {
  const box = el => el.getBoundingClientRect();
  const visible = el => { const r = box(el); return r.width > 0 && r.height > 0; };
  const targets = [...document.querySelectorAll('button, a')].filter(visible)
    .filter(el => el.tagName === 'BUTTON' || el.closest('.msg') === null);
  const composer = box(document.getElementById('composer'));
  const main = document.getElementById('scroller');
  const quick = [...document.querySelectorAll('#quick-replies button')];
  return {
    small: targets.filter(el => box(el).height < 44 || box(el).width < 44)
                  .map(el => [el.textContent.trim(), Math.round(box(el).width), Math.round(box(el).height)]),
    pageScrollWidth: document.documentElement.scrollWidth,
    mainOverflowX: main.scrollWidth - main.clientWidth,
    beyondRight: [...document.querySelectorAll('.msg, .quick-replies button, header *')]
                 .filter(el => box(el).right > window.innerWidth + 0.5 || box(el).left < -0.5).length,
    composerTop: composer.top,
    composerBottom: composer.bottom,
    quickBottoms: quick.map(b => box(b).bottom),
    mainBottom: box(main).bottom,
    title: document.title,
    placeholder: document.getElementById('input').placeholder,
    inputLabel: document.getElementById('input').getAttribute('aria-label'),
    sendLabel: document.getElementById('send').getAttribute('aria-label'),
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
  };
}"""

# Every word of ordinary text on one line: no word is broken in the middle.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('.msg .text')) {
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_page_on_a_phone(stack, renderer, phone, locale: str) -> None:  # type: ignore[no-untyped-def]
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang={locale}")
    await wait_for_bot(page, 1)
    # An answer with a link, then the language confirmed with the topic buttons (the
    # casemanager's among them).
    await send(page, SAY[locale]["zorgtoeslag"])
    await wait_for_bot(page, 2)
    await wait_for_turn(page)
    await page.locator("header .lang", has_text=NATIVE_NAMES[locale]).click()
    await wait_for_bot(page, 3)
    await wait_for_turn(page)
    await page.screenshot(path=str(ARTIFACTS / f"webchat-phone-{locale}.png"))

    m = await page.evaluate(LAYOUT)
    # In the person's language: title, placeholder, labels, lang and dir.
    assert m["title"] == page_text(renderer, "webchat_title", locale)
    assert m["placeholder"] == page_text(renderer, "webchat_placeholder", locale)
    assert m["inputLabel"] == page_text(renderer, "webchat_message_label", locale)
    assert m["sendLabel"] == page_text(renderer, "webchat_send", locale)
    assert m["lang"] == HTML_LANG[locale]
    assert m["dir"] == ("rtl" if locale in ("ar", "fa_AF") else "ltr")
    # Touch targets of at least 44 × 44 px; nothing wider than the phone.
    assert m["small"] == []
    assert m["pageScrollWidth"] <= PHONE["width"] and m["mainOverflowX"] <= 0
    assert m["beyondRight"] == 0
    # The composer is on screen, and the casemanager's button above it, not under it.
    assert m["composerBottom"] <= PHONE["height"]
    casemanager = page.locator("#quick-replies button",
                               has_text=expect_button(renderer, "utter_language_set", locale, "casemanager"))
    box = await casemanager.bounding_box()
    assert box is not None and box["y"] + box["height"] <= m["composerTop"]
    assert box["y"] >= 0
    # The link is a link (https only), and ordinary words are never broken.
    link = page.locator(".msg.bot a").first
    assert await link.get_attribute("href") == "https://www.toeslagen.nl"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert await page.evaluate(BROKEN_WORDS) == []
    # The answers in the locale and its direction; the time of each message in words.
    last = page.locator(".msg.bot").last
    assert await last.get_attribute("lang") == HTML_LANG[locale]
    assert (await last.locator("time").inner_text()).startswith(page_text(renderer, "term_today", locale))


async def assert_answer_shown(page, shown: str, wanted: str, locale: str) -> None:  # type: ignore[no-untyped-def]
    """The answer as the person sees it: the expected text (first-strong isolates aside), the
    last bubble marked with the locale's language, the page's direction, no word broken."""
    assert plain_text(shown) == plain_text(wanted)
    assert await page.locator(".msg.bot").last.get_attribute("lang") == HTML_LANG[locale]
    assert await page.evaluate("() => document.documentElement.dir") == (
        "rtl" if locale in ("ar", "fa_AF") else "ltr")
    assert await page.evaluate(BROKEN_WORDS) == []


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_word_on_a_letter_explained_on_a_phone(stack, renderer, phone, locale: str) -> None:  # type: ignore[no-untyped-def]
    """"What does aanmaning mean?" in the person's language: the explanation in that language,
    the Dutch word in it (in brackets), no word broken, right-to-left in Arabic and Dari."""
    page, _ = await start_and_say(phone, stack, locale, SAY[locale]["explain_term"])
    await page.screenshot(path=str(ARTIFACTS / f"webchat-phone-explain-{locale}.png"))
    shown = " ".join((await page.locator(".msg.bot").last.locator(".text").inner_text()).split())
    wanted = " ".join(expect(renderer, "utter_term/aanmaning", locale).split())
    await assert_answer_shown(page, shown, wanted, locale)
    assert "aanmaning" in shown


# A topic added in session 13 (the dentist), one added in session 14 (the family doctor,
# whose answer carries phone numbers: they must read left to right inside right-to-left text)
# one of session 15 (civic integration: DUO, PIP, a web address inside the text) and one of
# session 16 (family reunification: IND, subsidiaire bescherming, numbers inside right-to-left text).
NEW_TOPICS = {"tandarts": ("utter_insurance/tandarts", "basisverzekering"),
              "huisarts": ("utter_insurance/huisarts", "088 003 0600"),
              "inburgering": ("utter_inburgering/termijn", "inburgeren.nl"),
              "nareis": ("utter_practical/nareis", "subsidiaire bescherming")}


@pytest.mark.parametrize("topic", sorted(NEW_TOPICS))
@pytest.mark.parametrize("locale", LOCALES)
async def test_a_new_topic_answered_on_a_phone(stack, renderer, phone, locale: str, topic: str) -> None:  # type: ignore[no-untyped-def]
    """A question about a new topic: the answer in the person's language with the Dutch words
    in brackets, no word broken, right-to-left in Arabic and Dari."""
    key, must_show = NEW_TOPICS[topic]
    page, before = await start_and_say(phone, stack, locale, SAY[locale][topic])
    await page.screenshot(path=str(ARTIFACTS / f"webchat-phone-{topic}-{locale}.png"), full_page=True)
    # Each paragraph of the answer is a bubble of its own.
    bubbles = await page.locator(".msg.bot .text").all_inner_texts()
    shown = " ".join(" ".join(bubbles[before:]).split())
    wanted = " ".join(expect(renderer, key, locale).split())
    await assert_answer_shown(page, shown, wanted, locale)
    assert must_show in shown


# The numbers a person in danger must be able to call with one tap.
EMERGENCY_NUMBERS = {"112": "tel:112", "113": "tel:113", "0800-0113": "tel:08000113",
                     "0800-2000": "tel:08002000", "14 020": "tel:14020"}


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_emergency_on_a_phone_shows_the_numbers_first_one_tap_to_call(stack, renderer, phone, locale: str) -> None:  # type: ignore[no-untyped-def]
    """"Help, my husband is hitting me" in the person's language: the emergency numbers come
    first, in that language, each number a tel: link that a phone dials with one tap (read
    left to right inside right-to-left text); then the handoff to a person."""
    page, before = await start_and_say(phone, stack, locale, SAY[locale]["urgent_help"])
    handoff = plain_text(" ".join(handoff_text(renderer, locale).split()))

    async def all_said() -> str:
        bubbles = await page.locator(".msg.bot .text").all_inner_texts()
        return " ".join(" ".join(bubbles[before:]).split())

    async def handed_over() -> bool:
        return handoff in plain_text(await all_said())

    await eventually(handed_over, timeout=60, what="the handoff after the numbers")
    await page.screenshot(path=str(ARTIFACTS / f"webchat-phone-urgent-{locale}.png"), full_page=True)
    shown = plain_text(await all_said())
    numbers = " ".join(expect(renderer, "utter_urgent_help", locale).split())
    assert shown == plain_text(numbers + " " + handoff)
    first = page.locator(".msg.bot").nth(before)
    assert "112" in await first.inner_text()
    links = await page.locator(".msg.bot").evaluate_all(
        "els => els.flatMap(m => [...m.querySelectorAll('a.tel')].map(a => [a.textContent, a.getAttribute('href'), a.dir]))")
    assert {text: href for text, href, _ in links} == EMERGENCY_NUMBERS
    assert all(d == "ltr" for _, _, d in links)
    # 112 is the first link on the screen: nothing to tap comes before it.
    assert (await first.locator("a").first.get_attribute("href")) == "tel:112"
    assert await page.evaluate("() => document.documentElement.dir") == (
        "rtl" if locale in ("ar", "fa_AF") else "ltr")
    assert await page.evaluate(BROKEN_WORDS) == []


def plain_text(text: str) -> str:
    """Text without first-strong isolates (how the catalogs and the page may differ)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def expect_button(renderer, key: str, locale: str, button_id: str) -> str:  # type: ignore[no-untyped-def]
    rendered = renderer.render(key, locale)
    payloads = {"casemanager": "/talk_to_casemanager"}
    return next(b["title"] for b in rendered.buttons if b["payload"] == payloads[button_id])


async def test_links_are_built_safely_and_only_for_https(stack, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    # What the person types goes through the same code: only http(s) becomes a link.
    await send(page, "see javascript:alert(1) and https://example.org/a?b=1&c=<b>x</b>. ok")
    await wait_for_turn(page)
    mine = page.locator(".msg.user").last
    hrefs = await mine.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    # A link ends where a URL cannot go on ("<"); the rest is text, never markup.
    assert hrefs == ["https://example.org/a?b=1&c="]
    assert await mine.locator("b").count() == 0
    assert "<b>x</b>" in await mine.locator(".text").inner_text()
    assert (await mine.locator(".text").inner_text()).endswith(". ok")
    # Phone numbers become tel: links; amounts, dates, times and longer numbers never do.
    await send(page, "I paid €112,50 on 24-11-2026 at 11:30 for 1.113 items, ref 11234, to NL91ABNA0417164300; "
                     "call 112 or 088 003 0600")
    await wait_for_turn(page)
    mine = page.locator(".msg.user").last
    hrefs = await mine.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs == ["tel:112", "tel:0880030600"]


async def test_quick_replies_stay_until_used_or_replaced_and_typing_shows(stack, renderer, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    await page.evaluate("""() => {
      window.typingSeen = false;
      new MutationObserver(() => { if (!document.getElementById('typing').hidden) window.typingSeen = true; })
        .observe(document.getElementById('typing'), { attributes: true });
    }""")
    await send(page, SAY["en"]["help"])
    await wait_for_turn(page)
    assert await page.evaluate("window.typingSeen")  # shown while the bot worked
    assert await page.locator("#typing").is_hidden()  # and gone with the answer
    # Written clearly in Dutch: the switch notice offers the way back ("↩ English"), then
    # the answer follows, without buttons of its own: the way back stays.
    await send(page, SAY["nl"]["zorgtoeslag"] + " alstublieft, dank u wel")
    await wait_for_turn(page)
    back = renderer.render("utter_language_switched", "nl", {"previous": "en"}).buttons[0]["title"]
    assert await page.locator("#quick-replies button", has_text=back).count() == 1
    # Used: it is gone, and the next answer brings its own.
    await page.locator("#quick-replies button", has_text=back).click()
    await wait_for_turn(page)
    titles = await page.locator("#quick-replies button").all_inner_texts()
    assert back not in titles


async def test_a_reload_shows_the_conversation_and_sign_out_clears_it(stack, renderer, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone("ar")
    await page.goto(f"{stack.app_url}/?lang=ar")
    await wait_for_bot(page, 1)
    code = stack.cli("link-code", "--client", "1").strip().splitlines()[-1]  # Amal
    await send(page, code)
    await wait_for_turn(page)
    await page.locator("#linked-as").wait_for(state="visible")
    assert await page.locator("#linked-as").inner_text() == page_text(renderer, "webchat_linked_as", "ar", first_name="Amal")
    await send(page, SAY["ar"]["help"])
    await wait_for_turn(page)
    before = await page.locator(".msg .text").all_inner_texts()

    # A reload: the same conversation, in order, no second welcome; still linked.
    await page.reload()
    await page.wait_for_function("n => document.querySelectorAll('.msg').length >= n",
                                 arg=len(before), timeout=30_000)
    # (The link code is in no transcript: the history shows it redacted.)
    assert await page.locator(".msg .text").all_inner_texts() == [redact_codes(t) for t in before]
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.locator("#linked-as").wait_for(state="visible")
    await page.screenshot(path=str(ARTIFACTS / "webchat-phone-history-ar.png"))

    # Sign out on this (shared) phone: asked first, then everything goes.
    token = await page.evaluate("localStorage.getItem('wegwijs-session')")
    await page.locator("#sign-out").click()
    await page.locator("#sign-out-yes").click()
    await page.wait_for_function("t => localStorage.getItem('wegwijs-session') && "
                                 "localStorage.getItem('wegwijs-session') !== t", arg=token, timeout=30_000)
    await wait_for_bot(page, 1)
    texts = await page.locator(".msg .text").all_inner_texts()
    assert texts[0].startswith(expect(renderer, "utter_welcome", "ar")[:20])
    assert not any(t in texts for t in before[1:])
    assert await page.locator("#linked-as").is_hidden()
    assert await page.locator(".notice").inner_text() == page_text(renderer, "webchat_signed_out", "ar")
    # The next person on this phone reloads: nothing of Amal's chat.
    await page.reload()
    await wait_for_bot(page, 1)
    shown = await page.locator(".msg .text").all_inner_texts()
    assert not any(t in shown for t in before[1:])


async def test_a_reply_written_while_away_is_shown_with_her_name(stack, renderer, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone("nl")
    await page.goto(f"{stack.app_url}/?lang=nl")
    await wait_for_bot(page, 1)
    await send(page, stack.cli("link-code", "--client", "5").strip().splitlines()[-1])  # Noor
    await wait_for_turn(page)
    await send(page, SAY["nl"]["talk_to_casemanager"])
    await wait_for_turn(page)
    await send(page, "ik heb een brief gekregen")
    mark = page.locator(".msg.user").last.locator(".mark")
    await mark.wait_for(state="visible")
    assert await mark.inner_text() == page_text(renderer, "webchat_delivered", "nl")
    conv = "webchat:" + (await page.evaluate("localStorage.getItem('wegwijs-session')")).split(".")[0]
    esc_id = query(stack, "SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id DESC", conv)[0][0]
    context = page.context
    await page.close()  # the phone locked; the tab is gone

    sanne = InboxUser(stack.app_url)
    try:
        assert (await sanne.login("sanne")).status_code == 303
        assert (await sanne.post(esc_id, "reply", text="Hoi Noor, kijk op https://www.amsterdam.nl/statushouders")).status_code == 303
    finally:
        await sanne.close()
    await eventually(lambda: query(stack, "SELECT 1 FROM messages WHERE conversation_id = ? AND "
                                   "kind = 'staff' AND status = 'undelivered'", conv), what="the stored reply")

    page = await context.new_page()
    await page.goto(f"{stack.app_url}/?lang=nl")
    notice = page.locator(".notice")
    await notice.wait_for(state="visible", timeout=30_000)
    assert await notice.inner_text() == page_text(renderer, "webchat_reply_from", "nl", name="Sanne")
    staff = page.locator(".msg.staff").last
    assert "Hoi Noor" in await staff.inner_text()
    assert await staff.locator("a").get_attribute("href") == "https://www.amsterdam.nl/statushouders"
    assert await page.locator(".msg.user").last.locator(".mark").inner_text() == page_text(renderer, "webchat_seen", "nl")
    await page.screenshot(path=str(ARTIFACTS / "webchat-phone-reply-nl.png"))


async def test_a_first_arabic_word_from_an_english_browser_turns_the_page_arabic(stack, renderer, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone("en-US")
    await page.goto(stack.app_url)
    await wait_for_bot(page, 1)
    assert await page.get_attribute("html", "lang") == "en"
    await send(page, "مرحبا")
    await wait_for_bot(page, 2)
    await wait_for_turn(page)
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.locator(".msg.bot").last.get_attribute("lang") == "ar"
    assert await page.get_attribute("#input", "placeholder") == page_text(renderer, "webchat_placeholder", "ar")
    assert await page.title() == page_text(renderer, "webchat_title", "ar")


async def test_only_the_persons_messages_to_a_casemanager_carry_a_mark(stack, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    await send(page, SAY["en"]["help"])
    await wait_for_turn(page)
    await page.reload()  # the history: every reply "delivered", none marked as such
    await wait_for_bot(page, 2)
    assert await page.locator(".msg .mark").count() == 0


async def test_what_is_typed_offline_stays_on_screen_and_goes_out_after_the_history(stack, renderer, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    await send(page, SAY["en"]["help"])
    await wait_for_bot(page, 2)
    await wait_for_turn(page)
    await page.context.set_offline(True)
    await page.wait_for_function("document.getElementById('status').textContent !== ''", timeout=30_000)
    assert await page.locator("#status").inner_text() == page_text(renderer, "webchat_offline", "en")
    await send(page, SAY["en"]["thank"])
    await page.context.set_offline(False)
    # Back online: the history comes again, the message typed meanwhile stays and is answered.
    await wait_for_bot(page, 3)
    await wait_for_turn(page)
    users = await page.locator(".msg.user .text").all_inner_texts()
    assert users == [SAY["en"]["help"], SAY["en"]["thank"]]
    assert (await page.locator(".msg.bot .text").all_inner_texts())[-1] == expect(renderer, "utter_thank", "en")
    assert await page.locator("#status").inner_text() == ""


async def test_a_message_the_busy_database_could_not_keep_goes_back_into_the_composer(stack, renderer, phone) -> None:  # type: ignore[no-untyped-def]
    page = await phone()
    await page.goto(f"{stack.app_url}/?lang=en")
    await wait_for_bot(page, 1)
    await wait_for_turn(page)
    # Another process holds the database through every retry (WEGWIJS_DB_RETRY, 20 s):
    # nothing of the message is stored, the person is asked to send it again, and what
    # they wrote is back in the composer, ready to send.
    lock = sqlite3.connect(db_path(stack), isolation_level=None, timeout=30)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        await send(page, SAY["en"]["help"])
        await wait_for_bot(page, 2)
        assert (await page.locator(".msg.bot .text").all_inner_texts())[-1] == expect(
            renderer, "app_not_stored", "en")
        assert await page.input_value("#input") == SAY["en"]["help"]
        assert await page.locator("#typing").is_hidden()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    # Sent again once the database is free: answered as usual.
    await page.keyboard.press("Enter")
    await wait_for_bot(page, 3)
    await wait_for_turn(page)
    assert (await page.locator(".msg.bot .text").all_inner_texts())[-1] == expect(renderer, "utter_help", "en")
    assert await page.input_value("#input") == ""


# Each short isolated Dutch name (up to 32 characters) of the bot's answers on one line.
SPLIT_NAMES = """() => {
  const split = [];
  for (const el of document.querySelectorAll('.msg.bot .text')) {
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      const re = /\u2066([^\u2069]{1,32})\u2069/g; let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index + 1); range.setEnd(node, m.index + 1 + m[1].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(m[1]);
      }
    }
  }
  return split;
}"""

# Demo clients with the whole demo agenda (bot.db.seed): Amal (ar), Merhawi (ti).
AGENDA_CLIENT = {"ar": 1, "ti": 10}


@pytest.mark.parametrize("locale", ["ar", "ti"])
async def test_appointments_on_a_phone_in_the_persons_language(stack, renderer, phone, locale: str) -> None:  # type: ignore[no-untyped-def]
    terms = load_terms(Path(__file__).resolve().parents[2] / "content" / "terms.yml")
    page = await phone(locale)
    await page.goto(f"{stack.app_url}/?lang={locale}")
    await wait_for_bot(page, 1)
    await send(page, stack.cli("link-code", "--client", str(AGENDA_CLIENT[locale])).strip().splitlines()[-1])
    await wait_for_turn(page)
    await page.locator("#linked-as").wait_for(state="visible")
    before = await page.locator(".msg.bot").count()
    await send(page, SAY[locale]["ask_appointment"])
    await wait_for_bot(page, before + 4)  # the intro and three appointments
    await wait_for_turn(page)
    items = page.locator(".msg.bot .text")
    texts = await items.all_inner_texts()
    shown = "\n".join(texts[-3:])
    for term_id, dutch in (("verblijfsvergunning", "verblijfsvergunning"), ("paspoort", "paspoort"),
                           ("stadsloket", "Stadsloket Nieuw-West")):
        assert f"{terms[term_id].name(locale)} ({dutch})" in strip_marks(shown)
    assert "residence permit" not in shown
    # No word broken in the middle, and in Arabic no Dutch name split over two lines
    # (right to left, "(Stadsloket Nieuw-West)" split reads "Stadsloket Nieuw-)" … "(West").
    assert await page.evaluate(BROKEN_WORDS) == []
    assert await page.evaluate(SPLIT_NAMES) == []
    # The first appointment at the top of the screen, as a person scrolls to it.
    await items.nth(len(texts) - 3).scroll_into_view_if_needed()
    await page.evaluate("n => document.querySelectorAll('.msg.bot')[n].scrollIntoView()", len(texts) - 4)
    await page.screenshot(path=str(ARTIFACTS / f"webchat-phone-appointments-{locale}.png"))
    await page.screenshot(path=str(ARTIFACTS / f"webchat-phone-appointments-{locale}-full.png"), full_page=True)


def strip_marks(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\u200f\u2066\u2069").replace("\u00a0", " ").replace("\u2060", "")



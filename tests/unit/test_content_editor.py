"""The browser editor at /content (issue 15, point 1), in-process: topics by human titles
grouped by area, search, a topic's English and translations side by side with their chat
bubbles (right to left, buttons, Telegram's limit, realistic sample values), the facts, a
live preview with the checks, and saving a draft from the topic page."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.content.editing import set_content_roles
from bot.content.preview import bubble, draft_problems, telegram_length
from bot.content.store import import_files
from bot.content.topics import AREAS, TopicTitles, load_titles
from bot.db.seed import seed
from bot.db.session import Database
from bot.db.staff import create_staff
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource, load_responses
from bot.i18n.render import Renderer
from bot.i18n.workflow import ContentRepo
from harness.inbox import InboxUser

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # a Monday, 16:00 in Amsterdam
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ZORG = "/content/topics/utter_benefits/zorgtoeslag"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(ContentSource(ROOT / "content" / "responses.yml"), Catalogs(ROOT / "locales"))


# Titles ----------------------------------------------------------------------------------

def test_every_text_has_a_title_in_dutch_and_english_and_an_area() -> None:
    titles = load_titles(ROOT / "content" / "topics.yml")
    keys = set(load_responses(ROOT / "content" / "responses.yml"))
    assert set(titles) == keys
    for t in titles.values():
        assert t.area in AREAS and t.nl and t.en and t.nl != t.key
    assert titles["utter_benefits/zorgtoeslag"].area == "money"
    assert titles["utter_insurance/eigen_risico"].title("nl") == "Eigen risico"
    assert {t.area for t in titles.values()} == set(AREAS)


def test_a_text_without_a_title_is_listed_by_its_key_and_a_wrong_entry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text('utter_greet: {area: assistant, nl: "Begroeting", en: "Greeting"}\n', encoding="utf-8")
    titles = TopicTitles(path)
    grouped = titles.grouped(["utter_benefits/new", "utter_greet"])
    assert [t.key for t in grouped["assistant"]] == ["utter_greet", "utter_benefits/new"]
    assert grouped["assistant"][1].untitled and not grouped["assistant"][0].untitled
    assert TopicTitles(tmp_path / "none.yml").titles() == {}
    for bad in ('k: {area: sports, nl: "a", en: "b"}\n', 'k: {area: money, nl: "a"}\n', "- k\n"):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError):
            load_titles(path)


# Bubbles ---------------------------------------------------------------------------------

def test_the_bubble_reads_right_to_left_in_arabic_and_dari_with_its_buttons(renderer: Renderer) -> None:
    for locale, lang in (("ar", "ar"), ("fa_AF", "fa-AF")):
        b = bubble(renderer, "utter_help", locale, now=NOW)
        assert b.direction == "rtl" and b.lang == lang and not b.fallback
        assert len(b.buttons) == 5 and b.buttons[0] != "Money and allowances"
    b = bubble(renderer, "utter_help", "ti", now=NOW)
    assert b.direction == "ltr" and b.lang == "ti" and len(b.buttons) == 5
    english = bubble(renderer, "utter_help", "source", now=NOW)
    assert english.locale == "en" and english.buttons[0] == "Money and allowances"


def test_sample_values_read_as_in_a_real_conversation(renderer: Renderer) -> None:
    back = bubble(renderer, "app_handoff_back", "source", now=NOW).text
    assert "conversation with Sanne de Vries has ended" in back and "Taalschool" not in back
    school = bubble(renderer, "utter_school_item", "source", now=NOW).text
    assert school.startswith("Taalschool De Brug")
    item = bubble(renderer, "utter_appointment_item", "source", now=NOW).text
    assert "Tuesday, November 24, 2026" in item and "residence permit (verblijfsvergunning)" in item
    choices = bubble(renderer, "utter_ask_appointment_id", "nl", now=NOW).buttons
    assert len(choices) == 2 and all("{" not in c for c in choices)
    # A reply template is filled as the inbox fills it: tomorrow at ten, an ID card.
    call = bubble(renderer, "reply_call_you", "source", now=NOW).text
    assert call == "I will call you tomorrow at 10:00\u202fAM."
    assert "{" not in bubble(renderer, "reply_bring_document", "ar", now=NOW).text
    for key in renderer.content.responses():
        for locale in ("source", "nl", "ar", "ti", "fa_AF"):
            text = bubble(renderer, key, locale, now=NOW).text
            assert not re.search(r"\{\w+\}", text), (key, locale, text)


def test_a_draft_is_previewed_and_checked_without_counting_a_fallback(renderer: Renderer) -> None:
    b = bubble(renderer, "utter_greet", "ti", text="ሰላም {first_name}!", now=NOW)
    assert b.text == "ሰላም Amal!" and b.lang == "ti"
    missing = bubble(renderer, "utter_greet", "ti", text="", now=NOW)
    assert missing.fallback and missing.lang == "en" and missing.direction == "ltr"
    assert not renderer.catalogs.fallback_counts  # previews are not served answers
    assert draft_problems(renderer, "utter_greet", "ti", "ሰላም {x} http://a.example") == [
        "placeholders differ from the English: [] there, ['x'] here", "URL is not https: http://a.example"]
    assert draft_problems(renderer, "utter_greet", "ti", " ") == ["the translation is empty"]
    assert "the English answer is not written yet (empty or TODO)" in draft_problems(
        renderer, "utter_greet", "source", "TODO")
    long = bubble(renderer, "utter_greet", "source", text="a" * 4097, now=NOW)
    assert long.length == 4097 and long.too_long
    assert not bubble(renderer, "utter_greet", "source", text="a" * 4096, now=NOW).too_long
    assert telegram_length("👋") == 2  # Telegram counts UTF-16 code units


# Pages -----------------------------------------------------------------------------------

@pytest.fixture
async def people(web, db: Database):  # type: ignore[no-untyped-def]
    """'comms' as editor, 'rana' as reviewer, 'tesfay' as Tigrinya translator (English
    staff language); the content imported into the store."""
    svc, client = web
    with db.session() as s:
        seed(session=s)
        for name in ("rana", "tesfay"):
            create_staff(session=s, username=name, password=f"{name}-demo-2026",
                         display_name=name.title(), role="comms", locale="en")
        set_content_roles(session=s, username="comms", roles=["editor"], actor="cli:test")
        set_content_roles(session=s, username="rana", roles=["reviewer"], actor="cli:test")
        set_content_roles(session=s, username="tesfay", roles=["translator:ti"], actor="cli:test")
    import_files(db, ContentRepo(ROOT), actor="cli:test")
    svc.renderer.content.published.check_every_s = 0
    users: list[InboxUser] = []

    async def login(name: str) -> InboxUser:
        user = InboxUser("http://testserver", transport=client._transport)
        users.append(user)
        password = None if name == "comms" else f"{name}-demo-2026"
        assert (await user.login(name, password)).status_code == 303
        user.csrf = _CSRF.search((await user.http.get(ZORG)).text).group(1)
        return user

    yield svc, login
    for u in users:
        await u.close()


def topic_keys(html: str, area: str) -> list[str]:
    section = html[html.index(f'id="area-{area}"'):]
    section = section[:section.index("</section>")]
    return re.findall(r'<li data-key="([^"]+)"', section)


async def test_the_list_groups_topics_by_area_with_human_titles(people) -> None:  # type: ignore[no-untyped-def]
    _, login = people
    comms = await login("comms")
    page = (await comms.http.get("/content")).text
    assert "Antwoorden en vertalingen" in page and "Uitloggen" in page
    for area, title in (("money", "Geld en toeslagen"), ("insurance", "Verzekeringen"),
                        ("appointments", "Afspraken"), ("school", "Taalschool en inburgering"),
                        ("papers", "DigiD, post, gezin"), ("words", "Woorden op brieven"), ("assistant", "De assistent zelf")):
        assert f"<h2>{title}</h2>" in page
        assert topic_keys(page, area)
    assert "utter_benefits/zorgtoeslag" in topic_keys(page, "money")
    assert "utter_insurance/eigen_risico" in topic_keys(page, "insurance")
    assert "utter_practical/nareis" in topic_keys(page, "papers")
    assert f'href="{ZORG}"' in page and ">Zorgtoeslag</span>" in page
    assert "utter_term/beschikking" in topic_keys(page, "words")
    total = sum(len(topic_keys(page, a)) for a in AREAS)
    assert f"{total} van {total} teksten getoond" in page
    assert "Arabisch" in page and "Tigrinya" in page  # languages by name, not code
    await comms.http.post("/inbox/language", data={"csrf_token": comms.csrf, "ui": "en", "next": "/content"})
    page = (await comms.http.get("/content")).text
    assert "<h2>Money and allowances</h2>" in page and "Healthcare allowance (zorgtoeslag)" in page


async def test_search_finds_titles_and_texts_in_every_language(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms = await login("comms")
    page = (await comms.http.get("/content", params={"q": "eigen risico"})).text
    assert "utter_insurance/eigen_risico" in page and 'data-key="utter_greet"' not in page
    ti_greeting = svc.renderer.catalogs.lookup("ti", "utter_greet", svc.renderer.content.get("utter_greet").text)
    page = (await comms.http.get("/content", params={"q": ti_greeting[:12]})).text
    assert 'data-key="utter_greet"' in page
    page = (await comms.http.get("/content", params={"q": "Kinderbijslag"})).text  # a Dutch title
    assert 'data-key="utter_benefits/kinderbijslag"' in page
    page = (await comms.http.get("/content", params={"q": "zzqx-nothing"})).text
    assert "Niets gevonden." in page and "0 van" in page


async def test_a_topic_shows_the_english_and_every_locale_side_by_side(people) -> None:  # type: ignore[no-untyped-def]
    _, login = people
    tesfay = await login("tesfay")  # English staff pages
    page = (await tesfay.http.get(ZORG)).text
    assert "<h1>Healthcare allowance (zorgtoeslag)</h1>" in page and "Money and allowances" in page
    columns = re.findall(r'<section class="column [^"]*" data-locale="([^"]+)"', page)
    assert columns == ["source", "nl", "ar", "ti", "fa_AF"]
    for locale, d in (("ar", "rtl"), ("fa_AF", "rtl"), ("ti", "ltr"), ("nl", "ltr")):
        col = page[page.index(f'data-locale="{locale}" id="col-'):]
        assert f'class="msg bot" lang="{locale.replace("_", "-")}" dir="{d}"' in col[:col.index("</section>")]
    help_page = (await tesfay.http.get("/content/topics/utter_help")).text
    assert help_page.count('class="chip"') == 25  # five buttons under each of five bubbles
    # The facts: claim, https source, date of the figure, review-by day if any.
    assert 'href="https://www.belastingdienst.nl' in page or 'href="https://www.toeslagen.nl' in page
    assert "figure of 2026" in page
    assert 'href="/content/history?key=utter_benefits%2Fzorgtoeslag&amp;locale=ti"' in page
    # A translator edits their own locale only.
    assert page.count('<form method="post" action="/content/drafts"') == 1
    assert 'id="text-ti"' in page and 'id="text-ar"' not in page
    assert "characters (Telegram)" in page
    assert (await tesfay.http.get("/content/topics/utter_nothing")).status_code == 404


async def test_the_live_preview_shows_the_bubble_and_what_blocks_publication(people) -> None:  # type: ignore[no-untyped-def]
    _, login = people
    tesfay = await login("tesfay")
    form = {"csrf_token": tesfay.csrf, "key": "utter_greet", "locale": "ti", "text": "ሰላም {first_name}! http://x.example"}
    resp = await tesfay.http.post("/content/preview", data=form)
    assert resp.status_code == 200
    assert 'lang="ti" dir="ltr">ሰላም Amal! http://x.example</p>' in resp.text
    assert "URL is not https: http://x.example" in resp.text and "placeholders differ" in resp.text
    form["text"] = "ሰላም!"
    assert "<li>" not in (await tesfay.http.post("/content/preview", data=form)).text
    assert (await tesfay.http.post("/content/preview", data={**form, "csrf_token": "x"})).status_code == 403
    assert (await tesfay.http.post("/content/preview", data={**form, "key": "nope"})).status_code == 404


async def test_a_draft_saved_in_the_editor_returns_to_the_topic_and_waits_for_review(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    tesfay, rana = await login("tesfay"), await login("rana")
    live = svc.renderer.render("utter_benefits/zorgtoeslag", "ti").text
    resp = await tesfay.http.post("/content/drafts", data={
        "csrf_token": tesfay.csrf, "key": "utter_benefits/zorgtoeslag", "locale": "ti",
        "text": "ሓድሽ ጽሑፍ", "back": "topic"})
    assert resp.status_code == 303 and resp.headers["location"] == f"{ZORG}#col-ti"
    assert svc.renderer.render("utter_benefits/zorgtoeslag", "ti").text == live  # not live
    page = (await rana.http.get(ZORG)).text
    col = page[page.index('data-locale="ti" id="col-ti"'):]
    assert "draft waiting for review" in col[:col.index("</section>")]
    listing = (await rana.http.get("/content")).text
    assert "1 draft waiting for review" in listing


async def test_only_the_communications_team_opens_the_editor(people, web) -> None:  # type: ignore[no-untyped-def]
    _, login = people
    _, client = web
    sanne = InboxUser("http://testserver", transport=client._transport)
    assert (await sanne.login("sanne")).status_code == 303
    for url in ("/content", ZORG):
        assert (await sanne.http.get(url)).status_code == 403
    await sanne.close()
    anonymous = InboxUser("http://testserver", transport=client._transport)
    assert (await anonymous.http.get(ZORG)).status_code in (302, 303)
    await anonymous.close()


def test_the_titles_file_loads_as_yaml() -> None:
    data = yaml.safe_load((ROOT / "content" / "topics.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and len(data) == len(load_titles(ROOT / "content" / "topics.yml"))


async def test_new_english_leaves_the_translation_to_review_starting_from_the_old_one(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms, rana, tesfay = await login("comms"), await login("rana"), await login("tesfay")
    english = svc.renderer.content.get("utter_greet").text
    old_ti = svc.renderer.catalogs.lookup("ti", "utter_greet", english)
    assert old_ti
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source",
        "text": "Hello! What can I do for you?", "back": "topic"})
    history = (await rana.http.get("/content/history?key=utter_greet&locale=source")).text
    draft = max(int(v) for v in re.findall(r'data-version="(\d+)" data-state="draft"', history))
    assert (await rana.http.post(f"/content/versions/{draft}/approve",
                                 data={"csrf_token": rana.csrf})).status_code == 303
    page = (await tesfay.http.get("/content/topics/utter_greet")).text
    col = page[page.index('data-locale="ti" id="col-ti"') - 40:]
    col = col[:col.index("</section>")]
    assert "state-review" in col and "needs review" in col
    assert f">{old_ti}</textarea>" in col  # the translator starts from the old translation
    assert 'class="msg bot fallback" lang="en"' in col and "Hello! What can I do for you?" in col
    assert "Not translated: the person gets the English" in col


async def test_the_editor_changes_the_english_and_its_facts_together(people) -> None:  # type: ignore[no-untyped-def]
    """The English column holds the facts box: the preview checks the facts as they are
    written (a malformed line, a source without https), and a draft saves them."""
    svc, login = people
    comms = await login("comms")
    page = (await comms.http.get("/content/topics/utter_insurance/eigen_risico")).text
    box = page[page.index('id="facts-en"'):]
    box = box[box.index(">") + 1:box.index("</textarea>")]
    assert box.splitlines()[0] == (
        "Compulsory eigen risico is €385 in 2026 (18 and older); the amount is set per year"
        " | https://www.zilverenkruis.nl/consumenten/zorgverzekering/veranderingen/prinsjesdag"
        " | 2026-11-23 | 2026-12-15")
    assert 'id="facts-ar"' not in page
    text = svc.renderer.content.get("utter_insurance/eigen_risico").text.replace(
        "In 2026 it is €385", "In 2027 it is €400")
    form = {"csrf_token": comms.csrf, "key": "utter_insurance/eigen_risico", "locale": "source",
            "text": text, "back": "topic"}
    resp = await comms.http.post("/content/preview", data={**form, "facts": "€400 in 2027\nA | http://x.nl | 2027"})
    assert "fact line 1: write claim | https source | date" in resp.text
    assert "needs an https source" in resp.text and "In 2027 it is €400" in resp.text
    resp = await comms.http.post("/content/preview", data={**form, "facts": ""})
    assert "without a source: add `facts`" in resp.text
    good = "Compulsory eigen risico is €400 in 2027 | https://www.rijksoverheid.nl/x | 2027 | 2027-06-01"
    assert "<li>" not in (await comms.http.post("/content/preview", data={**form, "facts": good})).text
    resp = await comms.http.post("/content/drafts", data={**form, "facts": good})
    assert resp.status_code == 303 and resp.headers["location"].endswith("eigen_risico#col-en")
    history = (await comms.http.get("/content/history?key=utter_insurance%2Feigen_risico&locale=source")).text
    draft = history[history.index('data-state="draft"'):]
    draft = draft[:draft.index("</li>\n\n")] if "</li>\n\n" in draft else draft
    assert history.count('data-state="draft"') == 1
    assert "Compulsory eigen risico is €400 in 2027" in draft and "https://www.rijksoverheid.nl/x" in draft
    assert svc.renderer.content.get("utter_insurance/eigen_risico").text != text  # a draft: not live


async def test_the_live_preview_is_refused_to_the_signed_out_and_to_casemanagers(people) -> None:  # type: ignore[no-untyped-def]
    _, login = people
    tesfay = await login("tesfay")
    form = {"key": "utter_greet", "locale": "ti", "text": "ሰላም!"}
    anonymous = InboxUser("http://testserver", transport=tesfay.http._transport)
    resp = await anonymous.http.post("/content/preview", data=form)
    assert resp.status_code == 401 and "ሰላም" not in resp.text
    await anonymous.close()
    sanne = InboxUser("http://testserver", transport=tesfay.http._transport)
    assert (await sanne.login("sanne", "sanne-demo-2026")).status_code == 303
    resp = await sanne.http.post("/content/preview", data=form)
    assert resp.status_code == 403 and "CSRF check failed" not in resp.text and "ሰላም" not in resp.text
    await sanne.close()


def _column(page: str, code: str) -> str:
    col = page[page.index(f'id="col-{code}"'):]
    return col[:col.index("</section>")]


async def test_a_waiting_draft_opens_with_what_blocks_its_publication(people) -> None:  # type: ignore[no-untyped-def]
    """Point 5: the checks are shown beside the field whenever a waiting draft is opened
    (not only right after saving), and block its publication until a fixed draft follows."""
    svc, login = people
    tesfay, rana = await login("tesfay"), await login("rana")
    live = svc.renderer.render("utter_benefits/zorgtoeslag", "ti").text
    form = {"csrf_token": tesfay.csrf, "key": "utter_benefits/zorgtoeslag", "locale": "ti",
            "back": "topic"}
    await tesfay.http.post("/content/drafts", data={**form, "text": "ሓድሽ http://www.toeslagen.nl {name}"})
    for user in (tesfay, rana):  # the translator who wrote it and the reviewer, opened later
        col = _column((await user.http.get(ZORG)).text, "ti")
        assert "is waiting for review" in col and "This cannot be published yet:" in col
        assert "URL is not https: http://www.toeslagen.nl" in col and "placeholders differ" in col
        assert "The draft in the chat:" in col
    assert ">ሓድሽ http://www.toeslagen.nl {name}</textarea>" in _column((await tesfay.http.get(ZORG)).text, "ti")
    first = int(re.search(r'id="waiting-ti" data-version="(\d+)"', (await rana.http.get(ZORG)).text).group(1))
    resp = await rana.http.post(f"/content/versions/{first}/approve", data={"csrf_token": rana.csrf})
    assert resp.status_code == 409 and "URL is not https" in resp.text
    assert svc.renderer.render("utter_benefits/zorgtoeslag", "ti").text == live

    await tesfay.http.post("/content/drafts", data={**form, "text": "ሓድሽ https://www.toeslagen.nl"})
    page = (await rana.http.get(ZORG)).text
    col = _column(page, "ti")
    assert "No problems found: a reviewer can publish it." in col and "URL is not https" not in col
    second = int(re.search(r'id="waiting-ti" data-version="(\d+)"', page).group(1))
    assert second > first
    resp = await rana.http.post(f"/content/versions/{second}/approve", data={"csrf_token": rana.csrf})
    assert resp.status_code == 303
    assert "ሓድሽ" in svc.renderer.render("utter_benefits/zorgtoeslag", "ti").text


async def test_the_english_buttons_titles_are_edited_with_the_text(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms, rana = await login("comms"), await login("rana")
    page = (await comms.http.get("/content/topics/utter_help")).text
    box = page[page.index('id="buttons-en"'):]
    box = box[box.index(">") + 1:box.index("</textarea>")]
    assert box.splitlines()[0] == "benefits | Money and allowances" and len(box.splitlines()) == 5
    assert 'id="buttons-en"' not in (await comms.http.get(ZORG)).text  # no buttons there
    form = {"csrf_token": comms.csrf, "key": "utter_help", "locale": "source", "back": "topic",
            "text": svc.renderer.content.get("utter_help").text}
    resp = await comms.http.post("/content/drafts", data={**form, "buttons": box.replace(
        "benefits | Money and allowances", "money | Money")})
    assert resp.status_code == 409 and "there is no button &#39;money&#39;" in resp.text
    resp = await comms.http.post("/content/drafts", data={**form, "buttons": box.replace(
        "Money and allowances", "Money and benefits")})
    assert resp.status_code == 303
    assert "benefits | Money and benefits" in (await comms.http.get("/content/topics/utter_help")).text
    page = (await rana.http.get("/content/topics/utter_help")).text  # the waiting draft's buttons in the box
    draft = int(re.search(r'id="waiting-en" data-version="(\d+)"', page).group(1))
    assert (await rana.http.post(f"/content/versions/{draft}/approve",
                                 data={"csrf_token": rana.csrf})).status_code == 303
    buttons = svc.renderer.content.get("utter_help").buttons
    assert [b.title for b in buttons][:2] == ["Money and benefits", "Insurance"]
    assert buttons[0].payload == "/benefits_overview"


def test_the_buttons_box_changes_titles_only() -> None:
    from bot.web.routes.content_workflow import buttons_box, parse_buttons

    current = [{"id": "ar", "title": "العربية", "payload": "/a", "translate": False},
               {"id": "en", "title": "English", "payload": "/e"}]
    assert parse_buttons(buttons_box(current), current) == (current, [])
    got, bad = parse_buttons("en | Engels\nar | عربي", current)
    assert not bad and got == [{**current[0], "title": "عربي"}, {**current[1], "title": "Engels"}]
    for value, problem in (("ar | x", "en is missing"), ("ar\nen | E", "write id | title"),
                           ("ar | a\nar | b\nen | E", "twice"), ("xx | a", "no button 'xx'")):
        assert any(problem in p for p in parse_buttons(value, current)[1]), value


OFFER = "/content/topics/utter_offer_casemanager"


def _box(page: str, ident: str) -> str:
    box = page[page.index(f'id="{ident}"'):]
    return box[box.index(">") + 1:box.index("</textarea>")]


async def test_a_translator_edits_the_button_titles_of_their_own_locale(people) -> None:  # type: ignore[no-untyped-def]
    """Point 1 for translators: the Tigrinya column has a buttons box with Tigrinya titles
    (ids fixed, no payloads); the preview shows the chips as written with the checks
    (missing title, too long for Telegram's keyboard, placeholders); a changed title is a
    draft of ``button:<id>`` whose problems block publication; approved, it is live."""
    svc, login = people
    tesfay, rana = await login("tesfay"), await login("rana")
    page = (await tesfay.http.get(OFFER)).text
    col = _column(page, "ti")
    assert _box(col, "buttons-ti").splitlines() == ["yes | እወ፣ ሓላፊ ጉዳየይ", "no | " + svc.renderer.catalogs.lookup(
        "ti", "button:no", "No, show topics")]
    assert "/affirm" not in col and 'id="buttons-ar"' not in page  # no payloads; not their locale
    assert 'id="buttons-ti"' not in (await tesfay.http.get(ZORG)).text  # no buttons there
    ar = _column((await (await login("comms")).http.get(OFFER)).text, "ar")
    assert 'id="buttons-ar"' not in ar  # the editor writes English, not Arabic

    rendered = svc.renderer.render("utter_offer_casemanager", "ti").text
    text = svc.renderer.catalogs.lookup("ti", "utter_offer_casemanager",
                                        svc.renderer.content.get("utter_offer_casemanager").text)
    form = {"csrf_token": tesfay.csrf, "key": "utter_offer_casemanager", "locale": "ti",
            "back": "topic", "text": text}
    no = svc.renderer.catalogs.lookup("ti", "button:no", "No, show topics")
    # The live preview: the chips as written, and the checks beside the field.
    resp = await tesfay.http.post("/content/preview", data={**form, "buttons": f"yes | እወ\nno | {no}"})
    assert '<span class="chip" lang="ti" dir="auto">እወ</span>' in resp.text and "<li>" not in resp.text
    long = "ሓ" * 65
    for box, problem in ((f"yes | \nno | {no}", "button &#39;yes&#39;: the button has no title"),
                         (f"yes | {long}\nno | {no}", "65 characters; a button in Telegram&#39;s inline keyboard shows at most 64"),
                         (f"yes | እወ {{name}}\nno | {no}", "button &#39;yes&#39;: placeholders differ"),
                         (f"yes | እወ\nno | {no}\nmaybe | ምናልባት", "there is no button &#39;maybe&#39;")):
        assert problem in (await tesfay.http.post("/content/preview", data={**form, "buttons": box})).text, box
    resp = await tesfay.http.post("/content/drafts", data={**form, "buttons": "yes | እወ\nmaybe | x"})
    assert resp.status_code == 409 and "there is no button &#39;maybe&#39;" in resp.text

    # Saved too long: a draft of button:yes (not of the text), its problem beside the field.
    resp = await tesfay.http.post("/content/drafts", data={**form, "buttons": f"yes | {long}\nno | {no}"})
    assert resp.status_code == 303
    page = (await rana.http.get(OFFER)).text
    col = _column(page, "ti")
    assert 'id="waiting-ti"' not in col  # the text did not change: no draft of it
    assert "The button yes: draft" in col and "65 characters" in col
    assert "/content/history?key=button%3Ayes&amp;locale=ti" in col
    first = int(re.search(r'id="waiting-ti-button-yes" data-version="(\d+)"', col).group(1))
    resp = await rana.http.post(f"/content/versions/{first}/approve", data={"csrf_token": rana.csrf})
    assert resp.status_code == 409 and "65 characters" in resp.text
    assert f"yes | {long}" in _box(_column((await tesfay.http.get(OFFER)).text, "ti"), "buttons-ti")
    cell = (await rana.http.get("/content")).text
    cell = cell[cell.index('data-key="utter_offer_casemanager"'):]
    cell = cell[:cell.index("</li>")]  # the answers with the button show it waiting in Tigrinya
    assert ' draft" data-locale="ti"' in cell and ' draft" data-locale="ar"' not in cell

    # Fixed, approved: the new title is live; the payload is the English one's.
    assert (await tesfay.http.post("/content/drafts", data={**form, "buttons": f"yes | እወ\nno | {no}"})
            ).status_code == 303
    col = _column((await rana.http.get(OFFER)).text, "ti")
    second = int(re.search(r'id="waiting-ti-button-yes" data-version="(\d+)"', col).group(1))
    assert second > first and '<span class="chip" lang="ti" dir="auto">እወ</span>' in col
    assert svc.renderer.render("utter_offer_casemanager", "ti").buttons[0]["title"] == "እወ፣ ሓላፊ ጉዳየይ"
    assert (await rana.http.post(f"/content/versions/{second}/approve",
                                 data={"csrf_token": rana.csrf})).status_code == 303
    buttons = svc.renderer.render("utter_offer_casemanager", "ti").buttons
    assert buttons[0]["title"] == "እወ" and buttons[0]["payload"] == "/affirm"
    assert svc.renderer.render("utter_offer_casemanager", "ar").buttons[0]["title"] == "نعم، مسؤول ملفي"
    assert svc.renderer.render("utter_offer_casemanager", "ti").text == rendered


async def test_a_translators_buttons_box_reads_right_to_left_in_arabic(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    with svc.db.session() as s:
        set_content_roles(session=s, username="tesfay", roles=["translator:ar"], actor="cli:test")
    tesfay = await login("tesfay")
    col = _column((await tesfay.http.get(OFFER)).text, "ar")
    assert 'id="buttons-ar" name="buttons" rows="2"' in col
    assert 'lang="ar" dir="rtl"' in col[col.index('id="buttons-ar"'):]
    assert _box(col, "buttons-ar").startswith("yes | نعم، مسؤول ملفي")


async def test_the_header_names_the_content_editor_and_the_language_switch_stays_on_the_page(people) -> None:  # type: ignore[no-untyped-def]
    _, login = people
    comms = await login("comms")  # reads Dutch
    history = "/content/history?key=utter_benefits%2Fzorgtoeslag&locale=ti"
    for url in ("/content", ZORG, history):
        page = (await comms.http.get(url)).text
        assert '<a class="brand" href="/content">✕✕✕ Wegwijs · Contenteditor</a>' in page, url
        assert "· Inbox" not in page
    page = (await comms.http.get(history)).text
    assert f'name="next" value="{history.replace("&", "&amp;")}"' in page  # the query kept
    resp = await comms.http.post("/inbox/language", data={"csrf_token": comms.csrf, "ui": "en",
                                                          "next": history})
    assert resp.status_code == 303 and resp.headers["location"] == history
    assert "✕✕✕ Wegwijs · Content editor</a>" in (await comms.http.get(history)).text


# Unanswered questions -> candidate training examples (point 6) -------------------------

def _unanswered(db: Database, text: str, locale: str = "ti") -> int:
    from bot.db.models import Conversation, Message

    with db.session() as s:
        s.add(Conversation(id=f"webchat:{locale}-asker", channel="webchat", locale=locale))
        msg = Message(conversation_id=f"webchat:{locale}-asker", direction="in", text=text,
                      locale=locale, answered_with=["utter_ask_rephrase"])
        s.add(msg)
        s.flush()
        return int(msg.id)


async def test_every_answer_familys_i_have_no_answer_is_listed_as_unanswered(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    from bot.db.models import Conversation, Message

    ids = {}
    with db.session() as s:
        s.add(Conversation(id="webchat:nl-families", channel="webchat", locale="nl"))
        for family in ("benefits", "insurance", "inburgering", "practical"):
            msg = Message(conversation_id="webchat:nl-families", direction="in",
                          text=f"een vraag over {family} zonder antwoord", locale="nl",
                          answered_with=[f"utter_{family}/unknown"])
            s.add(msg)
            s.flush()
            ids[family] = int(msg.id)
        answered = Message(conversation_id="webchat:nl-families", direction="in",
                           text="hoeveel zorgtoeslag krijg ik", locale="nl",
                           answered_with=["utter_benefits/zorgtoeslag"])
        s.add(answered)
        s.flush()
        answered_id = int(answered.id)
    _, login = people
    page = (await (await login("comms")).http.get("/content")).text
    for family, message_id in ids.items():
        assert f'data-message="{message_id}"' in page, family
    assert f'data-message="{answered_id}"' not in page


async def test_an_unanswered_question_becomes_a_reviewed_training_example(people, db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot.content.candidates import export
    from bot.db.models import StaffAudit

    svc, login = people
    tesfay, rana = await login("tesfay"), await login("rana")
    question = "ናይ ጥዕና ገንዘብ ክረክብ ይኽእል ዶ? ቁጽረይ 0612345678"
    message_id = _unanswered(db, question)
    page = (await tesfay.http.get("/content")).text
    item = page[page.index(f'data-message="{message_id}"'):]
    assert "0612345678" not in page and "ናይ ጥዕና ገንዘብ" in item[:item.index("</li>")]
    assert '<option value="utter_benefits/zorgtoeslag">' in page

    form = {"csrf_token": tesfay.csrf, "message_id": str(message_id)}
    assert (await tesfay.http.post("/content/candidates", data={**form, "key": "utter_nothing"})).status_code == 409
    resp = await tesfay.http.post("/content/candidates", data={**form, "key": "utter_benefits/zorgtoeslag"})
    assert resp.status_code == 303 and resp.headers["location"] == "/content#candidates"
    page = (await rana.http.get("/content")).text
    listed = page[page.index('id="candidates"'):]
    candidate = int(re.search(r'data-candidate="(\d+)" data-state="proposed"', listed).group(1))
    assert "benefits/zorgtoeslag" in listed and "0612345678" not in listed
    # The question says it was saved, by the topic's title, instead of asking again.
    item = page[page.index(f'data-message="{message_id}"'):]
    item = item[:item.index("</li>")]
    assert 'data-handled="proposed"' in item and "<select" not in item
    assert "Saved as an example of: Healthcare allowance (zorgtoeslag)" in item
    # Only a reviewer accepts; the translator who proposed it cannot.
    url = f"/content/candidates/{candidate}/accept"
    assert (await tesfay.http.post(url, data={"csrf_token": tesfay.csrf})).status_code == 403
    with db.session() as s:
        assert not export(session=s, root=tmp_path)  # nothing reviewed yet
    assert (await rana.http.post(url, data={"csrf_token": rana.csrf})).status_code == 303
    assert (await rana.http.post(url, data={"csrf_token": rana.csrf})).status_code == 409  # once

    with db.session() as s:
        written = export(session=s, root=tmp_path)
        details = [a.detail for a in s.query(StaffAudit).filter(StaffAudit.action.like("nlu_candidate%"))]
    assert written == [tmp_path / "nlu" / "ti" / "candidates.yml"]
    data = yaml.safe_load(written[0].read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    [entry] = data["nlu"]
    assert entry["intent"] == "benefits/zorgtoeslag" and entry["examples"].startswith("- ናይ ጥዕና ገንዘብ")
    assert "0612345678" not in entry["examples"]  # stored redacted
    assert all("ናይ" not in d for d in details) and len(details) == 2  # no question in the audit log


def test_the_command_lists_and_exports_reviewed_candidates(db: Database, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from bot import cli
    from bot.db.models import NluCandidate

    with db.session() as s:
        s.add_all([NluCandidate(locale="ar", text="سؤال عن zorgtoeslag", intent="benefits/zorgtoeslag", state="reviewed"),
                   NluCandidate(locale="ar", text="سؤال عن zorgtoeslag", intent="benefits/zorgtoeslag", state="reviewed"),
                   NluCandidate(locale="nl", text="iets anders", intent="greet", state="proposed"),
                   NluCandidate(locale="nl", text="niet dit", intent="greet", state="rejected")])
    monkeypatch.setattr(cli, "database", lambda: db)
    assert cli.cmd_nlu(argparse.Namespace(export=False, root=str(tmp_path))) == 0
    out = capsys.readouterr().out
    assert "4 candidate(s), 2 reviewed" in out and "proposed" in out and not (tmp_path / "nlu").exists()
    assert cli.cmd_nlu(argparse.Namespace(export=True, root=str(tmp_path))) == 0
    assert sorted(p.name for p in (tmp_path / "nlu").iterdir()) == ["ar"]  # reviewed only
    data = yaml.safe_load((tmp_path / "nlu" / "ar" / "candidates.yml").read_text(encoding="utf-8"))
    assert data["nlu"] == [{"intent": "benefits/zorgtoeslag", "examples": "- سؤال عن zorgtoeslag\n"}]


async def test_a_new_topic_starts_as_an_empty_english_draft_from_the_question(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    from bot.content.candidates import slug

    svc, login = people
    comms, tesfay, rana = await login("comms"), await login("tesfay"), await login("rana")
    message_id = _unanswered(db, "ፍቓድ ምኽያድ መኪና ከመይ ይረክብ? info@example.org")
    assert 'action="/content/new-topic"' in (await comms.http.get("/content")).text
    assert 'action="/content/new-topic"' not in (await tesfay.http.get("/content")).text  # English: editors
    form = {"csrf_token": comms.csrf, "message_id": str(message_id)}
    resp = await comms.http.post("/content/new-topic", data={**form, "title": "Parking permit"})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/content/history?key=utter_new%2Fparking_permit&locale=source"
    page = (await rana.http.get(resp.headers["location"])).text
    assert 'data-state="draft"' in page and "the English answer is not written yet" in page
    draft = int(re.search(r'data-version="(\d+)" data-state="draft"', page).group(1))
    assert (await rana.http.post(f"/content/versions/{draft}/approve",
                                 data={"csrf_token": rana.csrf})).status_code == 409  # empty: blocked
    with db.session() as s:
        from bot.db.models import ContentVersion

        row = s.query(ContentVersion).filter_by(key="utter_new/parking_permit").one()
        assert "ፍቓድ ምኽያድ መኪና" in row.note and "info@example.org" not in row.note
    assert svc.renderer.content.get("utter_new/parking_permit") is None  # not live
    tesfay_form = {"csrf_token": tesfay.csrf, "message_id": str(message_id), "title": "Other"}
    assert (await tesfay.http.post("/content/new-topic", data=tesfay_form)).status_code == 403
    assert (await comms.http.post("/content/new-topic", data={**form, "title": "ፍቓድ"})).status_code == 409
    assert slug("Parkeervergunning — ‘Amsterdam’!") == "parkeervergunning_amsterdam"


async def test_a_question_that_is_not_a_number_is_a_bad_request(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    _svc, login = people
    comms = await login("comms")
    form = {"csrf_token": comms.csrf, "message_id": "x1"}
    assert (await comms.http.post("/content/new-topic", data={**form, "title": "Parking"})).status_code == 400
    assert (await comms.http.post("/content/candidates",
                                  data={**form, "key": "utter_benefits/zorgtoeslag"})).status_code == 400

"""The content workflow over HTTP (bot/web/routes/content_workflow.py), in-process: a
text's history, saving a draft, a reviewer's approve, reject and rollback; roles, CSRF,
the staff pages' Dutch."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.content.editing import set_content_roles
from bot.content.store import import_files
from bot.db.seed import seed
from bot.db.session import Database
from bot.db.staff import create_staff
from bot.i18n.workflow import ContentRepo
from harness.inbox import InboxUser

ROOT = Path(__file__).resolve().parents[2]
GREETING = "Hello! How can I help you today?"
HISTORY = "/content/history?key=utter_greet&locale=source"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def people(web, db: Database):  # type: ignore[no-untyped-def]
    """The demo 'comms' account as editor, a second one 'rana' as reviewer, the content
    imported; returns the services and a login function."""
    svc, client = web
    with db.session() as s:
        seed(session=s)
        create_staff(session=s, username="rana", password="rana-demo-2026", display_name="Rana",
                     role="comms", locale="en")
        set_content_roles(session=s, username="comms", roles=["editor"], actor="cli:test")
        set_content_roles(session=s, username="rana", roles=["reviewer"], actor="cli:test")
    import_files(db, ContentRepo(ROOT), actor="cli:test")
    svc.renderer.content.published.check_every_s = 0
    users: list[InboxUser] = []

    async def login(name: str, password: str | None = None) -> InboxUser:
        user = InboxUser("http://testserver", transport=client._transport)
        users.append(user)
        assert (await user.login(name, password)).status_code == 303
        page = await user.http.get(HISTORY)
        user.csrf = _CSRF.search(page.text).group(1) if _CSRF.search(page.text) else user.csrf
        return user

    yield svc, login
    for u in users:
        await u.close()


def version_ids(html: str, state: str) -> list[int]:
    return [int(v) for v in re.findall(rf'data-version="(\d+)" data-state="{state}"', html)]


async def test_draft_review_publish_and_roll_back(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    page = await comms.http.get(HISTORY)
    assert page.status_code == 200 and "Geschiedenis van een antwoord" in page.text
    assert "Concept opslaan" in page.text and "Versie 1" in page.text
    resp = await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source",
        "text": "Hello! What can I do for you?"})
    assert resp.status_code == 303 and resp.headers["location"] == HISTORY
    draft = version_ids((await comms.http.get(HISTORY)).text, "draft")[0]
    assert svc.renderer.render("utter_greet", "en").text == GREETING  # a draft is not live

    resp = await comms.http.post(f"/content/versions/{draft}/approve", data={"csrf_token": comms.csrf})
    assert resp.status_code == 403 and "Alleen een beoordelaar mag goedkeuren" in resp.text
    page = await rana.http.get(HISTORY)
    assert "Approve and publish" in page.text and "Save draft" not in page.text
    resp = await rana.http.post(f"/content/versions/{draft}/approve", data={"csrf_token": rana.csrf})
    assert resp.status_code == 303
    assert svc.renderer.render("utter_greet", "en").text == "Hello! What can I do for you?"

    first = version_ids((await rana.http.get(HISTORY)).text, "published")[-1]
    resp = await rana.http.post(f"/content/versions/{first}/rollback", data={"csrf_token": rana.csrf})
    assert resp.status_code == 303
    assert svc.renderer.render("utter_greet", "en").text == GREETING


async def test_problems_and_rejection(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source",
        "text": "It costs €5 from 2027."})
    page = (await rana.http.get(HISTORY)).text
    draft = version_ids(page, "draft")[0]
    assert "without a source" in page
    resp = await rana.http.post(f"/content/versions/{draft}/approve", data={"csrf_token": rana.csrf})
    assert resp.status_code == 409 and "This cannot be published yet" in resp.text
    resp = await rana.http.post(f"/content/versions/{draft}/approve",
                                data={"csrf_token": rana.csrf, "publish_at": "not a time"})
    assert resp.status_code == 400
    resp = await rana.http.post(f"/content/versions/{draft}/reject", data={"csrf_token": rana.csrf})
    assert resp.status_code == 303
    assert version_ids((await rana.http.get(HISTORY)).text, "rejected") == [draft]
    resp = await rana.http.post("/content/drafts", data={
        "csrf_token": rana.csrf, "key": "utter_greet", "locale": "source", "text": "Hi"})
    assert resp.status_code == 403 and "You may not change this text." in resp.text
    assert svc.renderer.render("utter_greet", "en").text == GREETING


async def test_scheduled_publication_and_guards(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source", "text": "Happy new year!"})
    draft = version_ids((await rana.http.get(HISTORY)).text, "draft")[0]
    resp = await rana.http.post(f"/content/versions/{draft}/approve",
                                data={"csrf_token": rana.csrf, "publish_at": "2030-01-01T00:00"})
    assert resp.status_code == 303
    assert "live from 2029-12-31 23:00 UTC" in (await rana.http.get(HISTORY)).text
    assert svc.renderer.render("utter_greet", "en").text == GREETING
    # No CSRF token, an unknown version, a locale that does not exist, a casemanager.
    assert (await rana.http.post(f"/content/versions/{draft}/reject", data={})).status_code == 403
    resp = await rana.http.post("/content/versions/99999/reject", data={"csrf_token": rana.csrf})
    assert resp.status_code == 404
    assert (await rana.http.get("/content/history?key=utter_greet&locale=xx")).status_code == 404
    sanne = await login("sanne")
    assert (await sanne.http.get(HISTORY)).status_code == 403
    anonymous = InboxUser("http://testserver", transport=rana.http._transport)
    assert (await anonymous.http.get(HISTORY)).status_code in (302, 303)
    await anonymous.close()


async def test_the_content_page_shows_the_store(people) -> None:  # type: ignore[no-untyped-def]
    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source",
        "text": "Hello! What can I do for you?"})
    draft = version_ids((await rana.http.get(HISTORY)).text, "draft")[0]
    await rana.http.post(f"/content/versions/{draft}/approve", data={"csrf_token": rana.csrf})
    # The list finds the published text and flags the translations of the older English;
    # the topic shows the published text in its bubble.
    page = (await comms.http.get("/content", params={"q": "What can I do for you"})).text
    assert '<li data-key="utter_greet">' in page and "na te kijken" in page
    page = (await comms.http.get("/content/topics/utter_greet")).text
    assert 'dir="ltr">Hello! What can I do for you?</p>' in page


async def test_rasa_gets_the_published_text_on_the_next_message(people, web, db) -> None:  # type: ignore[no-untyped-def]
    """What Rasa's NLG endpoint answers follows the store: a published change is live on
    the next message, a draft never (the app's default cache checks every half second)."""
    from bot.db import conversations

    svc, login = people
    _, client = web
    svc.renderer.content.published.check_every_s = 0.5
    with db.session() as s:
        conversations.get_or_create_conversation(session=s, conversation_id="webchat:nlg",
                                                 channel="webchat")
    body = {"response": "utter_greet", "arguments": {},
            "tracker": {"sender_id": "webchat:nlg", "slots": {"language": "en"}}}

    async def nlg() -> str:
        resp = await client.post("/nlg", params={"token": "test-internal-token"}, json=body)
        return resp.json()["text"]

    assert await nlg() == GREETING
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source", "text": "Hi! Ask me."})
    draft = version_ids((await rana.http.get(HISTORY)).text, "draft")[0]
    assert await nlg() == GREETING
    await rana.http.post(f"/content/versions/{draft}/approve", data={"csrf_token": rana.csrf})
    await asyncio.sleep(0.6)
    assert await nlg() == "Hi! Ask me."


async def test_changes_over_http_are_audited_with_the_address_as_a_code(people, db) -> None:  # type: ignore[no-untyped-def]
    from bot.db.models import StaffAudit

    _, login = people
    comms = await login("comms")
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source", "text": "Hi! Ask me."})
    with db.session() as s:
        row = s.query(StaffAudit).filter_by(action="content_draft").one()
    assert row.actor == "comms" and row.detail == "utter_greet source v2"
    assert row.address_hash and "Hi!" not in (row.detail or "")


async def test_the_editor_changes_a_figure_and_its_fact(people) -> None:  # type: ignore[no-untyped-def]
    """New amounts from 1 January: the text and its fact change together; a fact without
    an https source blocks publication; a malformed fact line is refused at once."""
    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    url = "/content/history?key=utter_insurance%2Feigen_risico&locale=source"
    page = (await comms.http.get(url)).text
    # The facts box holds the answer's facts, one a line (claim | source | date | review-by).
    assert ("Compulsory eigen risico is €385 in 2026 (18 and older); the amount is set per year"
            " | https://www.zilverenkruis.nl/consumenten/zorgverzekering/veranderingen/prinsjesdag"
            " | 2026-11-23 | 2026-12-15") in page
    text = svc.renderer.content.get("utter_insurance/eigen_risico").text.replace(
        "In 2026 it is €385", "In 2027 it is €400")
    form = {"csrf_token": comms.csrf, "key": "utter_insurance/eigen_risico", "locale": "source",
            "text": text}
    resp = await comms.http.post("/content/drafts", data={**form, "facts": "€400 in 2027"})
    assert resp.status_code == 409 and "claim | https source | date" in resp.text
    await comms.http.post("/content/drafts", data={
        **form, "facts": "Compulsory eigen risico is €400 in 2027 | http://example.org | 2027"})
    page = (await rana.http.get(url)).text
    assert "needs an https source" in page
    bad = version_ids(page, "draft")[0]
    assert (await rana.http.post(f"/content/versions/{bad}/approve",
                                 data={"csrf_token": rana.csrf})).status_code == 409
    await comms.http.post("/content/drafts", data={
        **form, "facts": "Compulsory eigen risico is €400 in 2027 | https://www.rijksoverheid.nl/x | 2027"})
    good = max(version_ids((await rana.http.get(url)).text, "draft"))
    resp = await rana.http.post(f"/content/versions/{good}/approve",
                                data={"csrf_token": rana.csrf, "publish_at": "2027-01-01T00:00"})
    assert resp.status_code == 303
    page = (await rana.http.get(url)).text
    assert "live from 2026-12-31 23:00 UTC" in page and "€400 in 2027" in page


def test_the_facts_box_reads_and_writes_a_review_by_day() -> None:
    from bot.web.routes.content_workflow import facts_box, parse_facts

    facts, bad = parse_facts("A | https://a.nl | 2027 | 2027-06-01\n\nB | https://b.nl | 2026\nC | x")
    assert facts == [{"claim": "A", "source": "https://a.nl", "date": "2027", "review_by": "2027-06-01"},
                     {"claim": "B", "source": "https://b.nl", "date": "2026"}]
    assert bad == ["fact line 4: write claim | https source | date (| review-by day)"]
    assert facts_box(facts) == "A | https://a.nl | 2027 | 2027-06-01\nB | https://b.nl | 2026"


async def test_the_content_page_lists_the_published_facts_due_for_review(people) -> None:  # type: ignore[no-untyped-def]
    """Once the store is in use, the facts due for review are the published ones: a review-by
    day approved in the browser counts at once (the file does not have it)."""
    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    key = "utter_benefits/kinderbijslag"
    due_keys = lambda page: re.findall(r'<li data-key="([^"]+)"',  # noqa: E731
                                       page[page.index('id="due-facts"'):].split("</ul>")[0])
    assert key not in due_keys((await comms.http.get("/content")).text)
    r = svc.renderer.content.get(key)
    lines = [f"{f.claim} | {f.source} | {f.date}" + (" | 2020-01-31" if "svb.nl" in f.source else "")
             for f in r.facts]
    assert any(line.endswith("2020-01-31") for line in lines)
    await comms.http.post("/content/drafts", data={
        "csrf_token": comms.csrf, "key": key, "locale": "source", "text": r.text,
        "facts": "\n".join(lines)})
    url = f"/content/history?key={key.replace('/', '%2F')}&locale=source"
    assert key not in due_keys((await comms.http.get("/content")).text)  # a draft is not live
    draft = max(version_ids((await rana.http.get(url)).text, "draft"))
    resp = await rana.http.post(f"/content/versions/{draft}/approve", data={"csrf_token": rana.csrf})
    assert resp.status_code == 303
    assert key in due_keys((await comms.http.get("/content")).text)

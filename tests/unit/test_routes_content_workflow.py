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


async def test_a_rollback_does_not_stop_a_scheduled_change_and_cancel_does(people, db) -> None:  # type: ignore[no-untyped-def]
    """The rule in docs/content.md: a rollback makes an older text live now; a change
    already scheduled for a later time still goes live at its time. Cancelling the
    scheduled change (a reviewer, on the history page) is what stops it."""
    from datetime import datetime, timezone

    from bot.clock import utcnow
    from bot.db import content as store
    from bot.db.models import StaffAudit

    svc, login = people
    comms, rana = await login("comms"), await login("rana", "rana-demo-2026")
    published = svc.renderer.content.published
    later = datetime(2030, 1, 1, 0, 0, 5, tzinfo=timezone.utc)  # after the scheduled time

    def live_text(now: datetime | None = None) -> str:
        published.clock = (lambda: now) if now else utcnow
        published._checked = -1e9
        return svc.renderer.render("utter_greet", "en").text

    async def draft_and_approve(text: str, publish_at: str = "") -> int:
        await comms.http.post("/content/drafts", data={
            "csrf_token": comms.csrf, "key": "utter_greet", "locale": "source", "text": text})
        draft = max(version_ids((await rana.http.get(HISTORY)).text, "draft"))
        resp = await rana.http.post(f"/content/versions/{draft}/approve",
                                    data={"csrf_token": rana.csrf, "publish_at": publish_at})
        assert resp.status_code == 303
        return draft

    first = version_ids((await rana.http.get(HISTORY)).text, "published")[-1]
    await draft_and_approve("Hello! Version B.")
    scheduled = await draft_and_approve("Happy new year! Version C.", "2030-01-01T01:00")  # Amsterdam
    page = (await rana.http.get(HISTORY)).text
    item = page[page.index(f'data-version="{scheduled}"'):]
    item = item[:item.index("</li>")]
    assert "scheduled" in item and f"/content/versions/{scheduled}/cancel" in item
    assert "/rollback" not in item  # a version that was never live is not 'brought back'
    resp = await rana.http.post(f"/content/versions/{scheduled}/rollback", data={"csrf_token": rana.csrf})
    assert resp.status_code == 409 and "cancel it instead" in resp.text

    # Rollback: the older text is live now ...
    assert (await rana.http.post(f"/content/versions/{first}/rollback",
                                 data={"csrf_token": rana.csrf})).status_code == 303
    assert live_text() == GREETING
    # ... and the scheduled change still goes live at its time.
    assert live_text(later) == "Happy new year! Version C."
    with db.session() as s:
        assert store.live_rows(session=s, now=later)[("utter_greet", "source")].id == scheduled

    # Cancelled (only a reviewer; only before its time), it never goes live.
    resp = await comms.http.post(f"/content/versions/{scheduled}/cancel", data={"csrf_token": comms.csrf})
    assert resp.status_code == 403
    assert (await rana.http.post(f"/content/versions/{scheduled}/cancel",
                                 data={"csrf_token": rana.csrf})).status_code == 303
    assert live_text(later) == GREETING and live_text() == GREETING
    page = (await rana.http.get(HISTORY)).text
    assert version_ids(page, "cancelled") == [scheduled] and "cancelled before its time" in page
    for version in (scheduled, first):  # cancelled already; live now, not scheduled
        resp = await rana.http.post(f"/content/versions/{version}/cancel", data={"csrf_token": rana.csrf})
        assert resp.status_code == 409 and "only a change scheduled for later can be cancelled" in resp.text
    with db.session() as s:
        row = s.query(StaffAudit).filter_by(action="content_cancel").one()
        assert store.next_publication(session=s, now=datetime.now(timezone.utc)) is None
    assert row.actor == "rana" and row.detail.startswith("utter_greet source v") and "Happy" not in row.detail

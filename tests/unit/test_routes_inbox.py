"""The inbox in-process (bot/web/routes/inbox.py, bot/web/staff_auth.py): who may see and
do what, CSRF on every form, link codes, attachments, and what a reply or close does."""

from __future__ import annotations

import httpx

from bot.db.models import Client, Escalation, Message
from bot.db.session import Database
from harness.inbox import InboxUser

SANNE, YONAS, LEILA = 1, 2, 3  # casemanager ids of the demo data


def status(db: Database, escalation_id: int) -> str:
    with db.session() as s:
        return s.get(Escalation, escalation_id).status


async def test_anonymous_requests_go_to_the_login(web, escalations) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    assert (await client.get("/inbox")).headers["location"] == "/inbox/login?next=/inbox"
    assert (await client.get(f"/inbox/escalations/{escalations['sanne']}")).status_code == 303
    assert (await client.get("/inbox/queue", headers={"HX-Request": "true"})).status_code == 401
    assert (await client.post(f"/inbox/escalations/{escalations['sanne']}/reply",
                              data={"text": "x"})).status_code == 401
    assert (await client.get("/inbox/events")).status_code == 303
    assert (await client.get("/content")).status_code == 303


async def test_a_casemanager_sees_own_clients_and_the_team_queue(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    queue = await sanne.queue()
    assert f'data-escalation="{escalations["sanne"]}"' in queue
    assert f'data-escalation="{escalations["team"]}"' in queue
    assert f'data-escalation="{escalations["leila"]}"' not in queue
    # My own client first, then the (urgent) team queue.
    assert queue.index(f'data-escalation="{escalations["sanne"]}"') < queue.index(
        f'data-escalation="{escalations["team"]}"')
    assert (await sanne.http.get(f"/inbox/escalations/{escalations['sanne']}")).status_code == 200
    assert (await sanne.http.get(f"/inbox/escalations/{escalations['team']}/transcript")).status_code == 200


async def test_another_casemanagers_escalation_is_404_whatever_the_url(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    yonas = await staff("yonas")
    esc = escalations["sanne"]
    assert (await yonas.http.get(f"/inbox/escalations/{esc}")).status_code == 404
    assert (await yonas.http.get(f"/inbox/escalations/{esc}/transcript")).status_code == 404
    for action in ("reply", "close", "claim", "note", "link-code"):
        assert (await yonas.post(esc, action, text="hello")).status_code == 404
    assert (await yonas.http.get("/inbox/escalations/not-a-number")).status_code == 404
    assert status(db, esc) == "open"


async def test_a_team_lead_sees_everything(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    lead = await staff("teamlead")
    queue = await lead.queue()
    assert all(f'data-escalation="{i}"' in queue for i in escalations.values())


async def test_without_the_csrf_token_nothing_happens(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    for action in ("close", "claim", "reply"):
        resp = await sanne.http.post(f"/inbox/escalations/{esc}/{action}", data={"text": "x"})
        assert resp.status_code == 403
        forged = await sanne.http.post(f"/inbox/escalations/{esc}/{action}",
                                       data={"text": "x", "csrf_token": "forged"})
        assert forged.status_code == 403
    assert (await sanne.http.post("/inbox/telegram", data={})).status_code == 403
    assert status(db, esc) == "open"
    # Logging out needs the token too.
    await sanne.http.post("/inbox/logout", data={})
    assert (await sanne.http.get("/inbox")).status_code == 200
    await sanne.http.post("/inbox/logout", data={"csrf_token": sanne.csrf})
    assert (await sanne.http.get("/inbox")).status_code == 303


async def test_a_login_form_without_its_token_is_refused(web) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    resp = await client.post("/inbox/login", data={"username": "sanne", "password": "sanne-demo-2026"})
    assert resp.status_code == 401


async def test_wrong_password_and_a_safe_next(web, escalations) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    user = InboxUser("http://testserver", transport=client._transport)
    assert (await user.login("sanne", "wrong-password")).status_code == 401
    page = await user.http.get("/inbox/login", params={"next": "//evil.example"})
    assert "evil" not in page.text
    await user.close()


async def test_the_communications_team_has_the_content_page_not_the_inbox(staff) -> None:  # type: ignore[no-untyped-def]
    comms = await staff("comms")
    assert "/content" in (await comms.http.get("/inbox")).text
    assert (await comms.http.get("/content")).status_code == 200
    assert (await comms.http.get("/content", params={"q": "eigen risico"})).status_code == 200
    yonas = await staff("yonas")
    assert (await yonas.http.get("/content")).status_code == 403


async def test_the_content_page_lists_the_facts_due_for_review(staff, content_copy) -> None:  # type: ignore[no-untyped-def]
    content, _ = content_copy
    text = content.read_text(encoding="utf-8")
    old = 'source: "https://www.svb.nl/nl/kinderbijslag", date: "2026-11"}'
    assert old in text
    content.write_text(text.replace(old, old[:-1] + ', review_by: "2020-01-31"}'), encoding="utf-8")
    comms = await staff("comms")
    page = (await comms.http.get("/content")).text
    due = page[page.index('id="due-facts"'):]
    due = due[:due.index("</ul>")]
    assert 'data-key="utter_benefits/kinderbijslag"' in due and "2020-01-31" in due
    assert "https://www.svb.nl/nl/kinderbijslag" in due


async def test_claim_and_note(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    assert (await sanne.post(esc, "claim")).status_code == 303
    resp = await sanne.http.post(f"/inbox/escalations/{esc}/note",
                                 data={"csrf_token": sanne.csrf, "note": "belt terug"},
                                 headers={"HX-Request": "true"})
    assert resp.status_code == 204
    with db.session() as s:
        row = s.get(Escalation, esc)
        assert (row.status, row.note) == ("claimed", "belt terug")
    assert (await sanne.post(esc, "unknown")).status_code == 404


async def test_link_codes_only_for_own_clients(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    assert (await sanne.post(escalations["sanne"], "link-code")).status_code == 303
    page = (await sanne.http.get(f"/inbox/escalations/{escalations['sanne']}")).text
    assert 'id="link-code"' in page and "https://t.me/&lt;bot&gt;?start=" in page
    # The team queue's person is nobody's client yet: only Sanne's own clients can be chosen.
    with db.session() as s:
        amal = s.query(Client).filter_by(first_name="Amal").one().id
        noor = s.query(Client).filter_by(first_name="Noor").one().id
    assert (await sanne.post(escalations["team"], "link-code", client_id=str(amal))).status_code == 404
    assert (await sanne.post(escalations["team"], "link-code", client_id=str(noor))).status_code == 303


async def test_telegram_link_for_staff(staff, web) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    assert (await sanne.http.post("/inbox/telegram", data={"csrf_token": sanne.csrf})).status_code == 303
    # The page shows the command only when the app has a Telegram channel.
    assert 'id="telegram-command"' not in (await sanne.http.get("/inbox")).text


async def test_attachments_only_for_who_may_see_the_conversation(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    with db.session() as s:
        photo = s.query(Message).filter_by(kind="photo").one().id
    leila, sanne = await staff("leila"), await staff("sanne")
    url = f"/inbox/messages/{photo}/attachment"
    assert (await leila.http.get(url)).status_code == 404  # no Telegram: nothing to fetch

    async def fetch(file_id: str) -> bytes:
        assert file_id == "AgAC-big"
        return b"\x89PNG..."

    svc.handoff.fetch_file = fetch
    resp = await leila.http.get(url)
    assert resp.status_code == 200 and resp.content.startswith(b"\x89PNG")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-type"] == "image/jpeg"
    assert (await sanne.http.get(url)).status_code == 404
    assert (await sanne.http.get("/inbox/messages/999999/attachment")).status_code == 404


async def test_a_reply_is_stored_and_pushed_with_the_name(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    pushed: list = []

    async def push(conversation_id: str, replies: list) -> None:
        pushed.append((conversation_id, replies))

    svc.handoff.pushers["webchat"] = push
    sanne = await staff("sanne")
    assert (await sanne.post(escalations["sanne"], "reply", text="Hoi Noor")).status_code == 303
    (conv, replies), = pushed
    assert conv == "webchat:noor" and replies[0].sender == "Sanne"
    assert replies[0].text.endswith(":\nHoi Noor")
    with db.session() as s:
        assert s.query(Message).filter_by(kind="staff").one().text == "Hoi Noor"
        assert s.get(Escalation, escalations["sanne"]).status == "claimed"


async def test_without_rasa_closing_changes_nothing(staff, escalations, db, web) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    sanne = await staff("sanne")
    resp = await sanne.post(escalations["sanne"], "close")
    said = svc.ui.gettext("nl", "The assistant cannot be reached. Nothing was changed; try again in a minute.")
    assert resp.status_code == 503 and said in resp.text
    assert status(db, escalations["sanne"]) == "open"
    # A request that is not live yet: the first reply would pause Rasa, which is away.
    leila = await staff("leila")
    assert (await leila.post(escalations["leila"], "reply", text="x")).status_code == 503
    with db.session() as s:
        assert s.query(Message).filter_by(kind="staff").count() == 0


async def test_the_interface_language_can_be_switched(staff) -> None:  # type: ignore[no-untyped-def]
    yonas = await staff("yonas")  # English inbox
    assert 'lang="en"' in (await yonas.http.get("/inbox")).text
    await yonas.http.post("/inbox/language", data={"csrf_token": yonas.csrf, "ui": "nl", "next": "/inbox"})
    assert 'lang="nl"' in (await yonas.http.get("/inbox")).text


def test_inbox_user_speaks_http() -> None:
    assert InboxUser("http://x").http.base_url == httpx.URL("http://x")


async def test_a_disabled_account_is_logged_out_at_once(staff, db) -> None:  # type: ignore[no-untyped-def]
    from bot.clock import utcnow
    from bot.db.staff import set_disabled

    sanne = await staff("sanne")
    assert (await sanne.http.get("/inbox")).status_code == 200
    with db.session() as s:
        assert set_disabled(session=s, username="sanne", disabled=True, now=utcnow())
    assert (await sanne.http.get("/inbox")).status_code == 303  # to the login
    assert (await sanne.login("sanne")).status_code == 401

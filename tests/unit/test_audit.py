"""The staff audit log (bot/db/audit.py): what the inbox and the command line write —
ids, never text — and the page only team leads can read (``/inbox/audit``). In-process
over ASGI, with the inbox tests' demo escalations."""

from __future__ import annotations

import pytest

from bot.db.audit import ACTIONS, entries, record
from bot.db.models import Message, StaffAudit
from bot.db.session import Database

SECRET_TEXT = "Mijn BSN staat in deze tekst"


def log(db: Database) -> list[tuple]:
    with db.session() as s:
        return [(r.action, r.actor, r.escalation_id, r.client_id, r.message_id)
                for r in s.query(StaffAudit).order_by(StaffAudit.id)]


def everything_stored(db: Database) -> str:
    with db.session() as s:
        return " ".join(str([r.actor, r.detail, r.address_hash]) for r in s.query(StaffAudit))


async def test_what_a_casemanager_does_is_recorded_by_id(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web

    async def push(conversation_id: str, replies: list) -> None:
        pass

    async def fetch(file_id: str) -> bytes:
        return b"\x89PNG..."

    svc.handoff.pushers["webchat"] = push
    svc.handoff.fetch_file = fetch
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    assert (await sanne.http.get(f"/inbox/escalations/{esc}")).status_code == 200
    assert (await sanne.post(esc, "reply", text=SECRET_TEXT)).status_code == 303
    assert (await sanne.post(esc, "note", note=SECRET_TEXT)).status_code == 303
    assert (await sanne.post(esc, "link-code")).status_code == 303
    leila = await staff("leila")
    with db.session() as s:
        photo = s.query(Message).filter_by(kind="photo").one().id
    assert (await leila.http.get(f"/inbox/messages/{photo}/attachment")).status_code == 200
    with db.session() as s:
        sanne_id = s.query(StaffAudit).filter_by(action="login", actor="sanne").one().staff_id
        client = s.query(StaffAudit).filter_by(action="open_conversation").one().client_id
    assert sanne_id is not None and client is not None
    assert log(db) == [
        ("login", "sanne", None, None, None),
        ("open_conversation", "sanne", esc, client, None),
        ("reply", "sanne", esc, client, None),
        ("note", "sanne", esc, client, None),
        ("link_code", "sanne", esc, client, None),
        ("login", "leila", None, None, None),
        ("open_attachment", "leila", None, None, photo),
    ]
    stored = everything_stored(db)
    assert SECRET_TEXT not in stored and "127.0.0.1" not in stored


async def test_what_fails_or_is_not_allowed_is_not_recorded_as_done(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    yonas = await staff("yonas")
    esc = escalations["sanne"]  # not Yonas's
    assert (await yonas.http.get(f"/inbox/escalations/{esc}")).status_code == 404
    assert (await yonas.post(esc, "close")).status_code == 404
    assert [a for a, *_ in log(db)] == ["login"]


async def test_logins_and_failed_logins_are_recorded_without_the_password(web, escalations, db) -> None:  # type: ignore[no-untyped-def]
    from harness.inbox import InboxUser

    _, client = web
    user = InboxUser("http://testserver", transport=client._transport)
    try:
        assert (await user.login("sanne", "a-wrong-password-1")).status_code == 401
        # A password typed into the name field is never kept.
        assert (await user.login("teamlead-demo-2026", "x")).status_code == 401
        assert (await user.login("sanne")).status_code == 303
        await user.http.post("/inbox/logout", data={"csrf_token": user.csrf})
    finally:
        await user.close()
    assert [(a, actor) for a, actor, *_ in log(db)] == [
        ("login_failed", "sanne"), ("login_failed", None), ("login", "sanne"), ("logout", "sanne"),
    ]
    stored = everything_stored(db)
    assert "a-wrong-password-1" not in stored and "teamlead-demo-2026" not in stored


async def test_refused_logins_are_recorded(web, escalations, db) -> None:  # type: ignore[no-untyped-def]
    from harness.inbox import InboxUser

    _, client = web
    user = InboxUser("http://testserver", transport=client._transport)
    try:
        for _ in range(6):
            await user.login("sanne", "a-wrong-password-1")
    finally:
        await user.close()
    assert [a for a, *_ in log(db)] == ["login_failed"] * 5 + ["login_refused"]


@pytest.mark.parametrize("who", ["sanne", "yonas", "leila", "comms"])
async def test_only_team_leads_read_the_audit_log(staff, who) -> None:  # type: ignore[no-untyped-def]
    user = await staff(who)
    resp = await user.http.get("/inbox/audit")
    assert resp.status_code in (200, 404) and "data-audit=" not in resp.text
    if who != "comms":  # the communications team has no inbox at all
        assert resp.status_code == 404
    assert 'href="/inbox/audit"' not in (await user.http.get("/inbox")).text


async def test_the_audit_log_is_not_for_anonymous_visitors(web) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    assert (await client.get("/inbox/audit")).status_code == 303  # to the login


async def test_a_team_lead_reads_the_log_in_the_inbox_language(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    await sanne.http.get(f"/inbox/escalations/{escalations['sanne']}")
    lead = await staff("teamlead")
    page = await lead.http.get("/inbox/audit")
    assert page.status_code == 200
    assert 'lang="nl"' in page.text and "Gesprek geopend" in page.text
    assert f'href="/inbox/escalations/{escalations["sanne"]}"' in page.text
    assert page.text.count('data-audit="login"') == 2
    assert 'href="/inbox/audit"' in (await lead.http.get("/inbox")).text
    await lead.http.post("/inbox/language", data={"csrf_token": lead.csrf, "ui": "en", "next": "/inbox/audit"})
    page = await lead.http.get("/inbox/audit")
    assert 'lang="en"' in page.text and "Opened a conversation" in page.text
    # One account's entries.
    with db.session() as s:
        sanne_id = s.query(StaffAudit).filter_by(actor="sanne").first().staff_id
    only = (await lead.http.get(f"/inbox/audit?staff={sanne_id}")).text
    assert only.count("data-audit=") == 2 and 'data-audit="login"' in only


async def test_pages_of_a_hundred_newest_first(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        for i in range(250):
            record(session=s, action="cli", actor="cli:ops", detail=f"staff list {i}")
    with db.session() as s:
        first = entries(session=s)
        second = entries(session=s, before=first[-1].id)
        third = entries(session=s, before=second[-1].id)
    assert [len(p) for p in (first, second, third)] == [100, 100, 50]
    assert first[0].detail == "staff list 249" and third[-1].detail == "staff list 0"


def test_only_known_actions(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s, pytest.raises(ValueError):
        record(session=s, action="deleted_everything")
    assert "open_conversation" in ACTIONS

"""The inbox as casemanagers need it (issue 19): the queue with my own clients first,
filters and search, the count in the tab title, the facts panel live; the conversation
with topics by title, commands as events, Dutch and English plurals, days, the person's
language by its own name."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import utcnow
from bot.db.models import Escalation, Message
from bot.db.session import Database
from bot.web.ui import UiCatalog
from harness.inbox import InboxUser


def order(html: str, *ids: int) -> list[int]:
    return sorted(ids, key=lambda i: html.index(f'data-escalation="{i}"'))


async def ui(user: InboxUser, locale: str) -> None:
    await user.http.post("/inbox/language", data={"csrf_token": user.csrf, "ui": locale, "next": "/inbox"})


def add(db: Database, conversation_id: str, direction: str, text: str, **fields) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        s.add(Message(conversation_id=conversation_id, direction=direction, text=text, **fields))


async def test_my_own_client_comes_before_the_urgent_team_queue(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    queue = await sanne.queue()
    assert order(queue, escalations["sanne"], escalations["team"]) == [escalations["sanne"], escalations["team"]]
    mine, team = queue.split('class="section-team"')
    assert f'data-escalation="{escalations["sanne"]}"' in mine
    assert f'data-escalation="{escalations["team"]}"' in team
    # Urgent is marked in the team queue too.
    team_item = team.split(f'data-escalation="{escalations["team"]}"')[1].split("</li>")[0]
    assert 'class="flag"' in team_item


async def test_the_filters(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")

    async def shown(view: str) -> set[int]:
        html = (await sanne.http.get(f"/inbox/queue?view={view}")).text
        return {int(i) for i in re.findall(r'data-escalation="(\d+)"', html)}

    assert await shown("mine") == {escalations["sanne"]}
    assert await shown("team") == {escalations["team"]}
    assert await shown("urgent") == {escalations["team"]}
    assert await shown("closed") == set()
    assert await shown("nonsense") == {escalations["sanne"], escalations["team"]}
    # Waiting for me: my client wrote last.
    assert await shown("waiting") == set()
    add(db, "webchat:noor", "in", "Hallo, ik heb een brief")
    assert await shown("waiting") == {escalations["sanne"]}
    add(db, "webchat:noor", "out", "Ik kijk ernaar", kind="staff")
    assert await shown("waiting") == set()
    with db.session() as s:
        s.get(Escalation, escalations["sanne"]).status = "closed"
    assert await shown("closed") == {escalations["sanne"]}
    assert escalations["sanne"] not in await shown("all")


async def test_search_by_name_or_number(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")

    async def found(q: str) -> str:
        return (await sanne.http.get("/inbox/queue", params={"q": q})).text

    assert f'data-escalation="{escalations["sanne"]}"' in await found("noor")
    assert f'data-escalation="{escalations["team"]}"' not in await found("NOOR")
    assert re.findall(r'data-escalation="(\d+)"', await found(f"#{escalations['team']}")) == [str(escalations["team"])]
    nothing = await found("zzz-nobody")
    assert "data-escalation" not in nothing and "Niets gevonden." in nothing
    # The page itself takes the same query (without JavaScript).
    page = (await sanne.http.get("/inbox", params={"view": "mine", "q": "noor"})).text
    assert f'data-escalation="{escalations["team"]}"' not in page
    assert 'value="mine" checked' in page


async def test_the_tab_title_counts_the_open_requests(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    assert "<title>(2) Inbox · Wegwijs</title>" in (await sanne.http.get("/inbox")).text
    assert 'data-count="2"' in await sanne.queue()
    assert 'data-count="2"' in (await sanne.http.get("/inbox/queue?view=closed")).text
    lead = await staff("teamlead")
    assert 'data-count="3"' in await lead.queue()


async def test_the_facts_panel_is_a_live_fragment(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    sanne, yonas = await staff("sanne"), await staff("yonas")
    esc = escalations["sanne"]
    page = (await sanne.http.get(f"/inbox/escalations/{esc}")).text
    assert f'hx-get="/inbox/escalations/{esc}/facts"' in page
    before = (await sanne.http.get(f"/inbox/escalations/{esc}/facts")).text
    assert "claim-form" in before
    await sanne.post(esc, "claim")
    after = (await sanne.http.get(f"/inbox/escalations/{esc}/facts")).text
    assert "claim-form" not in after and "opgepakt" in after
    assert (await yonas.http.get(f"/inbox/escalations/{esc}/facts")).status_code == 404


async def test_topics_by_title_and_commands_as_events(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    add(db, "webchat:noor", "in", "/start", kind="command")
    add(db, "webchat:noor", "in", "[code]", kind="text", answered_with=["utter_link_success"])
    add(db, "webchat:noor", "in", "wat is zorgtoeslag", answered_with=["utter_benefits/zorgtoeslag"])
    add(db, "webchat:noor", "in", "help", answered_with=["utter_handoff_own_closed", "some_new_key"])
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    await ui(sanne, "en")
    html = (await sanne.http.get(f"/inbox/escalations/{esc}/transcript")).text
    assert "/start" not in html and "[code]" not in html
    assert "started the chat" in html and "linked with a code" in html
    assert "answered: Healthcare allowance (zorgtoeslag)" in html
    assert "answered: Passed to their own casemanager (office closed), some new key" in html
    assert "utter_" not in html
    with db.session() as s:
        created = s.get(Escalation, esc).created_at
    add(db, "webchat:noor", "in", "[code]", created_at=created - timedelta(seconds=5))
    queue = await sanne.queue()  # the last questions before the request, in words too
    assert "[code]" not in queue and "linked with a code" in queue
    await ui(sanne, "nl")
    html = (await sanne.http.get(f"/inbox/escalations/{esc}/transcript")).text
    assert "begon het gesprek" in html and "koppelde met een code" in html
    assert "beantwoord: Zorgtoeslag" in html


async def test_plurals_in_dutch_and_english(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")
    with db.session() as s:
        created = s.get(Escalation, escalations["sanne"]).created_at
    add(db, "webchat:noor", "in", "een", created_at=created + timedelta(seconds=1))
    queue = await sanne.queue()
    assert "1 bericht sindsdien" in queue and "1 berichten" not in queue
    add(db, "webchat:noor", "in", "twee", created_at=created + timedelta(seconds=2))
    assert "2 berichten sindsdien" in await sanne.queue()
    await ui(sanne, "en")
    assert "2 messages since" in await sanne.queue()


def test_ngettext_forms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    catalog = UiCatalog.load(Path(__file__).resolve().parents[2] / "locales")
    one, other = "%(num)s message since", "%(num)s messages since"
    assert catalog.ngettext("nl", one, other, 1) == "1 bericht sindsdien"
    assert catalog.ngettext("nl", one, other, 0) == "0 berichten sindsdien"
    assert catalog.ngettext("en", one, other, 1) == "1 message since"
    assert catalog.ngettext("xx", one, other, 5) == "5 berichten sindsdien"
    assert catalog.ngettext("nl", "%(num)s apple", "%(num)s apples", 3) == "3 apples"


async def test_days_are_separated_and_languages_named(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    add(db, "telegram:77", "in", "gisteren", created_at=now - timedelta(days=1))
    add(db, "telegram:77", "in", "vandaag", created_at=now)
    lead = await staff("teamlead")
    await ui(lead, "nl")
    page = (await lead.http.get(f"/inbox/escalations/{escalations['leila']}")).text
    days = re.findall(r'<li class="day"[^>]*><span>([^<]+)</span>', page)
    assert days[-2:] == ["Gisteren", "Vandaag"]
    assert "العربية" in page and "(Arabisch)" in page
    await ui(lead, "en")
    page = (await lead.http.get(f"/inbox/escalations/{escalations['leila']}")).text
    assert "(Arabic)" in page and "Yesterday" in page

"""Rasa's NLG endpoint in-process (bot/web/routes/nlg.py): the token, bad bodies, the
locale, and what the turn tells the gateway."""

from __future__ import annotations

from bot.db import conversations as repo
from bot.web.routes.nlg import nlg_locale

TOKEN = {"token": "test-internal-token"}


def body(response: str, sender: str = "webchat:nlg", **tracker) -> dict:  # type: ignore[no-untyped-def]
    return {"response": response, "arguments": {}, "tracker": {"sender_id": sender, **tracker}}


async def test_without_the_token_nothing_is_rendered(web) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    assert (await client.post("/nlg", json=body("utter_greet"))).status_code == 403
    wrong = await client.post("/nlg", params={"token": "guess"}, json=body("utter_greet"))
    assert wrong.status_code == 403


async def test_bad_bodies_are_refused(web) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    garbage = await client.post("/nlg", params=TOKEN, content=b"\x00 not json")
    assert garbage.status_code == 400
    assert (await client.post("/nlg", params=TOKEN, json={"response": 5})).status_code == 400
    assert (await client.post("/nlg", params=TOKEN, json=["utter_greet"])).status_code == 400


async def test_renders_in_the_slots_locale_and_remembers_it(web, db) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    with db.session() as s:
        repo.get_or_create_conversation(session=s, conversation_id="webchat:nlg", channel="webchat")
    resp = await client.post("/nlg", params=TOKEN, json=body(
        "utter_greet", slots={"language": "ti"}, active_loop={"name": "school_form"}))
    assert resp.status_code == 200
    assert resp.json()["text"] == svc.renderer.render("utter_greet", "ti").text
    with db.session() as s:
        assert repo.conversation_locale(session=s, conversation_id="webchat:nlg") == "ti"
    # What the gateway reads when the turn ends.
    assert svc.turns.in_form("webchat:nlg")
    assert svc.turns.take_rendered("webchat:nlg") == ["utter_greet"]
    assert svc.turns.take_rendered("webchat:nlg") == []


async def test_an_explicit_locale_argument_is_not_remembered(web, db) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    with db.session() as s:
        repo.get_or_create_conversation(session=s, conversation_id="webchat:nlg", channel="webchat")
        repo.set_conversation_locale(session=s, conversation_id="webchat:nlg", locale="nl")
    payload = body("utter_greet", slots={"language": "nl"})
    payload["arguments"] = {"locale": "ar"}
    resp = await client.post("/nlg", params=TOKEN, json=payload)
    assert resp.json()["text"] == svc.renderer.render("utter_greet", "ar").text
    with db.session() as s:
        assert repo.conversation_locale(session=s, conversation_id="webchat:nlg") == "nl"
    assert not svc.turns.in_form("webchat:nlg")


def test_locale_comes_from_argument_slot_hint_default() -> None:
    tracker = {"slots": {"language": "ar"}, "latest_message": {"metadata": {"language": "ti"}}}
    assert nlg_locale({"arguments": {"locale": "nl"}, "tracker": tracker}, "en") == "nl"
    assert nlg_locale({"tracker": tracker}, "en") == "ar"
    assert nlg_locale({"tracker": {"latest_message": {"metadata": {"language": "fa-AF"}}}}, "en") == "fa_AF"
    assert nlg_locale({}, "en") == "en"

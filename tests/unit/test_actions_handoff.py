"""Handing over to a person (actions/handoff.py) when the database fails."""

from __future__ import annotations

from harness.trackers import run, tracker


async def test_handoff_without_a_database_gives_the_phone_route(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from actions import handoff

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database down")

    monkeypatch.setattr(handoff, "open_handoff", broken)
    events, messages = await run(handoff.ActionHandoff(), tracker(intent="talk_to_casemanager"))
    assert [m["response"] for m in messages] == ["utter_casemanager_contact"]
    assert not any(e.get("event") == "pause" for e in events)


async def test_an_unlinked_conversation_opens_at_most_three_handoffs_an_hour(db, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each team-queue handoff tells every team lead: an unlinked chat that asks again and
    again gets the phone route after WEGWIJS_LIMIT_HANDOFFS_PER_UNLINKED_CONVERSATION (3)
    an hour; urgent help and linked clients are never refused."""
    from actions import handoff
    from bot.db.models import Escalation
    from harness.trackers import as_sender

    def ask(sender: str, intent: str = "talk_to_casemanager"):  # type: ignore[no-untyped-def]
        return run(handoff.ActionHandoff(), as_sender(tracker(intent=intent), sender))

    def close_all() -> None:
        with db.session() as s:
            for esc in s.query(Escalation).all():
                esc.status, esc.live = "closed", 0

    for _ in range(3):
        events, messages = await ask("webchat:stranger")
        assert any(e.get("event") == "pause" for e in events)
        close_all()
    events, messages = await ask("webchat:stranger")
    assert [m["response"] for m in messages] == ["utter_casemanager_contact"]
    assert not any(e.get("event") == "pause" for e in events)
    with db.session() as s:
        assert s.query(Escalation).filter_by(conversation_id="webchat:stranger").count() == 3
    # Urgent help still reaches a person.
    events, _ = await ask("webchat:stranger", "urgent_help")
    assert any(e.get("event") == "pause" for e in events)
    # Another conversation has its own count.
    events, _ = await ask("webchat:someone-else")
    assert any(e.get("event") == "pause" for e in events)

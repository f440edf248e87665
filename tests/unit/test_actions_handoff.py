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

"""The fixes bot/rasa_main.py applies to Rasa 3.6 change nothing but the speed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from jsonschema import ValidationError

import bot.rasa_main as rasa_main


@pytest.fixture(scope="module")
def originals():  # type: ignore[no-untyped-def]
    import rasa.core.tracker_store as tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
    from rasa.core.tracker_store import SQLTrackerStore

    saved = (RemoteAction._validate_action_result,
             CallbackNaturalLanguageGenerator.__dict__["validate_response"],
             SQLTrackerStore._event_query, tracker_store.create_engine_kwargs)
    rasa_main.apply()
    yield saved
    RemoteAction._validate_action_result = saved[0]
    CallbackNaturalLanguageGenerator.validate_response = saved[1]
    SQLTrackerStore._event_query = saved[2]
    tracker_store.create_engine_kwargs = saved[3]


def test_action_responses_are_still_validated(originals) -> None:  # type: ignore[no-untyped-def]
    from rasa.core.actions.action import RemoteAction

    good = {"events": [{"event": "slot", "name": "language", "value": "ti"}], "responses": []}
    action = RemoteAction("action_x", None)
    assert action._validate_action_result(good)
    assert originals[0](action, good)
    for bad in ({"events": "nope"}, {"events": [{"event": "slot"}]}, {"responses": [1]}):
        with pytest.raises(ValidationError):
            originals[0](action, bad)
        with pytest.raises(ValidationError):
            action._validate_action_result(bad)


def test_nlg_responses_are_still_validated(originals) -> None:  # type: ignore[no-untyped-def]
    from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
    from rasa.shared.exceptions import RasaException

    assert CallbackNaturalLanguageGenerator.validate_response({"text": "hoi", "buttons": []})
    assert CallbackNaturalLanguageGenerator.validate_response(None)
    with pytest.raises(RasaException):
        CallbackNaturalLanguageGenerator.validate_response({"text": 5})


def test_the_latest_session_is_read_as_before(originals, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_path(Path(__file__).resolve().parents[2] / "domain.yml")
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "events.db"))
    events = []
    for session in range(3):
        events += [SessionStarted(timestamp=1000.0 + session * 100.0),
                   ActionExecuted("action_listen", timestamp=1000.0 + session * 100.0 + 1)]
        events += [UserUttered(f"message {session}.{i}", timestamp=1000.0 + session * 100.0 + 2 + i)
                   for i in range(5)]
    asyncio.run(store.save(DialogueStateTracker.from_events("webchat:x", events, domain.slots)))

    with store.session_scope() as session:
        new = [e.id for e in store._event_query(session, "webchat:x", False).all()]
        old = [e.id for e in originals[2](store, session, "webchat:x", False).all()]
        everything = [e.id for e in store._event_query(session, "webchat:x", True).all()]
        assert new == old and len(new) == 7 and len(everything) == 21
        assert store._event_query(session, "webchat:none", False).all() == []
    tracker = asyncio.run(store.retrieve("webchat:x"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"message 2.{i}" for i in range(5)]


def test_the_tracker_store_hides_query_parameters_in_errors(originals, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "events.db"))
    assert store.engine.hide_parameters
    with pytest.raises(sa.exc.IntegrityError) as failed, store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO events (id, sender_id) VALUES (1, 'a')"))
        conn.execute(sa.text("INSERT INTO events (id, sender_id) VALUES (:id, :text)"),
                     {"id": 1, "text": "mijn bsn is 123456782"})
    assert "123456782" not in str(failed.value)
    assert originals[3]("sqlite:///x.db") == {}  # what Rasa gave, without the patch


def test_another_rasa_version_is_refused_before_anything_changes() -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    before = SQLTrackerStore._event_query
    with pytest.raises(rasa_main.RasaMismatch, match="3.7.0"):
        rasa_main.check_rasa("3.7.0")
    assert SQLTrackerStore._event_query is before
    rasa_main.check_rasa()  # the installed one is the supported one


def test_a_missing_method_is_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rasa_main, "PATCHED", (("rasa.core.tracker_store", "SQLTrackerStore", "_gone"),))
    with pytest.raises(rasa_main.RasaMismatch, match="_gone"):
        rasa_main.check_rasa()

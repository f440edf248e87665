"""``rasa`` with measured fixes for Rasa 3.6, used by ``wegwijs serve rasa``.

Every patch, each replacing one method of Rasa with one that does the same work faster:

1. ``rasa.core.actions.action.RemoteAction._validate_action_result`` and
2. ``rasa.core.nlg.callback.CallbackNaturalLanguageGenerator.validate_response``: Rasa
   validates every action-server and NLG response with ``jsonschema.validate(result,
   schema)``, which checks the *schema itself* against the JSON Schema meta-schema on every
   call — about a third of the Rasa server's time per message (``python -m
   bench.profile``). The schemas are constants, so here each is checked once and its
   validator reused: the same validation, without repeating the meta-schema check.
3. ``rasa.core.tracker_store.SQLTrackerStore._event_query``: the events of the latest
   session in two index-friendly queries instead of one that scans every event of the
   conversation (:func:`_patch_session_lookup`).

And one for privacy, not speed:

4. ``rasa.core.tracker_store.create_engine_kwargs``: the tracker store's engine gets
   ``hide_parameters=True``, so a failed query's error (logged by Rasa) never carries the
   message texts it was writing.

:func:`main` also installs the logging filter that masks personal data
(``bot.privacy``) before Rasa logs anything.

The patches are written against the Rasa version in :data:`SUPPORTED_RASA` (the pin in
pyproject.toml). :func:`apply` checks that version and that every patched method is
there before it changes anything, and stops with :class:`RasaMismatch` otherwise: a
newer Rasa must be looked at, not patched blindly. (Rasa 3.6 is the last open-source
line, so none of this is going to be fixed upstream.)
"""

from __future__ import annotations

import functools
import sys
from typing import Any

SUPPORTED_RASA = "3.6.21"
# module -> (class, attribute) that apply() replaces.
PATCHED = (
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result"),
    ("rasa.core.nlg.callback", "CallbackNaturalLanguageGenerator", "validate_response"),
    ("rasa.core.tracker_store", "SQLTrackerStore", "_event_query"),
    ("rasa.core.tracker_store", None, "create_engine_kwargs"),
)


class RasaMismatch(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


def check_rasa(version: str | None = None) -> None:
    """Stop unless Rasa is :data:`SUPPORTED_RASA` and has every method :func:`apply`
    replaces."""
    import importlib

    import rasa

    found = version if version is not None else rasa.__version__
    if found != SUPPORTED_RASA:
        raise RasaMismatch(
            f"bot/rasa_main.py patches Rasa {SUPPORTED_RASA}, but Rasa {found} is installed: "
            "check each patch against the new version (see the module docstring) before "
            "changing SUPPORTED_RASA"
        )
    for module, cls, attribute in PATCHED:
        owner = importlib.import_module(module)
        if cls is not None:
            owner = getattr(owner, cls, None)
        if owner is None or attribute not in vars(owner):
            where = ".".join(p for p in (module, cls, attribute) if p)
            raise RasaMismatch(f"Rasa {found} has no {where} to patch")


@functools.lru_cache(maxsize=8)
def _validator(kind: str) -> Any:
    from jsonschema.validators import validator_for

    if kind == "action":
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
    else:
        from rasa.core.nlg.callback import nlg_response_format_spec

        schema = nlg_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would do every time
    return cls(schema)


def _validate(kind: str, instance: Any) -> None:
    """Drop-in for ``jsonschema.validate`` with one of Rasa's fixed schemas."""
    from jsonschema.exceptions import best_match

    validator = _validator(kind)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def apply() -> None:
    """Check the Rasa version, then apply every patch listed in the module docstring."""
    check_rasa()
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
    from rasa.shared.exceptions import RasaException

    def _validate_action_result(self, result):  # type: ignore[no-untyped-def]
        try:
            _validate("action", result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid."
            )
            raise e

    def validate_response(content):  # type: ignore[no-untyped-def]
        if content is None or content == "":
            return True  # the endpoint did not want to respond with anything
        try:
            _validate("nlg", content)
            return True
        except ValidationError as e:
            raise RasaException(
                f"{e.message}. Failed to validate NLG response from API."
            ) from e

    RemoteAction._validate_action_result = _validate_action_result
    CallbackNaturalLanguageGenerator.validate_response = staticmethod(validate_response)
    _patch_session_lookup()
    _patch_engine_parameters()


def _patch_engine_parameters() -> None:
    """The tracker store's SQL engine hides query parameters in its errors."""
    import rasa.core.tracker_store as tracker_store

    original = tracker_store.create_engine_kwargs
    if getattr(original, "hides_parameters", False):
        return

    def create_engine_kwargs(url):  # type: ignore[no-untyped-def]
        return {**original(url), "hide_parameters": True}

    create_engine_kwargs.hides_parameters = True  # type: ignore[attr-defined]
    tracker_store.create_engine_kwargs = create_engine_kwargs


def _patch_session_lookup() -> None:
    """The SQL tracker store's "events of the latest session" query, in two index-friendly
    steps: the latest session start, then a plain range. Rasa's one query
    (``timestamp >= (subquery) OR (subquery) IS NULL``) keeps SQLite on the sender index, so
    every message read all events the conversation ever had. Same rows, same order."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted

    def _event_query(self, session, sender_id, fetch_events_from_all_sessions):  # type: ignore[no-untyped-def]
        query = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            session_start = (
                session.query(sa.func.max(self.SQLEvent.timestamp))
                .filter(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.type_name == SessionStarted.type_name,
                )
                .scalar()
            )
            if session_start is not None:
                query = query.filter(self.SQLEvent.timestamp >= session_start)
        return query.order_by(self.SQLEvent.id)

    SQLTrackerStore._event_query = _event_query


def main() -> None:
    from bot.privacy import install_log_redaction
    from bot.settings import settings_or_exit

    settings = settings_or_exit()  # production mode's checks, as in every process
    install_log_redaction(settings.secret_key)
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()

"""Web chat session tokens (bot/channels/webchat.py): issued by the server, signed."""

from __future__ import annotations

import pytest

from bot.channels.webchat import SessionTokens


def test_issued_tokens_verify_to_their_session() -> None:
    tokens = SessionTokens("key-one")
    session_id, token = tokens.issue()
    assert token.startswith(session_id + ".") and len(session_id) == 32
    assert tokens.verify(token) == session_id
    assert SessionTokens("key-one").verify(token) == session_id  # the same key after a restart
    assert len({tokens.issue()[0] for _ in range(200)}) == 200


@pytest.mark.parametrize("forge", [
    lambda sid, sig: sid,
    lambda sid, sig: f"{sid}.",
    lambda sid, sig: f"{sid}.{sig[:-1]}",
    lambda sid, sig: f"{sid}.{sig[::-1]}",
    lambda sid, sig: f"{sid[:-1]}B.{sig}" if sid[-1] != "B" else f"{sid[:-1]}C.{sig}",
    lambda sid, sig: f"{sid}.{sig}.{sig}",
    lambda sid, sig: f" {sid}.{sig}",
    lambda sid, sig: None,
    lambda sid, sig: 12345,
    lambda sid, sig: {"session_id": f"{sid}.{sig}"},
    lambda sid, sig: "0123456789abcdef0123456789abcdef",
])
def test_anything_but_a_signed_token_is_refused(forge) -> None:  # type: ignore[no-untyped-def]
    tokens = SessionTokens("key-one")
    session_id, token = tokens.issue()
    assert tokens.verify(forge(session_id, token.split(".", 1)[1])) is None


def test_another_key_signs_differently() -> None:
    _, token = SessionTokens("key-one").issue()
    assert SessionTokens("key-two").verify(token) is None

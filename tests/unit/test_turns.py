"""What one turn shares (bot/channels/turns.py): locks per conversation, the NLG's notes."""

from __future__ import annotations

from bot.channels.turns import KEYS_PER_TURN, ConversationLocks, TurnState


async def test_one_lock_per_conversation_and_busy_locks_are_kept() -> None:
    locks = ConversationLocks(maxsize=1)
    a = locks("webchat:a")
    assert locks("webchat:a") is a
    async with a:
        locks("webchat:b")
        assert locks("webchat:a") is a and len(locks) == 2
    locks("webchat:c")
    assert len(locks) == 1


def test_rendered_keys_are_taken_once_and_bounded() -> None:
    turns = TurnState()
    for i in range(KEYS_PER_TURN + 5):
        turns.record_rendered("webchat:a", f"utter_{i}")
    keys = turns.take_rendered("webchat:a")
    assert len(keys) == KEYS_PER_TURN and keys[0] == "utter_0"
    assert turns.take_rendered("webchat:a") == []


def test_a_form_is_active_until_the_loop_ends() -> None:
    turns = TurnState(maxsize=2)
    turns.record_form("webchat:a", {"name": "school_form"})
    assert turns.in_form("webchat:a")
    turns.record_form("webchat:a", None)
    assert not turns.in_form("webchat:a")
    for conv in ("x", "y", "z"):
        turns.record_form(conv, {"name": "school_form"})
    assert not turns.in_form("x") and turns.in_form("z")

"""What one turn of a conversation shares between the parts of the app.

- :class:`ConversationLocks`: messages of one conversation, in and out (the gateway, the
  inbox's replies and closing), one at a time.
- :class:`TurnState`: what the NLG endpoint learns while Rasa answers a turn (the response
  keys it rendered; whether a form is active), read by the gateway when the turn ends.
  Made once by ``create_app`` and given to both. Keys are kept per message (the id Rasa
  got in the message's metadata and sends back in the tracker), so an answer Rasa
  renders late — after the app stopped waiting — is never taken as the next message's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.lru import LruDict

# Conversations remembered at once (the oldest are forgotten first).
REMEMBERED = 10_000
# Response keys remembered for one turn.
KEYS_PER_TURN = 50


class ConversationLocks:
    def __init__(self, maxsize: int = REMEMBERED) -> None:
        # A lock in use is never forgotten.
        self._locks: LruDict[str, asyncio.Lock] = LruDict(maxsize, keep=lambda lock: lock.locked())

    def __call__(self, conversation_id: str) -> asyncio.Lock:
        return self._locks.get_or_create(conversation_id, asyncio.Lock)

    def __len__(self) -> int:
        return len(self._locks)


class TurnState:
    def __init__(self, maxsize: int = REMEMBERED) -> None:
        self._rendered: LruDict[tuple[str, int | None], list[str]] = LruDict(maxsize)
        self._in_form: LruDict[str, bool] = LruDict(maxsize)

    def record_rendered(self, conversation_id: str, key: str, message_id: int | None = None) -> None:
        """The NLG endpoint rendered ``key`` for this conversation, answering the message
        ``message_id`` (None: a turn without one, e.g. a new Rasa session)."""
        keys = self._rendered.get_or_create((conversation_id, message_id), list)
        if len(keys) < KEYS_PER_TURN:
            keys.append(key)

    def take_rendered(self, conversation_id: str, message_id: int | None = None) -> list[str]:
        """The keys rendered for that message since the last call."""
        return self._rendered.pop((conversation_id, message_id), [])

    def record_form(self, conversation_id: str, active_loop: Any) -> None:
        """The tracker's active loop as Rasa sent it to the NLG endpoint."""
        name = active_loop.get("name") if isinstance(active_loop, dict) else None
        if name:
            self._in_form[conversation_id] = True
        else:
            self._in_form.pop(conversation_id, None)

    def in_form(self, conversation_id: str) -> bool:
        return self._in_form.get(conversation_id, False)

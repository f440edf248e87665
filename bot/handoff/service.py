"""The app's side of a handoff: relay, pause and resume, notifications, live updates.

- While an escalation is live, the gateway stores what the person sends and does not pass
  it to Rasa (the tracker is paused too, by the action that opened it).
- A casemanager's reply is stored, then pushed to the person's chat (web chat or Telegram),
  marked with their name; the first reply to a request pauses Rasa.
- Closing resumes Rasa and tells the person the bot is back.
- New escalations (opened by the action server) are found by a loop and notified.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from starlette.concurrency import run_in_threadpool

from bot.channels.gateway import Gateway, Reply
from bot.db import escalations as repo
from bot.db.models import Conversation, Escalation, Staff
from bot.db.session import session_scope
from bot.handoff.notify import Mailer, notification_text, recipients
from bot.settings import Settings

logger = logging.getLogger(__name__)

# channel name -> function(conversation_id, replies) that sends to the person now
Pusher = Callable[[str, list[Reply]], Awaitable[None]]
NOTIFY_LOOP_S = 2.0


class NotAllowed(Exception):
    """The escalation does not exist for this staff member (or is closed)."""


@dataclass
class Handoff:
    settings: Settings
    gateway: Gateway
    ui: object  # bot.web.ui.UiCatalog
    pushers: dict[str, Pusher] = field(default_factory=dict)
    telegram_notify: Callable[[int, str], Awaitable[None]] | None = None
    # Fetches a file a person sent (Telegram file_id) for the inbox.
    fetch_file: Callable[[str], Awaitable[bytes]] | None = None
    mailer: Mailer | None = None
    _task: asyncio.Task | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    # Pushing to the person ---------------------------------------------------------

    async def push(self, conversation_id: str, replies: list[Reply]) -> None:
        channel = conversation_id.split(":", 1)[0]
        pusher = self.pushers.get(channel)
        if pusher is None:
            logger.error("no way to reach %s (channel %s)", conversation_id, channel)
            return
        await pusher(conversation_id, replies)

    def _locale(self, esc: Escalation) -> str:
        with session_scope() as s:
            conv = s.get(Conversation, esc.conversation_id)
            return (conv.locale if conv else None) or esc.locale or self.gateway.default_locale

    # Casemanager actions -----------------------------------------------------------

    async def reply(self, *, staff_id: int, escalation_id: int, text: str) -> None:
        """Store the reply and send it to the person, in order with their own messages."""
        text = text.strip()
        if not text:
            return

        def _conversation() -> tuple[str, bool]:
            with session_scope() as s:
                _, esc = _open_escalation(s, staff_id, escalation_id)
                return esc.conversation_id, bool(esc.live)

        def _store() -> tuple[str, str]:
            with session_scope() as s:
                staff, esc = _open_escalation(s, staff_id, escalation_id)
                repo.add_staff_reply(session=s, esc=esc, staff=staff, text=text)
                return self._locale(esc), staff.display_name

        conversation_id, live = await run_in_threadpool(_conversation)
        async with self.gateway.lock(conversation_id):
            if not live:
                # A request becomes a conversation with a person: the bot pauses first.
                await self.gateway.rasa.append_event(conversation_id, {"event": "pause"})
            locale, name = await run_in_threadpool(_store)
            label = self.gateway.renderer.render("app_staff_label", locale, {"name": name}).text
            await self.push(
                conversation_id, [Reply(f"{label}:\n{text}", [], locale, sender=name)]
            )

    async def close(self, *, staff_id: int, escalation_id: int) -> None:
        """Close, resume the bot, and tell the person the bot is back. Done under the
        conversation's lock, so no message of the person falls between closing and
        resuming."""

        def _conversation() -> str:
            with session_scope() as s:
                _, esc = _open_escalation(s, staff_id, escalation_id)
                return esc.conversation_id

        def _close() -> tuple[bool, str, str]:
            with session_scope() as s:
                staff, esc = _open_escalation(s, staff_id, escalation_id)
                was_live = bool(esc.live)
                repo.close(session=s, esc=esc, staff=staff)
                return was_live, self._locale(esc), staff.display_name

        def _is_live() -> bool:
            with session_scope() as s:
                esc = s.get(Escalation, escalation_id)
                return bool(esc and esc.live)

        conversation_id = await run_in_threadpool(_conversation)
        async with self.gateway.lock(conversation_id):
            if await run_in_threadpool(_is_live):
                # Resume Rasa first: if Rasa cannot be reached, nothing changes (the
                # casemanager sees an error and the person is not left with a silent bot).
                await self.gateway.rasa.append_event(conversation_id, {"event": "resume"})
                # The paused turn ended without listening; listen now, so the rules apply
                # to the next message as to any other.
                await self.gateway.rasa.append_event(
                    conversation_id, {"event": "action", "name": "action_listen"}
                )
            was_live, locale, name = await run_in_threadpool(_close)
            if was_live:
                back = self.gateway.render_app_message("app_handoff_back", locale, name=name)
                await run_in_threadpool(self.gateway.store_replies, conversation_id, [back])
                await self.push(conversation_id, [back])

    # Notifications -----------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._notify_loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def poke(self, _conversation_id: str = "") -> None:
        """Something may have changed now (a turn ended, a message was relayed): look for
        new escalations at once instead of at the next round of the loop."""
        self._wake.set()

    async def _notify_loop(self) -> None:
        while True:
            try:
                await self.notify_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("notification loop")
            try:
                await asyncio.wait_for(self._wake.wait(), NOTIFY_LOOP_S)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def notify_new(self) -> int:
        """Notify the assigned casemanager (or the team leads) of each new escalation."""

        def _pending() -> list[tuple[int, list, dict[str, tuple[str, str]]]]:
            out = []
            with session_scope() as s:
                for esc in repo.unnotified(session=s):
                    link = f"{self.settings.public_url}/inbox/escalations/{esc.id}"
                    people = recipients(session=s, esc=esc)
                    texts = {p.locale: notification_text(self.ui, p.locale, esc, link) for p in people}
                    out.append((esc.id, people, texts))
            return out

        pending = await run_in_threadpool(_pending)
        for esc_id, people, texts in pending:
            ok = True
            for person in people:
                subject, body = texts[person.locale]
                if person.email and self.mailer and self.mailer.configured:
                    try:
                        await run_in_threadpool(self.mailer.send, person.email, subject, body)
                    except Exception as exc:  # noqa: BLE001 - retried by the loop
                        logger.warning("e-mail for escalation %s failed: %s", esc_id, exc)
                        ok = False
                if person.telegram_chat_id and self.telegram_notify:
                    try:
                        await self.telegram_notify(person.telegram_chat_id, f"{subject}\n{body}")
                    except Exception as exc:  # noqa: BLE001
                        logger.warning("Telegram notice for escalation %s failed: %s", esc_id, exc)
            if ok:
                await run_in_threadpool(_mark_notified, esc_id)
                logger.info("escalation %s notified (%d recipients)", esc_id, len(people))
            return len(pending)


def _open_escalation(s, staff_id: int, escalation_id: int) -> tuple[Staff, Escalation]:  # type: ignore[no-untyped-def]
    """The staff member and the escalation they act on: visible to them and not closed."""
    staff = s.get(Staff, staff_id)
    esc = repo.get_for(session=s, staff=staff, escalation_id=escalation_id) if staff else None
    if esc is None or esc.status == "closed":
        raise NotAllowed
    return staff, esc


def _mark_notified(escalation_id: int) -> None:
    with session_scope() as s:
        esc = s.get(Escalation, escalation_id)
        if esc is not None:
            esc.notified_at = datetime.now(timezone.utc)

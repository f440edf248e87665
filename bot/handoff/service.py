"""The app's side of a handoff: relay, pause and resume, notifications.

- While an escalation is live, the gateway stores what the person sends and does not pass
  it to Rasa (the tracker is paused too, by the action that opened it).
- A casemanager's reply is stored, then pushed to the person's chat (web chat or Telegram),
  marked with their name; the first reply to a request pauses Rasa.
- Closing resumes Rasa and tells the person the bot is back.
- New escalations (opened by the action server) are found by a loop and notified; the
  gateway wakes the loop after every turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.gateway import Reply, as_rows
from bot.channels.turns import ConversationLocks
from bot.clock import AMSTERDAM, as_utc, utcnow
from bot.db import conversations
from bot.db import escalations as repo
from bot.db.models import Escalation, Staff
from bot.db.session import Database
from bot.db.staff import find_staff
from bot.handoff.notify import Mailer, notification_text, recipients
from bot.i18n.render import Renderer
from bot.i18n.reply_templates import Choice, fill_both
from bot.limits import Limiter, Rule
from bot.privacy import log_id
from bot.rasa_client import RasaClient

logger = logging.getLogger(__name__)

# channel name -> function(conversation_id, replies) that sends to the person now
Pusher = Callable[[str, list[Reply]], Awaitable[None]]
NOTIFY_LOOP_S = 2.0
# notifications.last_error of a notice that was not sent because of the team leads' cap.
NOT_SENT_OVER_CAP = "not sent: over the hourly cap"


class NotAllowed(Exception):
    """The escalation does not exist for this staff member (or is closed)."""


@dataclass
class Handoff:
    db: Database
    rasa: RasaClient
    renderer: Renderer
    # The gateway's: a reply or a close waits for the person's message being handled.
    locks: ConversationLocks
    ui: Any  # bot.web.ui.UiCatalog
    public_url: str
    default_locale: str = "en"
    pushers: dict[str, Pusher] = field(default_factory=dict)
    # channel name -> function(conversation_id): a casemanager opened the conversation
    # (the web chat marks the person's messages "seen").
    seen_hooks: dict[str, Callable[[str], Awaitable[None]]] = field(default_factory=dict)
    telegram_notify: Callable[[int, str], Awaitable[None]] | None = None
    # Fetches a file a person sent (Telegram file_id) for the inbox.
    fetch_file: Callable[[str], Awaitable[bytes]] | None = None
    mailer: Mailer | None = None
    clock: Callable[[], datetime] = utcnow
    # Set by the gateway after every turn (see Gateway.on_message).
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # A cap on notices about the team queue to each team lead (a flood of unlinked chats
    # must not flood their mailboxes); None: no cap.
    limiter: Limiter | None = None
    teamlead_notices: Rule | None = None
    _task: asyncio.Task | None = None

    # Pushing to the person ---------------------------------------------------------

    async def push(self, conversation_id: str, replies: list[Reply]) -> None:
        channel = conversation_id.split(":", 1)[0]
        pusher = self.pushers.get(channel)
        if pusher is None:
            logger.error("no way to reach %s (channel %s)", log_id(conversation_id), channel)
            return
        await pusher(conversation_id, replies)

    async def opened(self, conversation_id: str, live: bool) -> None:
        """A casemanager opened the conversation in the inbox: while they have it, the
        person sees that their messages were read."""
        hook = self.seen_hooks.get(conversation_id.split(":", 1)[0])
        if live and hook is not None:
            try:
                await hook(conversation_id)
            except Exception:  # noqa: BLE001 - a mark on a screen; the page works without it
                logger.exception("telling %s its messages were seen", log_id(conversation_id))

    # Casemanager actions -----------------------------------------------------------

    async def reply(self, *, staff_id: int, escalation_id: int, text: str) -> None:
        """Store the reply and send it to the person, in order with their own messages.
        Typed by hand: it goes out as written (untranslated)."""
        text = text.strip()
        if not text:
            return
        await self._send(staff_id, escalation_id, lambda _locale: (text, None))

    def today(self) -> date:
        """Today in Amsterdam, by this service's clock: what reply templates count from."""
        return self.clock().astimezone(AMSTERDAM).date()

    async def reply_template(self, *, staff_id: int, escalation_id: int, choice: Choice,
                             ui_locale: str) -> None:
        """A reply template, filled in the person's language (what they receive) and in the
        casemanager's (kept beside it in the transcript); sent like any other reply."""
        today = self.today()

        def compose(locale: str) -> tuple[str, dict[str, str]]:
            person, own = fill_both(self.renderer, choice, locale, ui_locale, today)
            return person.text, {"key": choice.key, "locale": ui_locale, "text": own.text}

        await self._send(staff_id, escalation_id, compose)

    async def _send(self, staff_id: int, escalation_id: int,
                    compose: Callable[[str], tuple[str, dict[str, str] | None]]) -> None:
        """Store a casemanager's reply (``compose(person's locale)``: text, template) and
        push it to the person, under the conversation's lock."""
        conversation_id, live = await self.db.run(
            _conversation_of, staff_id=staff_id, escalation_id=escalation_id
        )
        async with self.locks(conversation_id):
            if not live:
                # A request becomes a conversation with a person: the bot pauses first.
                await self.rasa.append_event(conversation_id, {"event": "pause"})
            locale, name, text = await self.db.run(
                _store_reply, staff_id=staff_id, escalation_id=escalation_id, compose=compose,
                default_locale=self.default_locale,
            )
            label = self.renderer.render("app_staff_label", locale, {"name": name}).text
            await self.push(
                conversation_id, [Reply(f"{label}:\n{text}", [], locale, sender=name)]
            )

    async def close(self, *, staff_id: int, escalation_id: int) -> None:
        """Close, resume the bot, and tell the person the bot is back. Done under the
        conversation's lock, so no message of the person falls between closing and
        resuming."""
        conversation_id, _ = await self.db.run(
            _conversation_of, staff_id=staff_id, escalation_id=escalation_id
        )
        async with self.locks(conversation_id):
            if await self.db.run(_is_live, escalation_id=escalation_id):
                # Resume Rasa first: if Rasa cannot be reached, nothing changes (the
                # casemanager sees an error and the person is not left with a silent bot).
                await self.rasa.append_event(conversation_id, {"event": "resume"})
                # The paused turn ended without listening; listen now, so the rules apply
                # to the next message as to any other.
                await self.rasa.append_event(
                    conversation_id, {"event": "action", "name": "action_listen"}
                )
            was_live, locale, name = await self.db.run(
                _close, staff_id=staff_id, escalation_id=escalation_id,
                default_locale=self.default_locale,
            )
            if was_live:
                rendered = self.renderer.render("app_handoff_back", locale, {"name": name})
                back = Reply(rendered.text, rendered.buttons, locale)
                await self.db.run(conversations.add_replies, conversation_id=conversation_id,
                                  replies=as_rows([back]))
                await self.push(conversation_id, [back])

    async def claim(self, *, staff_id: int, escalation_id: int) -> None:
        await self.db.run(_claim, staff_id=staff_id, escalation_id=escalation_id)

    async def set_note(self, *, staff_id: int, escalation_id: int, note: str) -> None:
        await self.db.run(_set_note, staff_id=staff_id, escalation_id=escalation_id, note=note)

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
        self.wake.set()

    async def _notify_loop(self) -> None:
        while True:
            try:
                await self.notify_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("notification loop")
            try:
                await asyncio.wait_for(self.wake.wait(), NOTIFY_LOOP_S)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    async def notify_new(self) -> int:
        """Notify the assigned casemanager (or the team leads) of each new escalation,
        urgent ones first; returns how many escalations were waiting to be notified.

        Each recipient and channel (e-mail, Telegram) is recorded in ``notifications``:
        who got it is never told again; who could not be reached is tried again with a
        growing wait (``repo.record_notification``) without holding up anyone else. The
        escalation counts as notified when every recipient got it."""
        now = self.clock()
        channels = self._notice_channels()
        waiting, pending = await self.db.run(_pending_notifications, ui=self.ui,
                                             public_url=self.public_url, channels=channels, now=now)
        for esc_id, due, texts, keys, team_queue, urgent in pending:
            for person, channel in due:
                if team_queue and not await self._within_cap(person.key, urgent):
                    # Over the team leads' hourly cap: not sent, and not tried again (the
                    # escalation waits in the inbox like any other).
                    logger.warning("%s notice of escalation %s to %s not sent: over the hourly cap",
                                   channel, esc_id, person.key)
                    await self.db.run(repo.record_notification, escalation_id=esc_id,
                                      recipient=person.key, channel=channel, now=now, error=None,
                                      note=NOT_SENT_OVER_CAP)
                    continue
                subject, body = texts[person.locale]
                error = await self._send_notice(person, channel, subject, body)
                if error is not None:
                    logger.warning("%s notice of escalation %s to %s failed (%s); tried again later",
                                   channel, esc_id, person.key, error)
                await self.db.run(repo.record_notification, escalation_id=esc_id,
                                  recipient=person.key, channel=channel, now=now, error=error)
            if await self.db.run(_mark_if_delivered, escalation_id=esc_id, keys=keys, now=now):
                logger.info("escalation %s notified", esc_id)
        return waiting

    async def _within_cap(self, recipient: str, urgent: bool) -> bool:
        """A token for one more team-queue notice to this team lead; an urgent one is
        always sent (and takes a token, so the ordinary ones wait)."""
        if self.limiter is None or self.teamlead_notices is None:
            return True
        took = await self.limiter.take(recipient, self.teamlead_notices)
        return took or urgent

    def _notice_channels(self) -> tuple[str, ...]:
        out = []
        if self.mailer is not None and self.mailer.configured:
            out.append("email")
        if self.telegram_notify is not None:
            out.append("telegram")
        return tuple(out)

    async def _send_notice(self, person: Any, channel: str, subject: str, body: str) -> str | None:
        """Send one notice; returns the kind of error (never its text: it may hold an address)."""
        try:
            if channel == "email":
                await asyncio.to_thread(self.mailer.send, person.email, subject, body)  # type: ignore[union-attr]
            else:
                await self.telegram_notify(person.telegram_chat_id, f"{subject}\n{body}")  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - recorded and tried again
            return type(exc).__name__
        return None


# Work on one session (run with Database.run) ------------------------------------------


def _open_escalation(session: Session, staff_id: int, escalation_id: int) -> tuple[Staff, Escalation]:
    """The staff member and the escalation they act on: visible to them and not closed."""
    staff = find_staff(session=session, staff_id=staff_id)
    esc = repo.get_for(session=session, staff=staff, escalation_id=escalation_id) if staff else None
    if esc is None or esc.status == "closed":
        raise NotAllowed
    return staff, esc


def _locale(session: Session, esc: Escalation, default_locale: str) -> str:
    known = conversations.conversation_locale(session=session, conversation_id=esc.conversation_id)
    return known or esc.locale or default_locale


def _conversation_of(*, session: Session, staff_id: int, escalation_id: int) -> tuple[str, bool]:
    _, esc = _open_escalation(session, staff_id, escalation_id)
    return esc.conversation_id, bool(esc.live)


def _store_reply(*, session: Session, staff_id: int, escalation_id: int,
                 compose: Callable[[str], tuple[str, dict[str, str] | None]],
                 default_locale: str) -> tuple[str, str, str]:
    """Store the reply composed for the person's locale: (locale, sender, text)."""
    staff, esc = _open_escalation(session, staff_id, escalation_id)
    locale = _locale(session, esc, default_locale)
    text, template = compose(locale)
    repo.add_staff_reply(session=session, esc=esc, staff=staff, text=text, template=template,
                         locale=locale)
    return locale, staff.display_name, text


def _is_live(*, session: Session, escalation_id: int) -> bool:
    esc = repo.get_escalation(session=session, escalation_id=escalation_id)
    return bool(esc and esc.live)


def _close(*, session: Session, staff_id: int, escalation_id: int,
           default_locale: str) -> tuple[bool, str, str]:
    staff, esc = _open_escalation(session, staff_id, escalation_id)
    was_live = bool(esc.live)
    repo.close(session=session, esc=esc, staff=staff)
    return was_live, _locale(session, esc, default_locale), staff.display_name


def _claim(*, session: Session, staff_id: int, escalation_id: int) -> None:
    staff, esc = _visible(session, staff_id, escalation_id)
    repo.claim(session=session, esc=esc, staff=staff)


def _set_note(*, session: Session, staff_id: int, escalation_id: int, note: str) -> None:
    _, esc = _visible(session, staff_id, escalation_id)
    repo.set_note(session=session, esc=esc, note=note)


def _visible(session: Session, staff_id: int, escalation_id: int) -> tuple[Staff, Escalation]:
    """Claiming and notes work on closed escalations too (as before); only visibility counts."""
    staff = find_staff(session=session, staff_id=staff_id)
    esc = repo.get_for(session=session, staff=staff, escalation_id=escalation_id) if staff else None
    if esc is None:
        raise NotAllowed
    return staff, esc


def _deliveries(session: Session, esc: Escalation, channels: tuple[str, ...]) -> list[tuple[Any, str]]:
    """Every (recipient, channel) this escalation should reach."""
    out = []
    for person in recipients(session=session, esc=esc):
        if "email" in channels and person.email:
            out.append((person, "email"))
        if "telegram" in channels and person.telegram_chat_id:
            out.append((person, "telegram"))
    return out


def _sent(row: Any) -> bool:
    return row is not None and row.sent_at is not None


def _pending_notifications(
    *, session: Session, ui: Any, public_url: str, channels: tuple[str, ...], now: datetime
) -> tuple[int, list[tuple[int, list, dict, list]]]:
    """How many escalations wait to be notified, and, for those with a notice due now
    (urgent first): the deliveries due (never sent, and not waiting for their next try),
    the texts per inbox language, and every (recipient, channel) the escalation must reach.
    One with nothing left to send (no recipient, or all sent) is marked notified here."""
    waiting = repo.unnotified(session=session)
    out = []
    for esc in waiting:
        tried = repo.notifications_of(session=session, escalation_id=esc.id)
        deliveries = _deliveries(session, esc, channels)
        keys = [(person.key, channel) for person, channel in deliveries]
        if all(_sent(tried.get(k)) for k in keys):
            repo.mark_notified(session=session, escalation_id=esc.id, now=now)
            continue
        due = []
        for person, channel in deliveries:
            row = tried.get((person.key, channel))
            if _sent(row) or (row is not None and row.next_try_at is not None
                              and as_utc(row.next_try_at) > now):
                continue
            due.append((person, channel))
        if due:
            link = f"{public_url}/inbox/escalations/{esc.id}"
            texts = {p.locale: notification_text(ui, p.locale, esc, link) for p, _ in due}
            out.append((esc.id, due, texts, keys, esc.casemanager_id is None, bool(esc.urgent)))
    return len(waiting), out


def _mark_if_delivered(*, session: Session, escalation_id: int, keys: list[tuple[str, str]],
                       now: datetime) -> bool:
    """Mark the escalation notified when every one of ``keys`` was sent; whether it was."""
    tried = repo.notifications_of(session=session, escalation_id=escalation_id)
    if not all(_sent(tried.get(k)) for k in keys):
        return False
    repo.mark_notified(session=session, escalation_id=escalation_id, now=now)
    return True

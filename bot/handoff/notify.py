"""Telling a casemanager that someone waits: e-mail (SMTP) and, when linked, Telegram.

The message says only that there is a request and where to open it; what the person
wrote stays in the inbox.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from bot.db.clients import get_casemanager
from bot.db.models import Escalation
from bot.db.staff import answerers
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Recipient:
    email: str | None
    telegram_chat_id: int | None
    locale: str  # of the inbox: nl or en
    key: str = ""  # staff:<id> or casemanager:<id>: who, in the notifications table


def recipients(*, session: Session, esc: Escalation) -> list[Recipient]:
    """Who is told (``bot.db.access.answerers_of``): the assigned casemanager's accounts
    (their own address, else the casemanager's), or the casemanager's address when they
    have no account; for the team queue, the team leads."""
    cm = get_casemanager(session=session, casemanager_id=esc.casemanager_id)
    out = [
        Recipient(staff.email or (cm.email if cm else None), staff.telegram_chat_id,
                  staff.locale or "nl", f"staff:{staff.id}")
        for staff in answerers(session=session, esc=esc)
    ]
    if not out and cm is not None and cm.email:
        out.append(Recipient(cm.email, None, "nl", f"casemanager:{cm.id}"))
    return out


@dataclass
class Mailer:
    """One small client for SMTP (STARTTLS when asked; a local server in tests)."""

    settings: Settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.settings.smtp_from
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=15) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.settings.smtp_user:
                smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            smtp.send_message(msg)


def notification_text(ui: Any, locale: str, esc: Escalation, link: str) -> tuple[str, str]:
    """(subject, body) in the casemanager's inbox language."""
    reason_key = f"reason:{esc.reason or esc.kind}"
    reason = ui.gettext(locale, reason_key)
    subject = ui.gettext(locale, "New in the inbox: %(reason)s", reason=reason)
    if esc.urgent:
        subject = ui.gettext(locale, "URGENT") + " – " + subject
    body = "\n\n".join([
        ui.gettext(locale, "Someone is waiting for an answer in the Wegwijs inbox."),
        ui.gettext(locale, "Open it here: %(link)s", link=link),
        ui.gettext(locale, "This e-mail contains no personal details. Log in to read the conversation."),
    ])
    return subject, body

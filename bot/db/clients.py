"""Clients, their chat identities, one-time link codes and appointments.

Who a person is comes only from the conversation id the app gave Rasa (the sender id of
the REST channel) and the identities linked to it here; never from anything the person
sends (text, ``/intent{...}``, slots, metadata).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.db.access import can_see_client, clients_visible_to
from bot.db.models import (
    Appointment,
    Casemanager,
    ChannelIdentity,
    Client,
    LinkAttempt,
    LinkCode,
)
from bot.linkcodes import new_code

MAX_ATTEMPTS_PER_HOUR = 5
# Wrong codes an hour from one network address (a shelter's Wi-Fi is one address).
MAX_ATTEMPTS_PER_PEER = 20


def hash_code(code: str, secret: str) -> str:
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()


def create_link_code(
    *, session: Session, client_id: int, secret: str, ttl: timedelta, now: datetime
) -> str:
    if session.get(Client, client_id) is None:
        raise ValueError(f"no client {client_id}")
    code = new_code()
    now = as_utc(now)
    session.add(
        LinkCode(
            client_id=client_id,
            code_hash=hash_code(code, secret),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return code


@dataclass(frozen=True)
class LinkResult:
    status: str  # linked, invalid, expired, rate_limited
    client: Client | None = None


def peer_hash(peer: str, secret: str) -> str:
    """A network address as it is stored: keyed, so the table holds no IP address."""
    return hash_code("peer:" + peer, secret)[:32]


def _failures_since(session: Session, since: datetime, *criteria: Any) -> int:
    return session.execute(
        select(func.count(LinkAttempt.id)).where(
            *criteria, LinkAttempt.attempted_at >= since, LinkAttempt.success == 0
        )
    ).scalar_one()


def redeem_link_code(
    *, session: Session, conversation_id: str, code: str, secret: str, now: datetime,
    peer: str | None = None, per_peer: int = MAX_ATTEMPTS_PER_PEER,
) -> LinkResult:
    """Link ``conversation_id`` to the code's client, once, before it expires.

    Wrong codes are limited per chat (:data:`MAX_ATTEMPTS_PER_HOUR`) and per network
    address ``peer`` (``per_peer`` an hour; new chats get no new tries). The code is taken
    with one ``UPDATE … WHERE used_at IS NULL``: of two redemptions at the same moment
    exactly one changes the row, the other finds it used.
    """
    now = as_utc(now)
    since = now - timedelta(hours=1)
    peer_key = peer_hash(peer, secret) if peer else None
    if _failures_since(session, since, LinkAttempt.conversation_id == conversation_id) >= MAX_ATTEMPTS_PER_HOUR or (
        peer_key is not None
        and _failures_since(session, since, LinkAttempt.peer_hash == peer_key) >= per_peer
    ):
        return LinkResult("rate_limited")
    row = session.execute(
        select(LinkCode).where(LinkCode.code_hash == hash_code(code, secret))
    ).scalar_one_or_none()
    status = "invalid"
    if row is not None and row.used_at is None:
        if as_utc(row.expires_at) <= now:
            status = "expired"
        else:
            taken = session.execute(
                update(LinkCode)
                .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
                .values(used_at=now, used_by=conversation_id)
                .execution_options(synchronize_session=False)
            ).rowcount
            status = "linked" if taken == 1 else "invalid"
    session.add(LinkAttempt(conversation_id=conversation_id, attempted_at=now,
                            success=int(status == "linked"), peer_hash=peer_key))
    if status != "linked":
        session.flush()
        return LinkResult(status)
    identity = session.execute(
        select(ChannelIdentity).where(ChannelIdentity.conversation_id == conversation_id)
    ).scalar_one_or_none()
    if identity is None:
        session.add(ChannelIdentity(conversation_id=conversation_id, client_id=row.client_id, linked_at=now))
    else:
        identity.client_id = row.client_id
        identity.linked_at = now
    session.flush()
    return LinkResult("linked", session.get(Client, row.client_id))


def client_for_conversation(*, session: Session, conversation_id: str) -> Client | None:
    return session.execute(
        select(Client)
        .join(ChannelIdentity, ChannelIdentity.client_id == Client.id)
        .where(ChannelIdentity.conversation_id == conversation_id)
    ).scalar_one_or_none()


def casemanager_of(*, session: Session, client: Client | None) -> Casemanager | None:
    """The client's casemanager (None for no client, or a client without one)."""
    if client is None or client.casemanager_id is None:
        return None
    return session.get(Casemanager, client.casemanager_id)


def get_client(*, session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id)


def get_casemanager(*, session: Session, casemanager_id: int | None) -> Casemanager | None:
    return session.get(Casemanager, casemanager_id) if casemanager_id is not None else None


def own_appointment(*, session: Session, client: Client | None, appointment_id: Any) -> Appointment | None:
    """The appointment with this id, only when it is this client's (ids come from buttons
    and slots, which a person can forge)."""
    if client is None or not str(appointment_id or "").isdigit():
        return None
    appt = session.get(Appointment, int(appointment_id))
    return appt if appt is not None and appt.client_id == client.id else None


def clients_of(*, session: Session, staff: Any) -> list[tuple[int, str]]:
    """(id, full name) of the clients this staff member may act for, by first name."""
    rows = session.execute(
        select(Client).where(clients_visible_to(staff)).order_by(Client.first_name)
    ).scalars()
    return [(c.id, f"{c.first_name} {c.last_name}") for c in rows]


def create_link_code_for(
    *, session: Session, staff: Any, client_id: int | None, secret: str, ttl: timedelta,
    now: datetime,
) -> str | None:
    """A link code made by a staff member, only for a client they may act for."""
    client = session.get(Client, client_id) if client_id is not None else None
    if client is None or not can_see_client(staff, client):
        return None
    return create_link_code(session=session, client_id=client.id, secret=secret, ttl=ttl, now=now)


def upcoming_appointments(
    *, session: Session, client_id: int, now: datetime, limit: int = 3
) -> list[Appointment]:
    return list(
        session.execute(
            select(Appointment)
            .where(Appointment.client_id == client_id, Appointment.starts_at >= as_utc(now))
            .order_by(Appointment.starts_at)
            .limit(limit)
        ).scalars()
    )


def list_clients(*, session: Session) -> list[Client]:
    return list(session.execute(select(Client).order_by(Client.id)).scalars())

"""The content store: every version of every answer and translation (``content_versions``),
the store's version number and the exchange files' layouts (``content_state``).

The live version of a (key, locale) is its newest published row whose ``publish_at`` has
passed; a row in state ``removed`` that is live means the entry is gone. Every publication
raises the version number, so that each app process sees its cache is stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.clock import as_utc, utcnow
from bot.db.models import ContentState, ContentVersion

VERSION = "version"
LIVE_STATES = ("published", "removed")
FIELDS = ("text", "source", "buttons", "facts", "note", "choice_button", "needs_review",
          "comments", "raw")


def store_version(*, session: Session) -> int:
    """The version number (0: nothing was ever imported or published)."""
    return session.execute(
        select(ContentState.number).where(ContentState.name == VERSION)
    ).scalar_one_or_none() or 0


def bump_version(*, session: Session) -> int:
    """Raise the version number by one (atomically) and return it."""
    done = session.execute(
        update(ContentState).where(ContentState.name == VERSION)
        .values(number=ContentState.number + 1)
    ).rowcount
    if not done:
        session.add(ContentState(name=VERSION, number=1))
    session.flush()
    return store_version(session=session)


def get_layout(*, session: Session, name: str) -> dict[str, Any] | None:
    row = session.get(ContentState, f"layout:{name}")
    return dict(row.data) if row is not None and row.data is not None else None


def set_layout(*, session: Session, name: str, data: dict[str, Any]) -> None:
    row = session.get(ContentState, f"layout:{name}")
    if row is None:
        session.add(ContentState(name=f"layout:{name}", number=0, data=data))
    elif row.data != data:
        row.data = data
    session.flush()


def live_rows(*, session: Session, now: datetime | None = None,
              locale: str | None = None) -> dict[tuple[str, str], ContentVersion]:
    """The live row of every (key, locale) that has one (``removed`` ones left out)."""
    now = now or utcnow()
    query = (
        select(ContentVersion)
        .where(ContentVersion.state.in_(LIVE_STATES), ContentVersion.publish_at <= now)
        .order_by(ContentVersion.publish_at, ContentVersion.id)
    )
    if locale is not None:
        query = query.where(ContentVersion.locale == locale)
    out: dict[tuple[str, str], ContentVersion] = {}
    for row in session.execute(query).scalars():
        out[(row.key, row.locale)] = row  # the newest wins
    return {k: r for k, r in out.items() if r.state == "published"}


def next_publication(*, session: Session, now: datetime) -> datetime | None:
    """When the next scheduled version goes live (None: none is scheduled)."""
    return as_utc(session.execute(
        select(func.min(ContentVersion.publish_at))
        .where(ContentVersion.state.in_(LIVE_STATES), ContentVersion.publish_at > now)
    ).scalar_one_or_none())


def next_number(*, session: Session, key: str, locale: str) -> int:
    return (session.execute(
        select(func.max(ContentVersion.number))
        .where(ContentVersion.key == key, ContentVersion.locale == locale)
    ).scalar_one_or_none() or 0) + 1


def add_version(*, session: Session, key: str, locale: str, state: str, author: str | None,
                author_id: int | None = None, now: datetime, publish_at: datetime | None = None,
                fields: dict[str, Any] | None = None, reviewer: str | None = None,
                reviewer_id: int | None = None) -> ContentVersion:
    """A new version row with ``fields`` (text, source, buttons, facts, note,
    choice_button, needs_review, comments, raw); a removal has none."""
    row = ContentVersion(
        key=key, locale=locale, number=next_number(session=session, key=key, locale=locale),
        state=state, author=(author or "")[:120] or None, author_id=author_id, created_at=now,
        publish_at=publish_at, reviewer=reviewer, reviewer_id=reviewer_id,
        reviewed_at=now if reviewer else None, text="",
    )
    for name, value in (fields or {}).items():
        if name not in FIELDS:
            raise ValueError(f"not a field of a content version: {name}")
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row



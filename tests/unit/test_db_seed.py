"""The demo data (bot/db/seed.py): fictional and complete."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.db import clients as repo
from bot.db.models import (
    Client,
    LanguageSchool,
)
from bot.db.schools import (
    DISTRICTS,
)
from bot.db.seed import seed
from bot.db.session import Database

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db: Database) -> None:
    with db.session() as s:
        assert seed(session=s, now=NOW)


def test_seed_is_fictional_and_complete(db: Database, seeded: None) -> None:
    with db.session() as s:
        clients = s.execute(select(Client)).scalars().all()
        assert len(clients) >= 20
        assert {c.locale for c in clients} == {"ar", "ti", "fa_AF", "en", "nl"}
        assert all("(demo)" in c.last_name for c in clients)
        schools = s.execute(select(LanguageSchool)).scalars().all()
        assert len(schools) >= 15
        assert {sc.district for sc in schools} == set(DISTRICTS)
        assert repo.upcoming_appointments(session=s, client_id=1, now=NOW)
        assert not seed(session=s)  # a second seed loads nothing

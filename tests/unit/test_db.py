"""Repositories against a fresh schema: link codes, appointments, schools, erasure, migration."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.db import clients as repo
from bot.db.models import (
    Appointment,
    ChannelIdentity,
    Client,
    Conversation,
    LanguageSchool,
    LinkCode,
    Message,
)
from bot.db.schools import (
    DISTRICTS,
    ImportError_,
    Preferences,
    import_schools,
    parse_schools_csv,
    rank_schools,
)
from bot.db.seed import seed
from bot.db.session import get_engine, session_scope

SECRET = "s3cret"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db_url: str) -> str:
    with session_scope() as s:
        assert seed(session=s, now=NOW)
    return db_url


def code_for(client_id: int, ttl: timedelta = timedelta(hours=24), now: datetime = NOW) -> str:
    with session_scope() as s:
        return repo.create_link_code(session=s, client_id=client_id, secret=SECRET, ttl=ttl, now=now)


def redeem(conv: str, code: str, now: datetime = NOW) -> str:
    with session_scope() as s:
        return repo.redeem_link_code(session=s, conversation_id=conv, code=code, secret=SECRET, now=now).status


def test_migration_upgrades_and_downgrades(db_url: str) -> None:
    from alembic import command

    from bot.cli import _alembic_config

    tables = set(inspect(get_engine()).get_table_names())
    assert {"clients", "casemanagers", "link_codes", "appointments", "language_schools", "escalations"} <= tables
    cfg = _alembic_config()
    cfg.attributes["configure_logger"] = False
    command.downgrade(cfg, "base")
    get_engine.cache_clear()
    assert set(inspect(get_engine()).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")


def test_seed_is_fictional_and_complete(seeded: str) -> None:
    with session_scope() as s:
        clients = s.execute(select(Client)).scalars().all()
        assert len(clients) >= 20
        assert {c.locale for c in clients} == {"ar", "ti", "fa_AF", "en", "nl"}
        assert all("(demo)" in c.last_name for c in clients)
        schools = s.execute(select(LanguageSchool)).scalars().all()
        assert len(schools) >= 15
        assert {sc.district for sc in schools} == set(DISTRICTS)
        assert repo.upcoming_appointments(session=s, client_id=1, now=NOW)
        assert not seed(session=s)  # a second seed loads nothing


def test_code_links_once_and_is_stored_hashed(seeded: str) -> None:
    code = code_for(1)
    with session_scope() as s:
        stored = s.execute(select(LinkCode.code_hash)).scalars().all()
    assert code not in stored and code.replace("-", "") not in "".join(stored)
    assert redeem("webchat:a", code) == "linked"
    with session_scope() as s:
        assert repo.client_for_conversation(session=s, conversation_id="webchat:a").id == 1
    # Single use: the same person again, or a second identity, gets nothing.
    assert redeem("webchat:a", code) == "invalid"
    assert redeem("telegram:99", code) == "invalid"
    with session_scope() as s:
        assert repo.client_for_conversation(session=s, conversation_id="telegram:99") is None


def test_expired_code(seeded: str) -> None:
    code = code_for(2, ttl=timedelta(hours=24), now=NOW - timedelta(hours=25))
    assert redeem("webchat:b", code) == "expired"


def test_guessing_is_limited_to_five_wrong_codes_an_hour(seeded: str) -> None:
    real = code_for(3)
    for _ in range(5):
        assert redeem("webchat:c", repo.new_code()) == "invalid"
    # Even the right code is refused now, for this identity, for an hour.
    assert redeem("webchat:c", real) == "rate_limited"
    assert redeem("webchat:c", real, now=NOW + timedelta(minutes=61)) == "linked"


def test_find_code_in_what_people_type() -> None:
    assert repo.find_code("my code is 4kx7-92pq") == "4KX7-92PQ"
    assert repo.find_code("/start 4KX792PQ") == "4KX7-92PQ"
    assert repo.find_code("كودي 4KX7 92PQ") == "4KX7-92PQ"
    for text_ in ("afspraak", "zorgtoeslag 2026", "2345-6789", "B1-route", "ABCD-EFGH"):
        assert repo.find_code(text_) is None
    assert repo.redact_codes("code 4KX7-92PQ thanks") == "code [code] thanks"


def test_upcoming_appointments_are_the_clients_own_in_order(seeded: str) -> None:
    with session_scope() as s:
        appts = repo.upcoming_appointments(session=s, client_id=1, now=NOW)
        assert [a.client_id for a in appts] == [1] * len(appts)
        assert [a.starts_at for a in appts] == sorted(a.starts_at for a in appts)
        assert all(repo.as_utc(a.starts_at) >= NOW for a in appts)


def test_erase_removes_everything_of_one_conversation(seeded: str) -> None:
    assert redeem("webchat:e", code_for(1)) == "linked"
    with session_scope() as s:
        s.add(Conversation(id="webchat:e", channel="webchat"))
        s.add(Conversation(id="webchat:other", channel="webchat"))
        s.flush()
        s.add(Message(conversation_id="webchat:e", direction="in", text="hallo"))
        s.add(Message(conversation_id="webchat:other", direction="in", text="hoi"))
        # Rasa's tracker store table (the migrations create it, with its indexes).
        s.execute(text("INSERT INTO events (sender_id, type_name) VALUES ('webchat:e', 'user'), "
                       "('webchat:other', 'user')"))
    with session_scope() as s:
        counts = repo.erase_conversation(session=s, conversation_id="webchat:e")
    assert counts["messages"] == 1 and counts["identities"] == 1 and counts["tracker_events"] == 1
    with session_scope() as s:
        assert s.execute(select(Message.conversation_id)).scalars().all() == ["webchat:other"]
        assert s.execute(text("SELECT sender_id FROM events")).scalars().all() == ["webchat:other"]
        assert s.execute(select(ChannelIdentity)).first() is None
        assert s.get(Client, 1) is not None  # the client's file stays


def test_ranking_respects_needs_and_explains(seeded: str) -> None:
    with session_scope() as s:
        matches = rank_schools(
            session=s, prefs=Preferences(district="Nieuw-West", time_of_day="evening", childcare=True)
        )
        assert len(matches) == 3
        assert all(m.school.childcare for m in matches)
        assert matches[0].school.evening and matches[0].school.district == "Nieuw-West"
        assert "evening" in matches[0].reasons and "childcare" in matches[0].reasons
        women = rank_schools(session=s, prefs=Preferences(women_only=True, route="z"))
        assert women and all(m.school.women_only and "z" in m.school.routes for m in women)


GOOD_CSV = """name,district,address,routes,levels,daytime,evening,weekend,childcare,women_only,online,waiting_weeks,blik_op_werk
Nieuwe School,Noord,Straat 1,b1;z,A1;A2,ja,nee,nee,ja,nee,nee,3,ja
"""


def test_import_schools_csv(seeded: str, tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    with session_scope() as s:
        assert import_schools(session=s, path=path) == 1
    with session_scope() as s:
        school = s.execute(select(LanguageSchool).where(LanguageSchool.name == "Nieuwe School")).scalar_one()
        assert school.routes == ["b1", "z"] and school.childcare == 1 and school.waiting_weeks == 3


def test_bad_csv_names_every_bad_line_and_imports_nothing(seeded: str, tmp_path: Path) -> None:
    bad = GOOD_CSV + "Kapot,Amstelveen,Weg 2,b1,A1,ja,nee,nee,nee,nee,nee,1,ja\n" + \
        "Ook Kapot,West,,b1,A1,ja,nee,nee,nee,nee,nee,twee,ja\n"
    with pytest.raises(ImportError_) as err:
        parse_schools_csv(bad)
    problems = err.value.problems
    assert any(p.startswith("line 3:") and "Amstelveen" in p for p in problems)
    assert any(p.startswith("line 4:") for p in problems)
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ImportError_), session_scope() as s:
        import_schools(session=s, path=path)
    with session_scope() as s:
        assert s.execute(select(LanguageSchool).where(LanguageSchool.name == "Nieuwe School")).first() is None


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ImportError_) as err:
        parse_schools_csv("name,district\nX,Noord\n")
    assert "missing columns" in err.value.problems[0]


def test_appointments_belong_to_clients(seeded: str) -> None:
    with session_scope() as s:
        for a in s.execute(select(Appointment)).scalars():
            assert s.get(Client, a.client_id) is not None

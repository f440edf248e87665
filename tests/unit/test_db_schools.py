"""Language schools (bot/db/schools.py): ranking and the CSV import."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import (
    LanguageSchool,
)
from bot.db.schools import (
    ImportError_,
    Preferences,
    import_schools,
    parse_schools_csv,
    rank_schools,
)
from bot.db.seed import seed
from bot.db.session import Database

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db: Database) -> None:
    with db.session() as s:
        assert seed(session=s, now=NOW)


def test_ranking_respects_needs_and_explains(db: Database, seeded: None) -> None:
    with db.session() as s:
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


def test_import_schools_csv(db: Database, seeded: None, tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    with db.session() as s:
        assert import_schools(session=s, path=path) == 1
    with db.session() as s:
        school = s.execute(select(LanguageSchool).where(LanguageSchool.name == "Nieuwe School")).scalar_one()
        assert school.routes == ["b1", "z"] and school.childcare == 1 and school.waiting_weeks == 3


def test_bad_csv_names_every_bad_line_and_imports_nothing(db: Database, seeded: None, tmp_path: Path) -> None:
    bad = GOOD_CSV + "Kapot,Amstelveen,Weg 2,b1,A1,ja,nee,nee,nee,nee,nee,1,ja\n" + \
        "Ook Kapot,West,,b1,A1,ja,nee,nee,nee,nee,nee,twee,ja\n"
    with pytest.raises(ImportError_) as err:
        parse_schools_csv(bad)
    problems = err.value.problems
    assert any(p.startswith("line 3:") and "Amstelveen" in p for p in problems)
    assert any(p.startswith("line 4:") for p in problems)
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ImportError_), db.session() as s:
        import_schools(session=s, path=path)
    with db.session() as s:
        assert s.execute(select(LanguageSchool).where(LanguageSchool.name == "Nieuwe School")).first() is None


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ImportError_) as err:
        parse_schools_csv("name,district\nX,Noord\n")
    assert "missing columns" in err.value.problems[0]

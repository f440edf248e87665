"""Language schools: import from the city's CSV, and the ranking behind the school choice."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import LanguageSchool

DISTRICTS = ("Centrum", "Noord", "West", "Nieuw-West", "Zuid", "Oost", "Zuidoost", "Weesp")
ROUTES = ("b1", "onderwijs", "z")
LEVELS = ("A1", "A2", "B1", "B2")
# Typical minutes by public transport between the middle of two districts (approximate,
# for ranking only; the casemanager checks the real journey with the person).
_TRAVEL = {
    "Centrum": {"Noord": 15, "West": 12, "Nieuw-West": 25, "Zuid": 15, "Oost": 15, "Zuidoost": 25, "Weesp": 30},
    "Noord": {"West": 25, "Nieuw-West": 35, "Zuid": 25, "Oost": 25, "Zuidoost": 35, "Weesp": 40},
    "West": {"Nieuw-West": 15, "Zuid": 20, "Oost": 25, "Zuidoost": 35, "Weesp": 40},
    "Nieuw-West": {"Zuid": 20, "Oost": 35, "Zuidoost": 35, "Weesp": 45},
    "Zuid": {"Oost": 20, "Zuidoost": 20, "Weesp": 30},
    "Oost": {"Zuidoost": 20, "Weesp": 20},
    "Zuidoost": {"Weesp": 20},
}


def travel_minutes(a: str | None, b: str) -> int:
    if not a or a == b:
        return 10
    return _TRAVEL.get(a, {}).get(b) or _TRAVEL.get(b, {}).get(a) or 45


CSV_COLUMNS = (
    "name", "district", "address", "routes", "levels", "daytime", "evening", "weekend",
    "childcare", "women_only", "online", "waiting_weeks", "blik_op_werk",
)
_BOOL = {"ja": 1, "yes": 1, "1": 1, "true": 1, "nee": 0, "no": 0, "0": 0, "false": 0, "": 0}


class ImportError_(ValueError):
    """Rows that could not be read, with their line numbers."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_schools_csv(data: str) -> list[dict]:
    """Rows of the city's list as dicts; raises ``ImportError_`` listing every bad row."""
    reader = csv.DictReader(io.StringIO(data))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportError_([f"line 1: missing columns: {', '.join(missing)}"])
    rows, problems = [], []
    for line_no, raw in enumerate(reader, start=2):
        try:
            rows.append(_row(raw))
        except ValueError as exc:
            problems.append(f"line {line_no}: {exc}")
    names = [r["name"] for r in rows]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"school {name!r} appears more than once")
    if problems:
        raise ImportError_(problems)
    return rows


def _row(raw: dict) -> dict:
    name = (raw.get("name") or "").strip()
    if not name:
        raise ValueError("name is empty")
    district = (raw.get("district") or "").strip()
    if district not in DISTRICTS:
        raise ValueError(f"district {district!r} is not one of {', '.join(DISTRICTS)}")
    address = (raw.get("address") or "").strip()
    if not address:
        raise ValueError("address is empty")
    routes = [r.strip().lower() for r in (raw.get("routes") or "").split(";") if r.strip()]
    bad = [r for r in routes if r not in ROUTES]
    if bad or not routes:
        raise ValueError(f"routes must be some of {';'.join(ROUTES)}, got {raw.get('routes')!r}")
    levels = [v.strip().upper() for v in (raw.get("levels") or "").split(";") if v.strip()]
    if not levels or any(v not in LEVELS for v in levels):
        raise ValueError(f"levels must be some of {';'.join(LEVELS)}, got {raw.get('levels')!r}")
    out = {"name": name, "district": district, "address": address, "routes": routes, "levels": levels}
    for col in ("daytime", "evening", "weekend", "childcare", "women_only", "online", "blik_op_werk"):
        value = (raw.get(col) or "").strip().lower()
        if value not in _BOOL:
            raise ValueError(f"{col} must be ja/nee, got {raw.get(col)!r}")
        out[col] = _BOOL[value]
    try:
        out["waiting_weeks"] = int((raw.get("waiting_weeks") or "0").strip())
    except ValueError:
        raise ValueError(f"waiting_weeks must be a whole number, got {raw.get('waiting_weeks')!r}") from None
    if out["waiting_weeks"] < 0:
        raise ValueError("waiting_weeks cannot be negative")
    return out


def import_schools(*, session: Session, path: Path) -> int:
    """Replace-or-add every school of the file, all or nothing; returns how many."""
    rows = parse_schools_csv(path.read_text(encoding="utf-8-sig"))
    for row in rows:
        school = session.execute(
            select(LanguageSchool).where(LanguageSchool.name == row["name"])
        ).scalar_one_or_none()
        if school is None:
            session.add(LanguageSchool(**row))
        else:
            for key, value in row.items():
                setattr(school, key, value)
    session.flush()
    return len(rows)


@dataclass
class Preferences:
    district: str | None = None
    time_of_day: str | None = None  # daytime, evening, weekend
    childcare: bool | None = None
    women_only: bool | None = None
    route: str | None = None  # b1, onderwijs, z


@dataclass
class Match:
    school: LanguageSchool
    score: float
    minutes: int
    reasons: list[str] = field(default_factory=list)  # reason keys, rendered per locale


def rank_schools(*, session: Session, prefs: Preferences, limit: int = 3) -> list[Match]:
    """The best schools for these preferences, each with the reasons it fits.

    Hard needs (childcare, women-only group, the route) exclude schools that lack them;
    the rest is a score: travel time, the preferred time of day, waiting time, quality mark.
    """
    matches = []
    for school in session.execute(select(LanguageSchool)).scalars():
        if prefs.childcare and not school.childcare:
            continue
        if prefs.women_only and not school.women_only:
            continue
        if prefs.route and prefs.route not in (school.routes or []):
            continue
        minutes = travel_minutes(prefs.district, school.district)
        score = 100 - minutes - 2 * (school.waiting_weeks or 0)
        reasons = []
        if prefs.time_of_day:
            if getattr(school, prefs.time_of_day, 0):
                score += 25
                reasons.append(prefs.time_of_day)
            else:
                score -= 40
        if prefs.childcare:
            reasons.append("childcare")
        if prefs.women_only:
            reasons.append("women_only")
        if prefs.route:
            reasons.append(f"route_{prefs.route}")
        if school.blik_op_werk:
            score += 5
            reasons.append("blik_op_werk")
        if (school.waiting_weeks or 0) <= 2:
            reasons.append("short_wait")
        matches.append(Match(school, score, minutes, reasons))
    matches.sort(key=lambda m: (-m.score, m.school.name))
    return matches[:limit]


def school_names(*, session: Session, school_ids: list[int]) -> list[str]:
    """Names of the schools with these ids, in the order given (unknown ids left out)."""
    return [s.name for s in (session.get(LanguageSchool, i) for i in school_ids) if s]

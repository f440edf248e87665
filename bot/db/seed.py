"""Demo data: clearly fictional casemanagers, clients, appointments and language schools.

``wegwijs seed --demo`` loads it into an empty database, only on purpose (``make run``
and ``make db`` do, in development) and never in production (the CLI refuses). A database
with the demo data is left as it is; one with anything else — a client, casemanager or
staff account that is not the demo's — is refused (:class:`RealDataError`): the demo
logins, with their passwords in the README, must never reach real data. Client 1
always has upcoming appointments. Appointment times are relative to today so the demo
stays current.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import AMSTERDAM
from bot.db.models import Appointment, Casemanager, Client, LanguageSchool, Staff
from bot.db.staff import create_staff
from bot.roles import Role

OFFICE = {d: ["08:30", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}

CASEMANAGERS = [
    dict(first_name="Sanne", last_name="de Vries (demo)", team="Statushouders West",
         email="sanne.devries@example.org", phone="020 555 0101", languages=["nl", "en"],
         office_hours=OFFICE),
    dict(first_name="Yonas", last_name="Tesfay (demo)", team="Statushouders West",
         email="yonas.tesfay@example.org", phone="020 555 0102", languages=["nl", "ti", "en"],
         office_hours={d: ["09:00", "17:30"] for d in ("mon", "tue", "thu", "fri")}),
    dict(first_name="Leila", last_name="Haddad (demo)", team="Statushouders Oost",
         email="leila.haddad@example.org", phone="020 555 0103", languages=["nl", "ar", "en"],
         office_hours=OFFICE),
]

# (first name, last name, locale, casemanager index, district, children)
CLIENTS = [
    ("Amal", "Hamdan", "ar", 2, "Nieuw-West", 2),
    ("Yohannes", "Kidane", "ti", 1, "Noord", 0),
    ("Freshta", "Ahmadi", "fa_AF", 0, "West", 3),
    ("Samuel", "Okello", "en", 0, "Zuidoost", 1),
    ("Noor", "Bakker", "nl", 0, "Oost", 0),
    ("Rami", "Khalil", "ar", 2, "Oost", 0),
    ("Huda", "Saleh", "ar", 2, "Zuidoost", 4),
    ("Mahmoud", "Darwish", "ar", 2, "Centrum", 1),
    ("Selam", "Gebremedhin", "ti", 1, "Nieuw-West", 1),
    ("Merhawi", "Tekle", "ti", 1, "Noord", 0),
    ("Senait", "Habte", "ti", 1, "Weesp", 2),
    ("Ahmad", "Rahimi", "fa_AF", 0, "Nieuw-West", 0),
    ("Mariam", "Karimi", "fa_AF", 0, "Zuid", 2),
    ("Zahra", "Hosseini", "fa_AF", 2, "Oost", 1),
    ("Grace", "Achieng", "en", 0, "Zuidoost", 2),
    ("Abdi", "Warsame", "en", 1, "Noord", 0),
    ("Lina", "Mansour", "nl", 2, "West", 0),
    ("Tesfalem", "Berhe", "nl", 1, "Centrum", 0),
    ("Omid", "Sultani", "fa_AF", 0, None, 0),
    ("Hiba", "Yousef", "ar", None, "Zuid", 1),
]

# What to bring, in Dutch as the City's agenda writes it; the bot shows each item in the
# person's language with the Dutch in brackets (content/terms.yml).
STANDARD_BRING = "verblijfsvergunning, paspoort of ID"

# (kind, days from today, hour, minutes, location, address, with whom or None = own cm, bring)
APPOINTMENTS = [
    ("casemanager", 2, 10, 60, "Stadsloket Nieuw-West", "Osdorpplein 1000, 1068 TG Amsterdam", None,
     STANDARD_BRING + ", brief van de Belastingdienst"),
    ("language_boost", 5, 13, 90, "Taalcentrum Nieuw-West (demo)", "Pieter Calandlaan 1, 1065 KH Amsterdam",
     "docent Taalboost", "schrift en pen"),
    ("assessment", 12, 9, 120, "Werkplein Amsterdam (demo)", "Jan van Galenstraat 323, 1061 AZ Amsterdam",
     "adviseur werk", STANDARD_BRING + ", diploma's en cv"),
    ("intake", -20, 11, 60, "Stadsloket Nieuw-West", "Osdorpplein 1000, 1068 TG Amsterdam", None, STANDARD_BRING),
]

SCHOOLS = [
    # name, district, address, routes, levels, day, evening, weekend, childcare, women, online, wait, mark
    ("Taalschool De Brug (demo)", "Nieuw-West", "Osdorpplein 200, Amsterdam", ["b1", "z"], ["A1", "A2", "B1"], 1, 1, 0, 1, 1, 0, 3, 1),
    ("Leerhuis Noord (demo)", "Noord", "Buikslotermeerplein 10, Amsterdam", ["b1"], ["A1", "A2", "B1"], 1, 1, 0, 1, 0, 1, 2, 1),
    ("Taalcentrum West (demo)", "West", "Jan Evertsenstraat 50, Amsterdam", ["b1", "onderwijs"], ["A2", "B1", "B2"], 1, 0, 1, 0, 0, 1, 4, 1),
    ("Amsterdam Taal Academie (demo)", "Centrum", "Nieuwmarkt 5, Amsterdam", ["onderwijs", "b1"], ["B1", "B2"], 1, 1, 1, 0, 0, 1, 6, 1),
    ("Vrouwenleerhuis Oost (demo)", "Oost", "Dappermarkt 12, Amsterdam", ["b1", "z"], ["A1", "A2", "B1"], 1, 0, 0, 1, 1, 0, 1, 1),
    ("Zuidoost Leert (demo)", "Zuidoost", "Bijlmerplein 88, Amsterdam", ["b1", "z"], ["A1", "A2", "B1"], 1, 1, 1, 1, 0, 0, 2, 1),
    ("Taalpunt Weesp (demo)", "Weesp", "Nieuwstad 20, Weesp", ["b1"], ["A1", "A2", "B1"], 1, 1, 0, 1, 0, 0, 2, 0),
    ("Inburgering Zuid (demo)", "Zuid", "Rijnstraat 40, Amsterdam", ["b1", "onderwijs"], ["A2", "B1", "B2"], 1, 1, 0, 0, 0, 1, 5, 1),
    ("Avondschool Centrum (demo)", "Centrum", "Waterlooplein 3, Amsterdam", ["b1"], ["A1", "A2", "B1"], 0, 1, 1, 0, 0, 0, 2, 1),
    ("Stap Verder Nieuw-West (demo)", "Nieuw-West", "Slotervaart 77, Amsterdam", ["z"], ["A1", "A2"], 1, 0, 0, 1, 1, 0, 0, 1),
    ("Noorderlicht Taal (demo)", "Noord", "Van der Pekstraat 15, Amsterdam", ["b1", "z"], ["A1", "A2", "B1"], 1, 0, 1, 0, 1, 0, 3, 0),
    ("Westerpark Taalhuis (demo)", "West", "Haarlemmerweg 10, Amsterdam", ["b1"], ["A1", "A2", "B1"], 0, 1, 0, 1, 0, 1, 1, 1),
    ("Studiecentrum Oost (demo)", "Oost", "Linnaeusstraat 60, Amsterdam", ["onderwijs"], ["B1", "B2"], 1, 1, 0, 0, 0, 1, 8, 1),
    ("Gaasperdam Taal (demo)", "Zuidoost", "Gaasperplein 4, Amsterdam", ["b1", "z"], ["A1", "A2", "B1"], 0, 1, 1, 1, 1, 0, 4, 1),
    ("Buitenveldert Talen (demo)", "Zuid", "Van Boshuizenstraat 9, Amsterdam", ["b1"], ["A2", "B1"], 1, 0, 0, 1, 0, 0, 3, 1),
    ("Online Inburgeren (demo)", "Centrum", "Online (les thuis), Amsterdam", ["b1", "onderwijs"], ["A2", "B1", "B2"], 0, 1, 1, 0, 0, 1, 1, 1),
]


# Demo logins (README): username, password, name, role, casemanager index, inbox language.
STAFF = [
    ("sanne", "sanne-demo-2026", "Sanne", Role.CASEMANAGER, 0, "nl"),
    ("yonas", "yonas-demo-2026", "Yonas", Role.CASEMANAGER, 1, "en"),
    ("leila", "leila-demo-2026", "Leila", Role.CASEMANAGER, 2, "nl"),
    ("teamlead", "teamlead-demo-2026", "Femke", Role.TEAMLEAD, None, "nl"),
    ("comms", "comms-demo-2026", "Communicatie", Role.COMMS, None, "nl"),
]


class RealDataError(RuntimeError):
    """The database holds data that is not the demo's: no demo data is loaded into it."""


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def database_state(*, session: Session) -> str:
    """``empty``, ``demo`` (the demo data and nothing else of clients) or ``real``."""
    clients = _count(session, Client)
    casemanagers = _count(session, Casemanager)
    staff = _count(session, Staff)
    if clients == casemanagers == staff == 0:
        return "empty"
    demo_clients = _count(session, Client, Client.last_name.like("%(demo)"))
    demo_cms = _count(session, Casemanager, Casemanager.last_name.like("%(demo)"))
    if demo_clients and demo_clients == clients and demo_cms == casemanagers:
        return "demo"
    return "real"


def seed_staff(*, session: Session) -> None:
    """Demo logins for the inbox and the content page (part of :func:`seed`)."""
    cms = session.execute(select(Casemanager).order_by(Casemanager.id)).scalars().all()
    for username, password, name, role, cm, locale in STAFF:
        casemanager = cms[cm] if cm is not None and cm < len(cms) else None
        if role == Role.CASEMANAGER and casemanager is None:
            continue
        create_staff(
            session=session, username=username, password=password, display_name=name, role=role,
            casemanager_id=casemanager.id if casemanager else None,
            email=casemanager.email if casemanager else f"{username}@example.org", locale=locale,
        )


def seed(*, session: Session, now: datetime | None = None) -> bool:
    """Load the demo data into an empty database: True. False when the demo data is
    there already; :class:`RealDataError` on a database with other data."""
    state = database_state(session=session)
    if state == "demo":
        return False
    if state == "real":
        raise RealDataError(
            f"the database has real data ({_count(session, Client)} clients, "
            f"{_count(session, Staff)} staff accounts): no demo data is loaded into it"
        )
    now = now or datetime.now(AMSTERDAM)
    cms = [Casemanager(**data) for data in CASEMANAGERS]
    session.add_all(cms)
    session.flush()
    clients = []
    for first, last, locale, cm, district, children in CLIENTS:
        client = Client(
            first_name=first,
            last_name=f"{last} (demo)",
            locale=locale,
            casemanager_id=cms[cm].id if cm is not None else None,
            district=district,
            children=children,
        )
        clients.append(client)
    session.add_all(clients)
    session.flush()
    today = now.astimezone(AMSTERDAM).date()
    for i, client in enumerate(clients):
        cm = session.get(Casemanager, client.casemanager_id) if client.casemanager_id else None
        plan = APPOINTMENTS if i == 0 or i % 3 == 0 else APPOINTMENTS[3:]
        for kind, days, hour, minutes, location, address, with_whom, bring in plan:
            local = datetime.combine(today + timedelta(days=days + i % 3), time(hour), AMSTERDAM)
            starts = local.astimezone(timezone.utc)  # stored in UTC, shown in Amsterdam time
            session.add(
                Appointment(
                    client_id=client.id,
                    kind=kind,
                    starts_at=starts,
                    duration_min=minutes,
                    location=location,
                    address=address,
                    with_whom=with_whom or (f"{cm.first_name} {cm.last_name}" if cm else "team"),
                    bring=bring,
                )
            )
    for row in SCHOOLS:
        (name, district, address, routes, levels, day, evening, weekend, childcare, women,
         online, wait, mark) = row
        session.add(
            LanguageSchool(
                name=name, district=district, address=address, routes=routes, levels=levels,
                daytime=day, evening=evening, weekend=weekend, childcare=childcare,
                women_only=women, online=online, waiting_weeks=wait, blik_op_werk=mark,
            )
        )
    session.flush()
    seed_staff(session=session)
    return True

"""The content workflow over the store (bot/content/editing.py): drafts, review by someone
else with the reviewer role, publication now or later, history, rollback, roles, audit."""

from __future__ import annotations

import io
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.content import editing
from bot.content.store import PublishedContent, StoreCatalogs, StoreContentSource, import_files
from bot.db.models import ContentVersion, Staff, StaffAudit
from bot.db.session import Database
from bot.db.staff import create_staff
from bot.i18n.exchange import SOURCE
from bot.i18n.render import Renderer
from bot.i18n.workflow import ContentRepo
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)
GREETING = "Hello! How can I help you today?"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with the content imported once (the check takes a while); each
    test works on its own copy."""
    from alembic import command

    from bot.cli import _alembic_config

    tmp = tmp_path_factory.mktemp("seeded")
    url = f"sqlite:///{tmp / 'content.db'}"
    cfg = _alembic_config()
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    database = Database(url)
    import_files(database, ContentRepo(ROOT), actor="cli:test", now=NOW - timedelta(days=1))
    database.dispose()
    return tmp / "content.db"


@pytest.fixture
def store_db(seeded: Path, tmp_path: Path) -> Database:
    path = tmp_path / "content.db"
    shutil.copy(seeded, path)
    database = Database(f"sqlite:///{path}")
    with database.session() as s:
        for name, roles in (("erik", ["editor"]), ("tesfay", ["translator:ti"]),
                            ("rana", ["reviewer"]), ("bram", ["editor", "reviewer"])):
            create_staff(session=s, username=name, password="long-enough-pw", display_name=name,
                         role="comms")
            editing.set_content_roles(session=s, username=name, roles=roles, actor="cli:test", now=NOW)
    yield database
    database.dispose()


def staff(db: Database, name: str) -> Staff:
    with db.session() as s:
        return s.query(Staff).filter_by(username=name).one()


def render(db: Database, key: str, locale: str, now: datetime = NOW) -> str:
    published = PublishedContent(db, check_every_s=0, clock=lambda: now)
    r = Renderer(StoreContentSource(ROOT / "content" / "responses.yml", published=published),
                 StoreCatalogs(ROOT / "locales", published=published))
    return r.render(key, locale).text


def test_a_draft_is_not_live_until_a_reviewer_approves_it(store_db: Database) -> None:
    with store_db.session() as s:
        row, problems = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                           locale=SOURCE, text="Hello! What can I do for you?", now=NOW)
    assert problems == []
    assert render(store_db, "utter_greet", "en") == GREETING
    with store_db.session() as s:
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
    assert render(store_db, "utter_greet", "en") == "Hello! What can I do for you?"


def test_the_author_cannot_approve_their_own_change(store_db: Database) -> None:
    bram = staff(store_db, "bram")
    with store_db.session() as s:
        row, _ = editing.save_draft(session=s, staff=bram, key="utter_greet", locale=SOURCE,
                                    text="Hi!", now=NOW)
    with store_db.session() as s, pytest.raises(editing.NotAllowed):
        editing.approve(session=s, staff=bram, version_id=row.id, now=NOW)
    with store_db.session() as s, pytest.raises(editing.NotAllowed):
        editing.approve(session=s, staff=staff(store_db, "erik"), version_id=row.id, now=NOW)


def test_roles_decide_who_edits_what(store_db: Database) -> None:
    with store_db.session() as s:
        with pytest.raises(editing.NotAllowed):
            editing.save_draft(session=s, staff=staff(store_db, "tesfay"), key="utter_greet",
                               locale=SOURCE, text="Hi", now=NOW)
        with pytest.raises(editing.NotAllowed):
            editing.save_draft(session=s, staff=staff(store_db, "tesfay"), key="utter_greet",
                               locale="ar", text="مرحبا", now=NOW)
        with pytest.raises(editing.NotAllowed):
            editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                               locale="ti", text="ሰላም", now=NOW)
        row, problems = editing.save_draft(session=s, staff=staff(store_db, "tesfay"),
                                           key="utter_greet", locale="ti", text="ሰላም! እንታይ ክገብር?",
                                           now=NOW)
        assert row.source == GREETING and problems == []
        with pytest.raises(ValueError):
            editing.set_content_roles(session=s, username="erik", roles=["translator:xx"], actor="t")


def test_problems_block_publication(store_db: Database) -> None:
    with store_db.session() as s:
        row, problems = editing.save_draft(
            session=s, staff=staff(store_db, "tesfay"), key="utter_language_set", locale="ti",
            text="ሰናይ <b>http://example.org</b>", now=NOW)
    assert any("HTML" in p for p in problems) and any("https" in p for p in problems)
    with store_db.session() as s, pytest.raises(editing.Refused):
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
    with store_db.session() as s:
        row, problems = editing.save_draft(
            session=s, staff=staff(store_db, "erik"), key="utter_greet", locale=SOURCE,
            text="It costs €5 in 2027.", now=NOW)
    assert any("without a source" in p for p in problems)


def test_publication_at_a_time(store_db: Database) -> None:
    new_year = datetime(2027, 1, 1, tzinfo=timezone.utc)
    with store_db.session() as s:
        row, _ = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                    locale=SOURCE, text="Happy new year!", now=NOW)
        with pytest.raises(editing.Refused):
            editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id,
                            publish_at=NOW - timedelta(hours=1), now=NOW)
    with store_db.session() as s:
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id,
                        publish_at=new_year, now=NOW)
    assert render(store_db, "utter_greet", "en") == GREETING
    assert render(store_db, "utter_greet", "en", now=new_year) == "Happy new year!"


def test_new_english_marks_the_translations_needs_review(store_db: Database) -> None:
    with store_db.session() as s:
        assert "utter_greet" not in editing.needs_review(session=s, now=NOW)["ti"]
        row, _ = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                    locale=SOURCE, text="Hello! What can I do for you?", now=NOW)
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
        for locale in ("ar", "ti", "fa_AF", "nl"):
            assert "utter_greet" in editing.needs_review(session=s, now=NOW)[locale]
    assert render(store_db, "utter_greet", "ti") == "Hello! What can I do for you?"
    with store_db.session() as s:
        row, _ = editing.save_draft(session=s, staff=staff(store_db, "tesfay"), key="utter_greet",
                                    locale="ti", text="ሰላም! እንታይ ክገብረልኩም?", now=NOW)
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
        assert "utter_greet" not in editing.needs_review(session=s, now=NOW)["ti"]
    assert render(store_db, "utter_greet", "ti") == "ሰላም! እንታይ ክገብረልኩም?"


def test_button_titles_are_translated_as_their_own_entries(store_db: Database) -> None:
    with store_db.session() as s:
        row, problems = editing.save_draft(session=s, staff=staff(store_db, "tesfay"),
                                           key="button:insurance", locale="ti", text="ውሕስነት", now=NOW)
        assert row.source == "Insurance" and problems == []
        with pytest.raises(editing.Refused):
            editing.save_draft(session=s, staff=staff(store_db, "tesfay"), key="utter_nothing",
                               locale="ti", text="x", now=NOW)


def test_history_and_rollback(store_db: Database) -> None:
    with store_db.session() as s:
        first = editing.history(session=s, key="utter_greet", locale=SOURCE, now=NOW)
        assert len(first) == 1 and first[0].live and first[0].author == "cli:test"
        row, _ = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                    locale=SOURCE, text="Hi there!", now=NOW)
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
        other, _ = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                      locale=SOURCE, text="Rejected text", now=NOW)
        editing.reject(session=s, staff=staff(store_db, "rana"), version_id=other.id, now=NOW)
        entries = editing.history(session=s, key="utter_greet", locale=SOURCE, now=NOW)
        assert [e.state for e in entries] == ["rejected", "published", "published"]
        assert entries[1].live and entries[1].author == "erik" and entries[1].reviewer == "rana"
        assert entries[1].diff == ["@@ -1 +1 @@", f"-{GREETING}", "+Hi there!"]
        with pytest.raises(editing.NotAllowed):
            editing.rollback(session=s, staff=staff(store_db, "erik"), version_id=first[0].id, now=NOW)
        back = editing.rollback(session=s, staff=staff(store_db, "rana"), version_id=first[0].id, now=NOW)
        assert back.number == 4
        with pytest.raises(editing.Refused):
            editing.rollback(session=s, staff=staff(store_db, "rana"), version_id=other.id, now=NOW)
    assert render(store_db, "utter_greet", "en") == GREETING


def test_every_change_is_in_the_audit_log_without_texts(store_db: Database) -> None:
    with store_db.session() as s:
        row, _ = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                    locale=SOURCE, text="Hi there!", now=NOW)
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
        assert [d.id for d in editing.drafts(session=s)] == []
    with store_db.session() as s:
        rows = [(a.actor, a.action, a.detail) for a in s.query(StaffAudit).order_by(StaffAudit.id)]
    assert ("cli:test", "content_roles", "tesfay: translator:ti") in rows
    assert rows[-2:] == [("erik", "content_draft", "utter_greet source v2"),
                         ("rana", "content_publish", "utter_greet source v2")]
    assert not any("Hi there" in (d or "") for _, _, d in rows)


def test_cli_sets_content_roles(store_db: Database, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", store_db.url)
    get_settings.cache_clear()
    try:
        assert main(["staff", "roles", "erik", "editor", "translator:ar"]) == 0
        assert "editor translator:ar" in capsys.readouterr().out
        assert main(["staff", "roles", "erik", "boss"]) == 2
        assert "not a content role" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        assert main(["staff", "list"]) == 0
        assert "editor translator:ar" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    with store_db.session() as s:
        assert s.query(Staff).filter_by(username="erik").one().content_roles == ["editor", "translator:ar"]
        assert s.query(ContentVersion).filter_by(state="draft").count() == 0


def test_status_of_the_store_is_the_files_status_until_something_changes(store_db: Database) -> None:
    from dataclasses import asdict

    files = [asdict(s) for s in ContentRepo(ROOT).status()]
    with store_db.session() as s:
        assert [asdict(x) for x in editing.status(session=s, now=NOW)] == files
        row, _ = editing.save_draft(session=s, staff=staff(store_db, "erik"), key="utter_greet",
                                    locale=SOURCE, text="Hello! What can I do for you?", now=NOW)
        editing.approve(session=s, staff=staff(store_db, "rana"), version_id=row.id, now=NOW)
        after = {x.locale: x for x in editing.status(session=s, now=NOW)}
    before = {x["locale"]: x for x in files}
    assert after["ti"].needs_review == before["ti"]["needs_review"] + 1
    assert {"key": "utter_greet", "since": "2026-11-23"} in after["ti"].outdated
    assert after["en"].translated == before["en"]["translated"]

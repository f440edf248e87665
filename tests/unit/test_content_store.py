"""The content store (bot/db/content.py, bot/content/store.py, bot/i18n/exchange.py): import
from the files with the content check, byte-stable export, the renderer reading the live
versions through a cache that follows the store's version number."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.content.store import (
    ImportRefused,
    PublishedContent,
    StoreCatalogs,
    StoreContentSource,
    export_files,
    fields_of,
    import_files,
    source_entry,
    translation,
)
from bot.db import content as store
from bot.db.models import ContentVersion, StaffAudit
from bot.db.session import Database
from bot.i18n.exchange import SOURCE, SourceEntry, Translation, read_source, write_source
from bot.i18n.render import Renderer
from bot.i18n.terms import load_terms
from bot.i18n.workflow import ContentRepo
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A checkout's content: copies of responses.yml, the term base and the catalogs, the
    real nlu/ (the import runs the whole content check, the term base's rules included)."""
    (tmp_path / "content").mkdir()
    shutil.copy(ROOT / "content" / "responses.yml", tmp_path / "content" / "responses.yml")
    shutil.copy(ROOT / "content" / "terms.yml", tmp_path / "content" / "terms.yml")
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    (tmp_path / "nlu").symlink_to(ROOT / "nlu")
    return tmp_path


def files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in [root / "content" / "responses.yml",
                                        *sorted((root / "locales").glob("*/LC_MESSAGES/wegwijs.po"))]}


def renderer(db: Database, root: Path, clock=lambda: NOW) -> Renderer:  # type: ignore[no-untyped-def]
    published = PublishedContent(db, check_every_s=0, clock=clock)
    return Renderer(StoreContentSource(root / "content" / "responses.yml", published=published),
                    StoreCatalogs(root / "locales", published=published))


def publish(db: Database, key: str, locale: str, when: datetime = NOW, **fields) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        live = store.live_rows(session=s, now=when)[(key, locale)]
        if locale == SOURCE:
            entry = source_entry(live)
            entry.raw = None
            for name, value in fields.items():
                setattr(entry, name, value)
            store.add_version(session=s, key=key, locale=locale, state="published", author="t",
                              now=NOW, publish_at=when, fields=fields_of(entry))
        else:
            t = translation(live)
            for name, value in fields.items():
                setattr(t, name, value)
            store.add_version(session=s, key=key, locale=locale, state="published", author="t",
                              now=NOW, publish_at=when, fields=fields_of(t))
        store.bump_version(session=s)


def test_export_right_after_import_changes_no_byte(db: Database, root: Path) -> None:
    before = files(root)
    report = import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    assert report[SOURCE].added > 100 and report["ti"].added > 150
    for path in before:
        path.write_bytes(b"")  # the export must write them from the store alone
    assert len(export_files(db, ContentRepo(root))) == len(before)
    assert files(root) == before


def test_the_store_renders_appointment_items_with_the_term_base(db: Database, root: Path) -> None:
    """The term base stays a file beside responses.yml (content/terms.yml, not in the store):
    a renderer on the store finds it there and names what to bring in the person's language."""
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    r = renderer(db, root)
    assert r.terms is not None and r.terms.path == root / "content" / "terms.yml"
    term = load_terms(root / "content" / "terms.yml")["verblijfsvergunning"]
    text = r.render("utter_appointment_item", "ti", {
        "kind_key": "term_appointment_casemanager", "starts_at": "2026-11-25T09:00:00+00:00",
        "duration": 60, "location": "Stadsloket Nieuw-West", "address": "Osdorpplein 1000",
        "with_whom": "Leila Haddad", "bring": "verblijfsvergunning"}).text.replace("\u00a0", " ")
    assert term.name("ti") in text and "(verblijfsvergunning)" in text


def test_importing_twice_adds_no_version(db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    with db.session() as s:
        rows, version = s.query(ContentVersion).count(), store.store_version(session=s)
    report = import_files(db, ContentRepo(root), actor="cli:test", now=NOW + timedelta(minutes=1))
    assert not any(c.any for c in report.values())
    with db.session() as s:
        assert s.query(ContentVersion).count() == rows
        assert store.store_version(session=s) == version


def test_import_refuses_what_the_check_refuses(db: Database, root: Path) -> None:
    path = root / "content" / "responses.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\nutter_new:\n  text: It costs €5.\n",
                    encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    assert any("without a source" in p.message for p in refused.value.problems)
    with db.session() as s:
        assert s.query(ContentVersion).count() == 0
        assert store.store_version(session=s) == 0


def test_a_changed_file_imports_as_new_versions_and_a_removed_key_is_removed(
        db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    po = root / "locales" / "ti" / "LC_MESSAGES" / "wegwijs.po"
    from bot.i18n.exchange import read_catalog, write_catalog

    layout, translations = read_catalog(po, "ti")
    translations["utter_greet"].text = "ሰላም! ሎሚ ብኸመይ ክሕግዘኩም?"
    _, sources = read_source(root / "content" / "responses.yml")
    po.write_bytes(write_catalog(layout, "ti", sources, translations))
    report = import_files(db, ContentRepo(root), actor="cli:test", now=NOW + timedelta(minutes=1))
    assert report["ti"].changed == 1 and report["ti"].added == 0
    assert renderer(db, root, clock=lambda: NOW + timedelta(minutes=2)).render(
        "utter_greet", "ti").text.startswith("ሰላም! ሎሚ")
    with db.session() as s:
        store.add_version(session=s, key="utter_gone", locale="ti", state="published", author="t",
                          now=NOW, publish_at=NOW,
                          fields=fields_of(Translation("utter_gone", "Gone", "ጠፊኡ")))
    report = import_files(db, ContentRepo(root), actor="cli:test", now=NOW + timedelta(minutes=3))
    assert report["ti"].removed == 1
    with db.session() as s:
        assert ("utter_gone", "ti") not in store.live_rows(session=s, now=NOW + timedelta(minutes=4))


def test_empty_store_serves_the_files(db: Database, root: Path) -> None:
    r = renderer(db, root).render("utter_greet", "en")
    assert r.text == "Hello! How can I help you today?"


def test_a_published_change_is_live_on_the_next_message_in_every_process(
        db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    one, two = renderer(db, root), renderer(db, root)
    assert one.render("utter_greet", "en").text == two.render("utter_greet", "en").text
    publish(db, "utter_greet", SOURCE, text="Hello! What can I do for you?")
    assert one.render("utter_greet", "en").text == "Hello! What can I do for you?"
    assert two.render("utter_greet", "en").text == "Hello! What can I do for you?"
    # The files are not read any more: a change there is not live until imported.
    path = root / "content" / "responses.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("Hello! How can I help", "Hi! How"),
                    encoding="utf-8")
    assert one.render("utter_greet", "en").text == "Hello! What can I do for you?"


def test_cache_is_kept_until_the_version_changes(db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    published = PublishedContent(db, check_every_s=0, clock=lambda: NOW)
    first = published.snapshot()
    assert published.snapshot() is first
    publish(db, "utter_greet", SOURCE, text="Hi.")
    assert published.snapshot() is not first


def test_a_scheduled_version_goes_live_at_its_time(db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    new_year = datetime(2027, 1, 1, tzinfo=timezone.utc) - timedelta(hours=1)
    clock = [NOW]
    r = renderer(db, root, clock=lambda: clock[0])
    publish(db, "utter_greet", SOURCE, when=new_year, text="Happy new year! How can I help?")
    assert r.render("utter_greet", "en").text == "Hello! How can I help you today?"
    clock[0] = new_year + timedelta(seconds=1)
    assert r.render("utter_greet", "en").text == "Happy new year! How can I help?"


def test_changed_english_falls_back_and_is_counted_until_translated(db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    r = renderer(db, root)
    assert not r.render("utter_greet", "ti").fallback
    publish(db, "utter_greet", SOURCE, text="Hello! What can I do for you?")
    rendered = r.render("utter_greet", "ti")
    assert rendered.fallback and rendered.text == "Hello! What can I do for you?"
    assert r.catalogs.fallback_counts[("ti", "utter_greet")] == 1
    # The export marks the translation "needs review", with the old English beside it.
    export_files(db, ContentRepo(root))
    po = (root / "locales" / "ti" / "LC_MESSAGES" / "wegwijs.po").read_text(encoding="utf-8")
    block = po.split('msgctxt "utter_greet"')[0].rsplit("\n\n", 1)[1]
    assert "#, fuzzy" in block and '#| msgid "Hello! How can I help you today?"' in block


def test_missing_translation_falls_back_to_english_then_dutch(db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    with db.session() as s:
        store.add_version(session=s, key="utter_greet", locale="ti", state="removed", author="t",
                          now=NOW, publish_at=NOW)
        store.bump_version(session=s)
    rendered = renderer(db, root).render("utter_greet", "ti")
    assert rendered.fallback and rendered.text == "Hello! How can I help you today?"


def test_export_of_a_changed_answer_reloads_with_the_same_data(db: Database, root: Path) -> None:
    import_files(db, ContentRepo(root), actor="cli:test", now=NOW)
    # utter_welcome defines the language buttons' anchor that utter_choose_language uses.
    publish(db, "utter_welcome", SOURCE, text="Hello!\n\nWhich language do you want to use?")
    export_files(db, ContentRepo(root))
    _, entries = read_source(root / "content" / "responses.yml")
    assert entries["utter_welcome"].text == "Hello!\n\nWhich language do you want to use?"
    assert entries["utter_choose_language"].buttons == entries["utter_welcome"].buttons
    assert ContentRepo(root).check() == []


def test_write_source_puts_new_keys_at_the_end() -> None:
    layout = {"preamble": "# top\n", "order": ["a"], "leads": {"a": ""}, "trailer": ""}
    text = write_source(layout, {"b": SourceEntry("b", "Bee"), "a": SourceEntry("a", "A", raw="a:\n  text: A\n")})
    assert text == "# top\na:\n  text: A\n\nb:\n  text: Bee\n"


def test_cli_import_and_export_are_audited(db: Database, root: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        assert main(["content", "export", "--root", str(root)]) == 2
        assert "empty" in capsys.readouterr().err
        assert main(["content", "import", "--root", str(root)]) == 0
        assert "source  added" in capsys.readouterr().out
        assert main(["content", "export", "--root", str(root)]) == 0
        assert "already say" in capsys.readouterr().out
        path = root / "content" / "responses.yml"
        path.write_text(path.read_text(encoding="utf-8") + "\nutter_x:\n  text: TODO\n", encoding="utf-8")
        assert main(["content", "import", "--root", str(root)]) == 1
        assert "not written yet" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    with db.session() as s:
        details = [a.detail for a in s.query(StaffAudit).order_by(StaffAudit.id)]
    assert details == ["content export (exit 2)", "content import (exit 0)",
                       "content export (exit 0)", "content import (exit 1)"]


def test_a_facts_review_by_day_is_kept_when_a_fact_has_one() -> None:
    """Facts may carry a review-by day (issue 16 on main): stored, dumped and read back."""
    from types import SimpleNamespace

    from bot.i18n.exchange import entry_from_response

    fact = SimpleNamespace(claim="€400 in 2027", source="https://x.nl", date="2027",
                           review_by="2027-12-01")
    response = SimpleNamespace(key="k", text="T", buttons=(), facts=(fact,), note="",
                               choice_button=None)
    entry = entry_from_response(response)  # type: ignore[arg-type]
    assert entry.facts == [{"claim": "€400 in 2027", "source": "https://x.nl", "date": "2027",
                            "review_by": "2027-12-01"}]
    assert "review_by: '2027-12-01'" in write_source({}, {"k": entry})

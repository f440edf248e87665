"""The ``wegwijs`` command (bot/cli.py) against a fresh database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.db.models import Staff
from bot.db.session import Database
from bot.settings import get_settings

SCHOOLS_CSV = """name,district,address,routes,levels,daytime,evening,weekend,childcare,women_only,online,waiting_weeks,blik_op_werk
Nieuwe School,Noord,Straat 1,b1;z,A1;A2,ja,nee,nee,ja,nee,nee,3,ja
"""


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``main`` with the settings pointing at the test database."""
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "wegwijs_bot")
    get_settings.cache_clear()
    yield main
    get_settings.cache_clear()


def test_seed_then_list_clients(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli(["seed", "--demo"]) == 0
    assert cli(["seed", "--demo"]) == 0  # make run does it on every start
    assert "already loaded" in capsys.readouterr().out
    assert cli(["clients"]) == 0
    out = capsys.readouterr().out
    assert "Amal Hamdan (demo)" in out and "(team queue)" in out


def test_demo_data_only_on_purpose(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli(["seed"]) == 2
    assert "--demo" in capsys.readouterr().err
    with Database(get_settings().database_url).session() as s:
        assert s.query(Staff).count() == 0


def test_no_demo_data_on_a_database_with_real_data(cli, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The old seed added the demo logins (teamlead sees everything) to any database
    without staff rows."""
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert cli(["staff", "add", "anna", "--role", "comms", "--password-stdin"]) == 0
    assert cli(["seed", "--demo"]) == 2
    assert "real data" in capsys.readouterr().err
    with Database(get_settings().database_url).session() as s:
        assert [st.username for st in s.query(Staff)] == ["anna"]


def test_no_demo_data_in_production(cli, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name, value in {"WEGWIJS_ENV": "production", "WEGWIJS_SECRET_KEY": "k" * 40,
                        "WEGWIJS_INTERNAL_TOKEN": "t" * 40, "WEGWIJS_SECURE_COOKIES": "1",
                        "WEGWIJS_PUBLIC_URL": "https://wegwijs.example.amsterdam"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    assert cli(["seed", "--demo"]) == 2
    assert "WEGWIJS_ENV=production" in capsys.readouterr().err
    with Database(get_settings().database_url).session() as s:
        assert s.query(Staff).count() == 0


def test_link_code_prints_the_code_and_the_deep_link(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    cli(["seed", "--demo"])
    capsys.readouterr()
    assert cli(["link-code", "--client", "1"]) == 0
    *_, link_line, code = capsys.readouterr().out.strip().splitlines()
    assert f"https://t.me/wegwijs_bot?start={code}" in link_line
    assert cli(["link-code", "--client", "999"]) == 2


def test_staff_accounts(cli, capsys, monkeypatch, db) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert cli(["staff", "add", "Anna", "--role", "teamlead", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli(["staff", "add", "bob", "--role", "teamlead", "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert cli(["staff", "add", "anna", "--role", "comms", "--password-stdin"]) == 2  # exists
    assert "could not create the account" in capsys.readouterr().err
    assert cli(["staff", "list"]) == 0
    assert "anna" in capsys.readouterr().out
    with db.session() as s:
        assert [st.role for st in s.query(Staff)] == ["teamlead"]


def test_staff_disable_enable_passwd_remove(cli, capsys, monkeypatch, db) -> None:  # type: ignore[no-untyped-def]
    from bot.clock import utcnow
    from bot.db.staff import authenticate

    def login(password: str) -> str:
        with db.session() as s:
            return authenticate(session=s, username="anna", password=password, now=utcnow()).status

    monkeypatch.setattr("sys.stdin", io.StringIO("first-password\n"))
    assert cli(["staff", "add", "anna", "--role", "teamlead", "--password-stdin"]) == 0
    assert login("first-password") == "ok"
    assert cli(["staff", "disable", "anna"]) == 0
    assert login("first-password") == "wrong"  # as if there were no such account
    assert "disabled" in (capsys.readouterr().out + "")
    assert cli(["staff", "list"]) == 0 and "disabled" in capsys.readouterr().out
    assert cli(["staff", "enable", "anna"]) == 0
    assert login("first-password") == "ok"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli(["staff", "passwd", "anna", "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("second-password\n"))
    assert cli(["staff", "passwd", "anna", "--password-stdin"]) == 0
    assert login("first-password") == "wrong" and login("second-password") == "ok"
    assert cli(["staff", "remove", "anna"]) == 0
    assert login("second-password") == "wrong"
    with db.session() as s:
        assert s.query(Staff).count() == 0
    assert cli(["staff", "disable", "nobody"]) == 2
    assert "no staff account nobody" in capsys.readouterr().err


def test_import_schools(cli, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "schools.csv"
    good.write_text(SCHOOLS_CSV, encoding="utf-8")
    assert cli(["import", "schools", str(good)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(SCHOOLS_CSV.replace("Noord", "Amstelveen"), encoding="utf-8")
    assert cli(["import", "schools", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err
    assert cli(["import", "schools", str(tmp_path / "missing.csv")]) == 1


def test_env_and_migrations(cli, capsys, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Alembic's env.py would point the logging at pytest's captured stderr for good.
    monkeypatch.setattr("logging.config.fileConfig", lambda *args, **kwargs: None)
    assert cli(["env"]) == 0
    env = dict(line.split("=", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert env["WEGWIJS_DATABASE_URL"] == db.url and env["WEGWIJS_DB_DIALECT"] == "sqlite"
    assert cli(["db", "upgrade"]) == 0


def test_content_status_needs_no_database(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WEGWIJS_APP_PORT", "not-a-port")  # bad settings do not matter here
    get_settings.cache_clear()
    try:
        assert main(["content", "status", "--format", "json"]) == 0
    finally:
        get_settings.cache_clear()
    assert '"locale"' in capsys.readouterr().out


def test_new_topic_needs_a_topic(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["content", "new-topic"]) == 2


def test_log_id_shows_what_the_logs_show(cli, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.privacy import log_id, set_log_key

    monkeypatch.setenv("WEGWIJS_SECRET_KEY", "the-key-of-this-deployment")
    get_settings.cache_clear()
    assert cli(["log-id", "webchat:abcdefghijabcdefghijabcdefghij12", "telegram:42"]) == 0
    shown = capsys.readouterr().out.split()
    set_log_key("the-key-of-this-deployment")
    try:
        assert shown == [log_id("webchat:abcdefghijabcdefghijabcdefghij12"), log_id("telegram:42")]
        assert shown[0].startswith("webchat#") and "abcdefghij" not in shown[0]
    finally:
        set_log_key("test-secret-key")


def test_staff_and_client_commands_are_in_the_audit_log(cli, capsys, monkeypatch, db) -> None:  # type: ignore[no-untyped-def]
    import getpass

    from bot.db.models import StaffAudit

    monkeypatch.setattr(getpass, "getuser", lambda: "ops")
    assert cli(["seed", "--demo"]) == 0
    assert cli(["staff", "disable", "yonas"]) == 0
    assert cli(["staff", "disable", "nobody"]) == 2
    assert cli(["link-code", "--client", "3"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli(["clients"]) == 0
    assert cli(["env"]) == 0  # not about staff or clients: not in the log
    with db.session() as s:
        rows = [(r.action, r.actor, r.client_id, r.detail) for r in s.query(StaffAudit).order_by(StaffAudit.id)]
    assert rows == [
        ("cli", "cli:ops", None, "staff disable yonas (exit 0)"),
        ("cli", "cli:ops", None, "staff disable nobody (exit 2)"),
        ("cli", "cli:ops", 3, "link-code (exit 0)"),
        ("cli", "cli:ops", None, "clients (exit 0)"),
    ]
    assert code not in str(rows)

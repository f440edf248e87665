"""Settings from the environment (bot/settings.py): types, defaults, one error per bad value."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings, SettingsError


def test_webhook_secret_is_derived_and_valid() -> None:
    s = Settings(secret_key="abc")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", s.webhook_secret)
    assert s.webhook_secret != Settings(secret_key="other").webhook_secret
    assert Settings(telegram_webhook_secret="mine").webhook_secret == "mine"


def test_variables_are_read_typed_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEGWIJS_APP_PORT", "9000")
    monkeypatch.setenv("WEGWIJS_RASA_URL", "http://rasa:5005/")
    monkeypatch.setenv("WEGWIJS_ACTION_URL", "http://actions:5055/webhook")
    monkeypatch.setenv("TELEGRAM_MODE", "Polling")
    monkeypatch.setenv("WEGWIJS_SECURE_COOKIES", "yes")
    monkeypatch.setenv("WEGWIJS_LINK_CODE_TTL_HOURS", "1.5")
    s = Settings.from_env()
    assert (s.app_port, s.rasa_url, s.action_url) == (9000, "http://rasa:5005", "http://actions:5055")
    assert (s.telegram_mode, s.secure_cookies, s.link_code_ttl_hours) == ("polling", True, 1.5)
    assert s.rasa_environment()["WEGWIJS_ACTION_URL"] == "http://actions:5055/webhook"
    assert s.nlg_url == "http://127.0.0.1:9000/nlg" and s.public_url == "http://127.0.0.1:9000"


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEGWIJS_APP_PORT", "SMTP_PORT", "WEGWIJS_DEFAULT_LOCALE", "DATABASE_URL"):
        monkeypatch.setenv(name, "")
    s = Settings.from_env()
    assert (s.app_port, s.smtp_port, s.default_locale) == (8000, 25, "en")
    assert s.database_url.startswith("sqlite:///") and s.db_dialect == "sqlite"


def test_each_bad_value_is_named_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEGWIJS_APP_PORT", "eighty")
    monkeypatch.setenv("TELEGRAM_MODE", "push")
    monkeypatch.setenv("WEGWIJS_SECURE_COOKIES", "maybe")
    monkeypatch.setenv("WEGWIJS_DEFAULT_LOCALE", "de")
    monkeypatch.setenv("WEGWIJS_RASA_URL", "rasa:5005")
    monkeypatch.setenv("SMTP_PORT", "70000")
    with pytest.raises(SettingsError) as err:
        Settings.from_env()
    named = [p.split(":")[0] for p in err.value.problems]
    assert named == ["WEGWIJS_APP_PORT", "WEGWIJS_RASA_URL", "WEGWIJS_DEFAULT_LOCALE",
                     "TELEGRAM_MODE", "WEGWIJS_SECURE_COOKIES", "SMTP_PORT"]
    assert "must be one of webhook, polling" in str(err.value)


def test_the_cli_stops_on_bad_settings(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main
    from bot.settings import get_settings

    monkeypatch.setenv("WEGWIJS_LOG_LEVEL", "LOUD")
    get_settings.cache_clear()
    try:
        assert main(["env"]) == 2
    finally:
        get_settings.cache_clear()
    assert "WEGWIJS_LOG_LEVEL: must be one of" in capsys.readouterr().err


STRONG = "x" * 16 + "7f3a9c2e5b8d1f4a6c0e"  # 36 bytes
PRODUCTION = {
    "WEGWIJS_ENV": "production", "WEGWIJS_SECRET_KEY": STRONG + "s",
    "WEGWIJS_INTERNAL_TOKEN": STRONG + "t", "WEGWIJS_PUBLIC_URL": "https://wegwijs.example.amsterdam",
    "WEGWIJS_SECURE_COOKIES": "1",
}


SECRETS = ("WEGWIJS_SECRET_KEY", "WEGWIJS_INTERNAL_TOKEN", "TELEGRAM_WEBHOOK_SECRET")


def production(monkeypatch: pytest.MonkeyPatch, **changes: str) -> Settings:
    for name, value in {**PRODUCTION, **changes}.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


def test_development_is_the_default_and_lets_everything_pass() -> None:
    s = Settings()
    assert s.env == "development" and not s.production
    assert s.secret_key.startswith("change-me") and not s.secure_cookies


def test_production_with_its_settings_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    s = production(monkeypatch)
    assert s.production and s.public_url == "https://wegwijs.example.amsterdam"


@pytest.mark.parametrize(("variable", "value", "why"), [
    ("WEGWIJS_SECRET_KEY", "", "development value"),
    ("WEGWIJS_SECRET_KEY", "change-me-secret-key", "development value"),
    ("WEGWIJS_SECRET_KEY", "short-but-not-default", "at least 32 bytes"),
    ("WEGWIJS_INTERNAL_TOKEN", "", "development value"),
    ("WEGWIJS_INTERNAL_TOKEN", "test-internal-token", "at least 32 bytes"),
    ("TELEGRAM_WEBHOOK_SECRET", "guessable", "at least 32 bytes"),
    ("WEGWIJS_PUBLIC_URL", "", "https://"),
    ("WEGWIJS_PUBLIC_URL", "http://wegwijs.example.amsterdam", "https://"),
    ("WEGWIJS_SECURE_COOKIES", "0", "Secure"),
    ("WEGWIJS_SECURE_COOKIES", "", "Secure"),
    ("WEGWIJS_CLOCK_OFFSET_FILE", "/tmp/clock", "not allowed in production"),
])
def test_production_refuses_what_is_unsafe(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, why: str) -> None:
    with pytest.raises(SettingsError) as err:
        production(monkeypatch, **{variable: value})
    assert len(err.value.problems) == 1
    line = err.value.problems[0]
    assert line.startswith(f"{variable}: ") and why in line and "\n" not in line
    if value and variable in SECRETS:
        assert value not in line  # a secret is never echoed


def test_production_telegram_webhook_must_be_https(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as err:
        production(monkeypatch, TELEGRAM_TOKEN="123:abc", TELEGRAM_MODE="webhook",
                   TELEGRAM_WEBHOOK_URL="http://wegwijs.example.amsterdam/telegram/webhook")
    assert [p.split(":")[0] for p in err.value.problems] == ["TELEGRAM_WEBHOOK_URL"]


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEGWIJS_ENV", "prod")
    with pytest.raises(SettingsError, match="WEGWIJS_ENV: must be one of development, production"):
        Settings.from_env()

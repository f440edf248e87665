"""Which pages may use the web chat (bot/web/origins.py, WEGWIJS_ALLOWED_ORIGINS)."""

from __future__ import annotations

import logging

import pytest

from bot.settings import Settings, SettingsError
from bot.web.origins import OriginCheck


def test_the_public_origin_and_the_configured_ones_are_allowed() -> None:
    s = Settings(public_url_setting="https://wegwijs.example.nl/chat",
                 allowed_origins_setting=" https://www.Amsterdam.nl ,https://wonen.example.nl:8443,")
    assert s.allowed_origins == ("https://wegwijs.example.nl", "https://www.amsterdam.nl",
                                 "https://wonen.example.nl:8443")
    check = OriginCheck(s)
    for origin in ("https://wegwijs.example.nl", "https://www.amsterdam.nl",
                   "https://WWW.amsterdam.nl:443", "https://wonen.example.nl:8443", None):
        assert check(origin), origin
    for origin in ("http://www.amsterdam.nl", "https://www.amsterdam.nl.evil.example",
                   "https://evil.example", "https://wonen.example.nl", "null", "",
                   "https://www.amsterdam.nl/path", "*"):
        assert not check(origin), origin


def test_development_allows_the_loopback_names_of_the_own_port() -> None:
    check = OriginCheck(Settings(app_port=8123))
    assert check("http://127.0.0.1:8123") and check("http://localhost:8123")
    assert not check("http://localhost:8124") and not check("http://127.0.0.1:3000")


def test_a_refused_origin_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    check = OriginCheck(Settings())
    with caplog.at_level(logging.WARNING, logger="bot.web.origins"):
        for _ in range(3):
            assert not check("https://evil.example")
        assert not check("https://other.example\nfake log line")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "'https://evil.example'" in lines[0]
    assert "\n" not in lines[1]  # repr: a crafted origin cannot forge a log line


@pytest.mark.parametrize("value", ["*", "www.amsterdam.nl", "https://www.amsterdam.nl/chat",
                                   "ftp://a.nl", "https://user@a.nl"])
def test_what_is_not_an_origin_is_refused_by_name(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEGWIJS_ALLOWED_ORIGINS", f"https://ok.example.nl,{value}")
    with pytest.raises(SettingsError) as err:
        Settings.from_env()
    assert str(err.value).startswith("WEGWIJS_ALLOWED_ORIGINS:")


def test_production_allows_https_origins_only() -> None:
    s = Settings(env="production", public_url_setting="https://wegwijs.example.nl",
                 allowed_origins_setting="https://www.amsterdam.nl,http://intranet.example.nl")
    problems = [p for p in s.production_problems() if p.startswith("WEGWIJS_ALLOWED_ORIGINS")]
    assert problems and "http://intranet.example.nl" in problems[0]
    assert "www.amsterdam.nl" not in problems[0]

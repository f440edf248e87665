"""Production mode through the real processes: with WEGWIJS_ENV=production each of the
three refuses to start on unsafe settings — a non-zero exit and one line naming each
setting — and starts with safe ones (the staff cookie then Secure)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from harness.stack import BIN, ROOT, free_port
from harness.waiting import eventually_sync

pytestmark = pytest.mark.stack

SAFE = {
    "WEGWIJS_ENV": "production",
    "WEGWIJS_SECRET_KEY": "3b1f9c0e7a5d4c2b8e6f1a0d9c7b5e3f2a1c0b9d8e7f6a5b",
    "WEGWIJS_INTERNAL_TOKEN": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f",
    "WEGWIJS_PUBLIC_URL": "https://wegwijs.example.amsterdam",
    "WEGWIJS_SECURE_COOKIES": "1",
    "TELEGRAM_TOKEN": "",
    "SMTP_HOST": "",
}


def environment(tmp_path: Path, **changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEGWIJS_", "TELEGRAM_"))}
    env.update(SAFE, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
               WEGWIJS_APP_PORT=str(free_port()), **changes)
    return env


def serve(process: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "wegwijs"), "serve", process], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("process", "variable", "value"), [
    ("app", "WEGWIJS_PUBLIC_URL", "http://wegwijs.example.amsterdam"),
    ("app", "WEGWIJS_SECURE_COOKIES", "0"),
    ("rasa", "WEGWIJS_SECRET_KEY", "change-me-secret-key"),
    ("rasa", "WEGWIJS_INTERNAL_TOKEN", "short-token"),
    ("actions", "WEGWIJS_SECRET_KEY", ""),
    ("actions", "WEGWIJS_PUBLIC_URL", ""),
])
def test_each_process_refuses_unsafe_settings(tmp_path: Path, process: str, variable: str, value: str) -> None:
    done = serve(process, environment(tmp_path, **{variable: value}))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{variable}: "), done.stderr
    if value and ("SECRET" in variable or "TOKEN" in variable):
        assert value not in done.stderr


@pytest.mark.parametrize("argv", [
    ["python", "-m", "bot.rasa_main", "run"],
    ["python", "-m", "bot.actions_main", "--actions", "actions"],
    ["uvicorn", "bot.web.app:create_app", "--factory", "--ws", "wsproto"],
], ids=["rasa_main", "actions_main", "uvicorn"])
def test_started_without_wegwijs_serve_too(tmp_path: Path, argv: list[str]) -> None:
    """The entry points the processes run check the same, for whoever starts one by hand."""
    env = environment(tmp_path, WEGWIJS_SECRET_KEY="change-me-secret-key")
    done = subprocess.run([str(BIN / argv[0]), *argv[1:]], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert [line for line in done.stderr.splitlines() if line.startswith("WEGWIJS_")] == [
        line for line in done.stderr.splitlines() if "WEGWIJS_SECRET_KEY: " in line]
    assert "WEGWIJS_SECRET_KEY: the development value" in done.stderr


def test_every_unsafe_setting_gets_its_own_line(tmp_path: Path) -> None:
    done = serve("app", environment(tmp_path, WEGWIJS_SECRET_KEY="", WEGWIJS_INTERNAL_TOKEN="",
                                    WEGWIJS_PUBLIC_URL="", WEGWIJS_SECURE_COOKIES=""))
    assert done.returncode != 0
    named = [line.split(":")[0] for line in done.stderr.strip().splitlines()]
    assert named == ["WEGWIJS_SECRET_KEY", "WEGWIJS_INTERNAL_TOKEN", "WEGWIJS_PUBLIC_URL",
                     "WEGWIJS_SECURE_COOKIES"]


def test_with_safe_settings_the_app_starts_with_secure_cookies(tmp_path: Path) -> None:
    env = environment(tmp_path)
    subprocess.run([str(BIN / "wegwijs"), "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    seeded = subprocess.run([str(BIN / "wegwijs"), "seed", "--demo"], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    assert seeded.returncode != 0 and "WEGWIJS_ENV=production" in seeded.stderr
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen([str(BIN / "wegwijs"), "serve", "app"], env=env, cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{env['WEGWIJS_APP_PORT']}"
    try:
        def answers() -> httpx.Response | None:
            assert app.poll() is None, (tmp_path / "app.log").read_text()
            try:
                return httpx.get(f"{url}/inbox/login", timeout=5)
            except httpx.HTTPError:
                return None

        page = eventually_sync(answers, timeout=90, interval=0.5, what="the production app")
        cookie = page.headers["set-cookie"].lower()
        assert "wegwijs_staff=" in cookie and "secure" in cookie and "samesite=strict" in cookie
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(timeout=20)

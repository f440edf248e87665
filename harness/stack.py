"""Start the real processes (Rasa, action server, app) on free ports for tests and bench."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.waiting import eventually_sync

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    workdir: Path
    locales_dir: Path | None = None
    content_path: Path | None = None
    ports: dict[str, int] = field(default_factory=dict)
    # More environment for every process (e.g. the Telegram settings).
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = {"app": free_port(), "rasa": free_port(), "actions": free_port()}
        self.database_url = f"sqlite:///{self.workdir / 'wegwijs.db'}"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "WEGWIJS_APP_PORT": str(self.ports["app"]),
                "WEGWIJS_RASA_URL": f"http://127.0.0.1:{self.ports['rasa']}",
                "WEGWIJS_ACTION_URL": f"http://127.0.0.1:{self.ports['actions']}/webhook",
                "WEGWIJS_INTERNAL_TOKEN": "test-internal-token",
                "WEGWIJS_SECRET_KEY": "test-secret-key",
                "DATABASE_URL": self.database_url,
                "WEGWIJS_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.locales_dir:
            env["WEGWIJS_LOCALES_DIR"] = str(self.locales_dir)
        if self.content_path:
            env["WEGWIJS_CONTENT_PATH"] = str(self.content_path)
        env.update(self.extra_env)
        return env

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['app']}"

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def cli(self, *args: str) -> str:
        """Run a ``wegwijs`` command against this stack's database; returns its output."""
        done = subprocess.run(
            [str(BIN / "wegwijs"), *args], env=self.env, check=True, cwd=ROOT,
            capture_output=True, text=True,
        )
        return done.stdout

    def migrate(self) -> None:
        self.cli("db", "upgrade")
        self.cli("seed", "--demo")

    def start_process(
        self, name: str, process: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        """``wegwijs serve <process>`` under ``name`` (a second app, say), with more env."""
        fh = self.log(name).open("ab")
        self.procs[name] = subprocess.Popen(
            [str(BIN / "wegwijs"), "serve", process or name],
            env={**self.env, **(env or {})},
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop_process(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def start(self, timeout_s: float = 240) -> float:
        """Start all three and wait until /healthz is green; returns seconds it took."""
        began = time.monotonic()
        self.migrate()
        for name in ("actions", "rasa", "app"):
            self.start_process(name)
        self.wait_healthy(timeout_s)
        return time.monotonic() - began

    def wait_healthy(self, timeout_s: float = 240) -> None:
        eventually_sync(self._healthy, timeout=timeout_s, interval=1.0, what="a healthy stack")

    def health(self, port: int | None = None) -> dict | None:
        """The app's /healthz answer (any status), or None while it cannot be reached."""
        try:
            return httpx.get(f"http://127.0.0.1:{port or self.ports['app']}/healthz", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return None

    def _healthy(self) -> bool:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.log(name).read_text()[-3000:]}")
        health = self.health()
        return bool(health and health.get("status") == "ok")

    def stop(self) -> None:
        for name in list(self.procs):
            self.stop_process(name)

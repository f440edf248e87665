"""Start the real processes (Rasa, action server, app) on free ports for tests and bench.

:class:`Stack` starts each process itself; :class:`SupervisedStack` starts them the way
``make run`` does, under supervisord with the repository's ``supervisord.conf``, so a test
can kill one (``kill -9``) and watch it come back by itself.
"""

from __future__ import annotations

import os
import shutil
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


# The bearer token of GET /metrics in every test stack.
METRICS_TOKEN = "test-metrics-token"


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
                "WEGWIJS_METRICS_TOKEN": METRICS_TOKEN,
                "DATABASE_URL": self.database_url,
                "WEGWIJS_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
                # Every test user and the bench come from 127.0.0.1, many at once: the
                # abuse limits are far off here (tests of the limits set their own).
                "WEGWIJS_LIMIT_MESSAGES_PER_CONVERSATION": "100000",
                "WEGWIJS_LIMIT_MESSAGES_PER_IP": "100000",
                "WEGWIJS_LIMIT_SESSIONS_PER_IP": "100000",
                "WEGWIJS_LIMIT_HANDOFFS_PER_UNLINKED_CONVERSATION": "100000",
                "WEGWIJS_LIMIT_TEAMLEAD_NOTICES": "100000",
                "WEGWIJS_LIMIT_LOGIN_FAILURES_PER_IP": "100000",
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

    def metrics(self, part: str = "app") -> str:
        """The exposition of ``GET /metrics`` of the app or the action server (``actions``)."""
        resp = httpx.get(f"http://127.0.0.1:{self.ports[part]}/metrics", timeout=10,
                         headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        resp.raise_for_status()
        return resp.text

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


SUPERVISED = ("actions", "rasa", "app")


@dataclass
class SupervisedStack(Stack):
    """The three processes under supervisord (``supervisord.conf``, as ``make run``).

    ``stop_process``/``start_process`` of rasa, actions and app go through supervisorctl;
    any other name (a second app) is started as in :class:`Stack`. Every process writes
    to ``stack.log`` (with supervisord's own lines: exits, spawns, state changes).
    """

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "WEGWIJS_RUN_DIR": str(self.workdir)}

    def log(self, name: str) -> Path:
        supervised = name in SUPERVISED or name == "supervisord"
        return self.workdir / ("stack.log" if supervised else f"{name}.log")

    def start(self, timeout_s: float = 240) -> float:
        began = time.monotonic()
        self.migrate()
        fh = (self.workdir / "stack.log").open("ab")
        self.procs["supervisord"] = subprocess.Popen(
            [str(BIN / "supervisord"), "-n", "-c", str(ROOT / "supervisord.conf")],
            env=self.env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_healthy(timeout_s)
        return time.monotonic() - began

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "supervisorctl"), "-c", str(ROOT / "supervisord.conf"), *args],
            env=self.env, cwd=ROOT, capture_output=True, text=True,
        )
        return done.stdout

    def pid(self, name: str) -> int:
        """The pid of a supervised process (0 while it is not running)."""
        out = self.ctl("pid", name).strip()
        return int(out) if out.isdigit() else 0

    def kill(self, name: str) -> int:
        """``kill -9`` a supervised process, as a crash or the OOM killer would; its pid."""
        pid = self.pid(name)
        if not pid:
            raise RuntimeError(f"{name} is not running: {self.ctl('status')}")
        os.kill(pid, signal.SIGKILL)
        return pid

    def start_process(
        self, name: str, process: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        if name in SUPERVISED and process is None and env is None:
            self.ctl("start", name)
        else:
            super().start_process(name, process, env)

    def stop_process(self, name: str) -> None:
        if name in SUPERVISED:
            self.ctl("stop", name)
        else:
            super().stop_process(name)

    def stop(self) -> None:
        for name in [n for n in self.procs if n != "supervisord"]:
            super().stop_process(name)
        # SIGTERM: supervisord stops the three (SIGTERM each, SIGKILL after stopwaitsecs).
        super().stop_process("supervisord")


def content_copies(workdir: Path) -> tuple[Path, Path]:
    """(responses.yml, locales dir): copies of the content and the catalogs in ``workdir``
    (the term base, the editor's titles and the glossary beside responses.yml), which a test
    may edit."""
    locales = workdir / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    for name in ("responses.yml", "terms.yml", "topics.yml", "glossary.yml"):
        shutil.copy(ROOT / "content" / name, workdir / name)
    return workdir / "responses.yml", locales


def content_stack(
    workdir: Path,
    *,
    comms_roles: tuple[str, ...] = ("editor",),
    translators: dict[str, str] | None = None,
    with_rasa: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Stack:
    """A stack for the content editor's browser tests, started and answering: copies of the
    catalogs and the content files in ``workdir``, a migrated database with the demo data and
    the content imported into the store, the demo user 'comms' with ``comms_roles``, a
    translator per ``translators`` (user -> locale, password '<user>-test-2026'), and the app
    — with Rasa and the action server too when ``with_rasa``. The caller stops it."""
    content, locales = content_copies(workdir)
    s = Stack(workdir, locales_dir=locales, content_path=content, extra_env=dict(extra_env or {}))
    s.migrate()
    s.cli("content", "import", "--root", str(ROOT))
    for user, locale in (translators or {}).items():
        subprocess.run([str(BIN / "wegwijs"), "staff", "add", user, "--role", "comms",
                        "--name", user.title(), "--password-stdin"], input=f"{user}-test-2026\n",
                       env=s.env, cwd=ROOT, check=True, capture_output=True, text=True)
        s.cli("staff", "roles", user, f"translator:{locale}")
    s.cli("staff", "roles", "comms", *comms_roles)
    try:
        if with_rasa:
            for name in ("actions", "rasa", "app"):
                s.start_process(name)
            s.wait_healthy()
        else:
            s.start_process("app")
            eventually_sync(lambda: _answers(f"{s.app_url}/inbox/login"), timeout=120,
                            interval=1.0, what="the app")
    except BaseException:
        s.stop()
        raise
    return s


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False

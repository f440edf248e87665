"""How Wegwijs is run: supervisord for `make run` (supervisord.conf) and the systemd units
and nginx site of deploy/. Each process is restarted when it exits, with backoff, and is
started by a command that exists."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli import main as wegwijs

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ("rasa", "actions", "app")
UNITS = ROOT / "deploy" / "systemd"


def read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def serve_command_exists(process: str) -> None:
    """`wegwijs serve <process>` parses (the console script is in pyproject.toml)."""
    assert 'wegwijs = "bot.cli:main"' in (ROOT / "pyproject.toml").read_text()
    with pytest.raises(SystemExit) as exc:
        wegwijs(["serve", process, "--help"])
    assert exc.value.code == 0


# supervisord (make run) -----------------------------------------------------------------


def test_make_run_starts_the_three_under_supervisord_not_honcho() -> None:
    run = re.search(r"^run:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S)
    assert run and "supervisord -n -c supervisord.conf" in run.group(0)
    assert "honcho" not in (ROOT / "pyproject.toml").read_text()
    assert not (ROOT / "Procfile").exists()


@pytest.mark.parametrize("process", PROCESSES)
def test_supervisord_restarts_each_process_with_backoff(process: str) -> None:
    conf = read_ini(ROOT / "supervisord.conf")
    program = conf[f"program:{process}"]
    assert program["command"] == f"%(here)s/.venv/bin/wegwijs serve {process}"
    assert program["autorestart"] == "true"
    # supervisord's backoff (a growing delay) while it fails to start, many times over.
    assert int(program["startretries"]) >= 100
    assert program["stopsignal"] == "TERM" and program["stopasgroup"] == "true"
    serve_command_exists(process)


def test_supervisord_accepts_its_configuration(tmp_path: Path) -> None:
    """supervisord's own parser reads the file (the variables `make run` sets)."""
    from supervisor.options import ServerOptions

    options = ServerOptions()
    options.environ_expansions = {"ENV_WEGWIJS_RUN_DIR": str(tmp_path)}
    options.configfile = str(ROOT / "supervisord.conf")
    options.here = str(ROOT)
    options.process_config(do_usage=False)
    names = {group.name for group in options.process_group_configs}
    assert names == set(PROCESSES)


# systemd --------------------------------------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES)
def test_each_systemd_unit_restarts_always_with_limits_and_the_env_file(process: str) -> None:
    unit = read_ini(UNITS / f"wegwijs-{process}.service")
    service = unit["Service"]
    assert service["Restart"] == "always"
    assert service["RestartSec"]
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # never gives up
    assert service["EnvironmentFile"] == "/etc/wegwijs/env"
    assert service["User"] == "wegwijs" and service["Group"] == "wegwijs"
    assert service["MemoryMax"] and service["MemoryHigh"]
    assert service["ExecStart"] == f"/opt/wegwijs/.venv/bin/wegwijs serve {process}"
    assert unit["Unit"]["PartOf"] == "wegwijs.target"
    assert unit["Install"]["WantedBy"] == "wegwijs.target"
    serve_command_exists(process)


def test_the_target_starts_all_three() -> None:
    target = read_ini(UNITS / "wegwijs.target")
    assert set(target["Unit"]["Wants"].split()) == {f"wegwijs-{p}.service" for p in PROCESSES}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verify_finds_no_error(tmp_path: Path) -> None:
    """The units as systemd reads them, with ExecStart pointing at this checkout."""
    wegwijs_bin = Path(shutil.which("wegwijs") or ROOT / ".venv" / "bin" / "wegwijs")
    for path in UNITS.iterdir():
        text = path.read_text().replace("/opt/wegwijs/.venv/bin/wegwijs", str(wegwijs_bin))
        (tmp_path / path.name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True,
    )
    # Only what an older systemd does not know yet may be mentioned (RestartSteps and
    # RestartMaxDelaySec came in systemd 254).
    allowed = ("Unknown key 'RestartSteps'", "Unknown key 'RestartMaxDelaySec'")
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and not any(a in line for a in allowed)]
    assert not problems, done.stdout + done.stderr


def test_nginx_site_keeps_metrics_and_nlg_internal() -> None:
    conf = (ROOT / "deploy" / "nginx" / "wegwijs.conf").read_text()
    for path in ("/nlg", "/metrics"):
        assert f"location = {path} {{\n        return 404;" in conf


def test_nginx_site_passes_the_socketio_upgrade() -> None:
    site = (ROOT / "deploy" / "nginx" / "wegwijs.conf").read_text()
    socketio = site[site.index("location /socket.io/"):]
    socketio = socketio[: socketio.index("}")]
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio
    assert "proxy_set_header Connection $connection_upgrade;" in socketio
    assert "proxy_http_version 1.1;" in socketio
    assert "proxy_pass http://wegwijs_app;" in socketio
    assert "server 127.0.0.1:8000;" in site

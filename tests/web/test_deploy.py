"""deploy/: what can be checked without a Docker engine or a running systemd.

The systemd unit passes `systemd-analyze verify` (where installed); the compose file has PostgreSQL, the
web server and two workers sharing evidence but not keys, all three with the settings production needs;
the Dockerfile builds on Debian's Python from the lock file and runs what compose and systemd run.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_database_web_and_two_workers() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "web", "worker"}
    assert services["db"]["image"].startswith("postgres:15")
    web, worker = services["web"], services["worker"]
    assert web["command"][:2] == ["hotline", "serve"] and "--task-workers" in web["command"]
    assert worker["command"] == ["hotline", "worker"] and worker["deploy"]["replicas"] == 2
    for service in (web, worker):
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert {"HOTLINE_SECRET_KEY", "HOTLINE_ALLOWED_HOSTS", "HOTLINE_DATA_DIR", "HOTLINE_KEY_FILE"} <= set(env)
        mounts = dict(v.split(":", 1) for v in service["volumes"])
        assert mounts == {"data": env["HOTLINE_DATA_DIR"], "keys": str(Path(env["HOTLINE_KEY_FILE"]).parent)}
        assert service["stop_signal"] == "SIGTERM" and service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert set(_compose()["volumes"]) == {"pgdata", "data", "keys"}


def test_dockerfile_uses_debian_python_the_lock_and_the_same_command() -> None:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    assert next(x for x in lines if x.startswith("FROM")) == "FROM debian:12-slim"
    text = "\n".join(lines)
    assert "python3-venv" in text and "-r requirements.lock" in text and "--no-deps ." in text
    assert "DJANGO_SETTINGS_MODULE=hotline.web.settings.prod" in text and "USER hotline" in text
    cmd = next(x for x in lines if x.startswith("CMD ["))
    assert yaml.safe_load(cmd[4:]) == _compose()["services"]["web"]["command"]
    for copied in ("requirements.lock", "pyproject.toml", "README.md", "hotline"):
        assert (DEPLOY.parent / copied).exists()


def test_every_command_the_deploy_files_run_is_a_hotline_command() -> None:
    unit = (DEPLOY / "hotline.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    commands = [shlex.split(exec_start.split("=", 1)[1])[1:],
                _compose()["services"]["web"]["command"][1:], _compose()["services"]["worker"]["command"][1:]]
    for argv in commands:
        run = subprocess.run([sys.executable, "-m", "hotline", *argv[:1], "--help"], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        for option in (a for a in argv if a.startswith("--")):
            assert option in run.stdout, f"{option} is not an option of hotline {argv[0]}"


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    hotline = Path(sys.executable).parent / "hotline"
    if not hotline.exists():
        pytest.skip("the hotline command is not installed beside this Python")
    unit = (DEPLOY / "hotline.service").read_text().replace("/opt/hotline/.venv/bin/hotline", str(hotline))
    (tmp_path / "hotline.service").write_text(unit)
    run = subprocess.run([analyze, "verify", str(tmp_path / "hotline.service")], capture_output=True, text=True)
    problems = [line for line in (run.stdout + run.stderr).splitlines()
                if "hotline.service" in line and "user" not in line.lower()]
    assert run.returncode == 0 or not problems, run.stdout + run.stderr
    assert not problems, problems

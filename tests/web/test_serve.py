"""`hotline serve` on a fresh data folder: prepares everything, serves real HTTP through gunicorn with the
background worker, and stops both cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, deadline: float) -> tuple[int, str]:
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError as exc:
            last = exc
            time.sleep(0.3)
    raise AssertionError(f"server did not answer {url}: {last}")


def test_serve_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["HOTLINE_DATA_DIR"] = str(tmp_path / "var")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "serve", "--port", str(port), "--workers", "2", "--demo"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        status, html = _get(f"http://127.0.0.1:{port}/km/", time.monotonic() + 90)
        assert status == 200 and 'lang="km"' in html
        status, html = _get(f"http://127.0.0.1:{port}/en/report/", time.monotonic() + 10)
        assert status == 200 and "Never upload sexual images of a child" in html
        assert (tmp_path / "var" / "hotline.sqlite3").exists()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text
    assert "demo-analyst" in text and "/admin-2fa/enrol/" in text  # printed once, on the first run
    # Both children are gone: nothing listens on the port any more.
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(1)
        s.connect(("127.0.0.1", port))
    # A second run on the same folder is safe and does not print the enrolment link again.
    again = subprocess.run(
        [sys.executable, "-m", "hotline", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert again.returncode == 0 and "already present" in again.stdout

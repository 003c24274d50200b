"""`hotline backup` of a running instance, `hotline restore` into an empty folder with the keys supplied
apart: the report reads back with its PIN and its evidence decrypts to the same bytes."""

from __future__ import annotations

import json
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

CHAT = b"12/03/2024, 20:01 - Dara: hi\n12/03/2024, 20:02 - Dara: dont tell your parents about me ok\n"
READ_BACK = """
import json, sys
from hotline.web.reports.services import find_report
from hotline.web.reports.storage import read_evidence
report = find_report(sys.argv[1], sys.argv[2])
print(json.dumps({"found": report is not None,
                  "evidence": [read_evidence(e).decode() for e in report.evidence.all()] if report else []}))
"""
SEND = """
import json
from hotline.web.reports.services import create_report
r = create_report(category="grooming", platform="whatsapp", description="backup test",
                  files=[(%r, "WhatsApp Chat with Dara.txt")])
print(json.dumps({"code": r.tracking_code, "pin": r.pin}))
"""


def _hotline(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, "-m", "hotline", *args], env=env, capture_output=True, text=True,
                         timeout=180)
    if check:
        assert run.returncode == 0, run.stdout + run.stderr
    return run


def _last_json(text: str) -> dict:
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


def _env(data: Path, keys: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.update(HOTLINE_DATA_DIR=str(data), HOTLINE_KEY_FILE=str(keys))
    return env


def test_backup_of_a_running_site_restores_elsewhere_with_the_keys_apart(tmp_path: Path) -> None:
    env = _env(tmp_path / "live", tmp_path / "live-keys" / "hotline.keys")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site = subprocess.Popen([sys.executable, "-m", "hotline", "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the site did not start"
                time.sleep(0.5)
        sent = _last_json(_hotline(env, "manage", "shell", "-v", "0", "-c", SEND % CHAT).stdout)
        _hotline(env, "backup", str(tmp_path / "backup"))  # while the site runs
    finally:
        site.send_signal(signal.SIGTERM)
        site.wait(timeout=60)

    backup = tmp_path / "backup"
    # The key file: where HOTLINE_KEY_FILE put it, or in the data folder's default place.
    live_keys = next(p for p in (tmp_path / "live-keys" / "hotline.keys", tmp_path / "live" / "evidence.key")
                     if p.exists())
    key_text = live_keys.read_text().strip()
    fernet = [k["key"] for k in json.loads(key_text)["fernet"]] if key_text.startswith("{") else [key_text]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["reports"] == 1 and manifest["evidence_files"] == 1 and manifest["key_fingerprints"]
    everything = b"".join(p.read_bytes() for p in backup.rglob("*") if p.is_file())
    assert all(key.encode() not in everything for key in fernet)  # no key in the backup
    assert CHAT not in everything  # the evidence stays encrypted

    restored = _env(tmp_path / "restored", tmp_path / "restored-keys" / "hotline.keys")
    refused = _hotline(restored, "restore", str(backup), check=False)  # no keys supplied: refused, clearly
    assert refused.returncode == 2 and "keys" in refused.stderr and "Traceback" not in refused.stderr
    wrong = tmp_path / "wrong.keys"
    wrong.write_text(json.dumps({"fernet": [{"id": "f1", "key": "A" * 43 + "="}], "hmac": [], "salt_seed": ""}))
    refused = _hotline(restored, "restore", str(backup), "--keys", str(wrong), check=False)
    assert refused.returncode == 2 and "does not hold the keys" in refused.stderr

    _hotline(restored, "restore", str(backup), "--keys", str(live_keys))
    read = _last_json(_read_back(restored, sent["code"], sent["pin"]))
    assert read == {"found": True, "evidence": [CHAT.decode()]}
    again = _hotline(restored, "restore", str(backup), "--keys", str(live_keys),
                     check=False)
    assert again.returncode == 2 and "already holds data" in again.stderr


def _read_back(env: dict[str, str], code: str, pin: str) -> str:
    script = ("import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hotline.web.settings.local'); "
              "django.setup()\n" + READ_BACK)
    run = subprocess.run([sys.executable, "-c", script, code, pin], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout

"""Nothing a reporter or an analyst writes about a person is readable at rest.

A real site (the embedded default, in a fresh data folder, keys in a separate folder; or PostgreSQL when
DATABASE_URL says so) takes a report through the web form with a unique marker in every free-text field,
a second report sharing its link (so that duplicate linking runs), information added from the status
page, and staff actions (a status note to the reporter, forwarding, a removal). After a WAL checkpoint
and VACUUM, no marker is in the database file or its -wal, in the decoded session and cache tables, in a
PostgreSQL dump, anywhere in the data folder (evidence included), or in the process's log output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO

FIELDS = ("description", "offender_name", "profile", "contact", "url", "note", "status_note", "recipient",
          "reference", "removal", "filename")

SCRIPT = r'''
import json, os, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from hotline.web.cases import services as cases
from hotline.web.reports import services
from hotline.web.reports.models import Report

m = json.loads(sys.argv[1])
url = f"https://example.com/{m['url']}/post"
client = Client()
page = client.get("/en/report/")
chat = ("01/03/2024, 20:01 - A: hello " + m["description"] + "\n").encode()
from django.core.files.uploadedfile import SimpleUploadedFile
response = client.post("/en/report/", {
    "urls": url, "category": "grooming", "platform": "facebook", "description": m["description"],
    "offender_name": m["offender_name"], "offender_profile_url": f"https://example.com/{m['profile']}",
    "offender_nationality": "KH", "reporter_type": "self", "victim_age_band": "13_15", "contact": m["contact"],
    "files": SimpleUploadedFile(m["filename"] + ".txt", chat, content_type="text/plain"),
})
assert response.status_code == 302, response.status_code
thanks = client.get(response["Location"]).content.decode()
report = Report.objects.get()
receipt = services.create_report(category="grooming", platform="facebook", urls=[url], description="other")
services.add_reporter_info(report, m["note"])
user = User.objects.create_superuser("boss", "", "a long password 123")
cases.change_status(report, "in_review", user, public_note=m["status_note"])
cases.record_forwarding(report, user, recipient="platform", recipient_name=m["recipient"], reference=m["reference"])
cases.record_removal(report, user, url=f"https://example.com/{m['removal']}")
from hotline.web.cases.models import ReportLink
assert ReportLink.objects.count() >= 1, "the two reports were not linked"
# What the site shows staff is still the clear text.
fresh = Report.objects.get(pk=report.pk)
assert fresh.description == m["description"] and fresh.contact == m["contact"]
from django.db import connection
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
# Sessions and cache entries are encoded: decode them and print what they hold, for the test to search.
from django.contrib.sessions.models import Session
out = [json.dumps(s.get_decoded()) for s in Session.objects.all()]
from django.core.cache import cache
from django.conf import settings
import base64, pickle
table = settings.CACHES["default"].get("LOCATION") if "db" in settings.CACHES["default"]["BACKEND"] else None
if table:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {connection.ops.quote_name(table)}")
        for (value,) in cursor.fetchall():
            out.append(repr(pickle.loads(base64.b64decode(value))))
print("DECODED:" + json.dumps(out))
'''


@pytest.mark.django_db
def test_no_marker_at_rest(tmp_path: Path) -> None:
    markers = {field: f"zq{field[:3]}{uuid.uuid4().hex[:12]}" for field in FIELDS}
    data_dir, key_dir = tmp_path / "data", tmp_path / "keys"
    env = {**os.environ, "HOTLINE_DATA_DIR": str(data_dir), "HOTLINE_KEY_FILE": str(key_dir / "hotline.keys"),
           "DJANGO_SETTINGS_MODULE": "hotline.web.settings.local", "PYTHONPATH": str(REPO),
           "HOTLINE_ALLOWED_HOSTS": "testserver"}
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url:
        # A database of its own on the same server, so that pytest's test database is left alone.
        name = f"hotline_leak_{uuid.uuid4().hex[:8]}"
        _psql(database_url, f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + "/" + name
    import json

    try:
        run = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(markers)], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        decoded = run.stdout.split("DECODED:", 1)[1]
        logs = run.stdout.split("DECODED:", 1)[0] + run.stderr
        dump = _pg_dump(env["DATABASE_URL"]) if database_url else b""
    finally:
        if database_url:
            _psql(database_url, f"DROP DATABASE IF EXISTS {name}")
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".sqlite3") for p in files) or database_url
    contents = {path.relative_to(data_dir): path.read_bytes() for path in files}
    leaks = [f"{field} in {where}" for field, marker in markers.items() for where, text in (
        *((str(name), data) for name, data in contents.items()), ("the session or cache table", decoded.encode()),
        ("the log output", logs.encode()), ("the PostgreSQL dump", dump)) if marker.encode() in text]
    assert leaks == []


def _psql(url: str, sql: str) -> None:
    """Run `sql` on the server of `url`, connected to its maintenance database."""
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _pg_dump(url: str) -> bytes:
    pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
    if not Path(pg_dump).exists():
        pytest.fail("pg_dump is not installed (postgresql-client)")
    return subprocess.run([pg_dump, "--no-owner", url], capture_output=True, check=True, timeout=120).stdout

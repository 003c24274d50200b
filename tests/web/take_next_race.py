"""Analysts pressing "Take next" at the same moment, each in a thread with its own database connection.

Run in-process on PostgreSQL; on SQLite the test runs this module as a program against a file database
(the test database is an in-memory one shared between threads, which locks instead of waiting):

    HOTLINE_DATA_DIR=/tmp/x DJANGO_SETTINGS_MODULE=hotline.web.settings.local python -m tests.web.take_next_race
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

ANALYSTS = 4
PRESSES = 3


def prepare() -> list[Any]:
    """Unassigned reports and the analysts who race for them."""
    from hotline.web.cases import workload
    from hotline.web.cases.models import Case
    from hotline.web.reports.models import Report
    from hotline.web.staff.accounts import create_account

    workload.generate(30)
    Report.objects.update(status="received")
    Case.objects.update(analyst=None)
    return [create_account(f"racer-{i}", "analyst")[0] for i in range(ANALYSTS)]


def race(analysts: list[Any]) -> dict[str, Any]:
    """Every analyst presses PRESSES times once all are ready; returns who got which report, and the
    assignments as the database holds them afterwards."""
    from django.db import connections
    from django.test import Client

    from hotline.web.cases.models import AuditEvent, Case
    from hotline.web.staff.second_factor import SESSION_KEY

    barrier = threading.Barrier(len(analysts))
    taken: dict[str, list[int]] = {}
    errors: list[str] = []

    def press(user: Any) -> None:
        try:
            client = Client()
            client.force_login(user)
            session = client.session
            session[SESSION_KEY] = True
            session.save()
            barrier.wait(timeout=60)
            got = []
            for _ in range(PRESSES):
                response = client.post("/en/staff/next/")
                if response.status_code != 302 or "/staff/reports/" not in response["Location"]:
                    errors.append(f"{user.username}: HTTP {response.status_code}")
                    continue
                got.append(int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
            taken[str(user.pk)] = got
        except Exception as exc:  # reported to the test
            errors.append(f"{user.username}: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(u,)) for u in analysts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    held = {str(pk): analyst for pk, analyst in Case.objects.filter(analyst__isnull=False)
            .values_list("report_id", "analyst_id")}
    audits = AuditEvent.objects.filter(action="assign", detail__endswith="(next)").count()
    return {"taken": taken, "held": held, "audits": audits, "errors": errors}


if __name__ == "__main__":
    os.environ.setdefault("HOTLINE_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    print(json.dumps(race(prepare())))

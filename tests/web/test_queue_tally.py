"""The counts above the queue come from a tally the database's triggers keep: right after every kind of
change (a view, the services, `QuerySet.update`, a new report, a deletion), after folding, after the
triggers were lost (SQLite drops them when a migration rebuilds a table) and on PostgreSQL after a
TRUNCATE. Checked against counting the rows themselves, on SQLite and (with DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from hotline.web.cases import queue_tally, services, workload
from hotline.web.cases.models import Case
from hotline.web.reports.models import Report, Status
from tests.conftest import REPO
from tests.web.test_cases import make_user, report, signed_in


def _counted_from_rows(user: Any) -> dict[str, Any]:
    rows = list(Report.objects.select_related("case"))
    open_rows = [r for r in rows if r.status in services.OPEN_STATUSES]
    analyst = {r.pk: getattr(getattr(r, "case", None), "analyst_id", None) for r in rows}
    by_status = {value: sum(r.status == value for r in rows) for value in Status.values}
    return {
        "open": len(open_rows),
        "high_risk": sum(r.risk in ("high", "critical") for r in open_rows),
        "unassigned": sum(analyst[r.pk] is None for r in open_rows),
        "mine": sum(analyst[r.pk] == user.pk for r in open_rows),
        "by_status": by_status,
    }


def _shown(user: Any) -> dict[str, Any]:
    counts = services.queue_counts(user)
    return {**{k: counts[k] for k in ("open", "high_risk", "unassigned", "mine")},
            "by_status": {value: n for value, _label, n in counts["by_status"]}}


def _agree(user: Any) -> None:
    assert _shown(user) == _counted_from_rows(user)


@pytest.mark.django_db
def test_counts_are_right_after_each_kind_of_change() -> None:
    workload.generate(120)
    analyst = make_user("tally-analyst")
    supervisor = User.objects.get(username="load-analyst-1")
    _agree(analyst)
    before = _shown(analyst)

    new = report()  # intake
    _agree(analyst)
    assert _shown(analyst)["open"] == before["open"] + 1
    new.risk = "critical"  # the engine's risk (a save)
    new.save(update_fields=["risk"])
    _agree(analyst)
    assert _shown(analyst)["high_risk"] == before["high_risk"] + 1

    services.take(new, analyst)  # a case created with an analyst
    _agree(analyst)
    assert _shown(analyst)["mine"] == before["mine"] + 1

    services.change_status(new, "closed", analyst)  # a status change (save)
    _agree(analyst)
    assert _shown(analyst)["mine"] == before["mine"]

    taken = services.take_next(analyst)  # a conditional UPDATE of the case
    assert taken is not None
    _agree(analyst)
    services.assign(taken, supervisor, supervisor)  # reassigned
    _agree(analyst)
    services.assign(taken, None, supervisor)  # back to the pool
    _agree(analyst)

    Report.objects.filter(status="received").update(risk="high")  # QuerySet.update, many rows
    _agree(analyst)
    Case.objects.filter(analyst=supervisor).update(analyst=analyst)
    _agree(analyst)
    Case.objects.filter(analyst=analyst).first().delete()  # a case removed
    _agree(analyst)
    Report.objects.filter(pk__in=list(Report.objects.filter(case__isnull=False).values_list("pk", flat=True)[:5])).delete()
    _agree(analyst)  # reports deleted with their cases

    client = signed_in(analyst)  # and the page shows them
    html = client.get("/en/staff/").content.decode()
    assert f'data-count="mine">{_counted_from_rows(analyst)["mine"]}<' in html


@pytest.mark.django_db
def test_folding_the_tally_keeps_the_counts_and_bounds_its_rows() -> None:
    workload.generate(60)
    analyst = make_user("tally-fold")
    supervisor = User.objects.get(username="load-analyst-1")
    reports = list(Report.objects.all()[:40])
    for _round in range(4):
        for r in reports:
            services.assign(r, analyst, supervisor)
            services.assign(r, None, supervisor)
    expected = _counted_from_rows(analyst)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {queue_tally.TABLE}")
        assert cursor.fetchone()[0] > queue_tally.COMPACT_ABOVE
    assert _shown(analyst) == expected  # this read folds
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {queue_tally.TABLE}")
        keys = len(services.ACTION_STATUSES) + 2  # statuses × high risk or not × (no one or an analyst)
        assert cursor.fetchone()[0] <= keys * 2 * (User.objects.count() + 1)
    assert _shown(analyst) == expected


@pytest.mark.django_db
def test_lost_triggers_are_put_back_and_the_tally_rebuilt_by_migrate() -> None:
    workload.generate(50)
    analyst = User.objects.get(username="load-analyst-2")
    with connection.cursor() as cursor:  # what a table rebuild by a later SQLite migration does
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {queue_tally.TABLE}_report_update")
        else:
            cursor.execute(f"DROP TRIGGER {queue_tally.TABLE}_report_update ON {Report._meta.db_table}")
    Report.objects.filter(status="received").update(status="closed")
    assert _shown(analyst) != _counted_from_rows(analyst)  # the check can fail
    queue_tally.installed(sender=None, using=connection.alias)  # what post_migrate runs
    _agree(analyst)
    Report.objects.filter(status="closed").update(status="received")
    _agree(analyst)


@pytest.mark.django_db
def test_truncate_on_postgresql_rebuilds_the_tally() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (set DATABASE_URL to run this)")
    workload.generate(30)
    analyst = User.objects.get(username="load-analyst-2")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before a TRUNCATE
        cursor.execute(f"TRUNCATE {Case._meta.db_table}")
    _agree(analyst)


def test_a_migration_that_copies_the_tables_runs_and_the_counts_stay_right(tmp_path: Path) -> None:
    """SQLite alters a column by copying the table: with a trigger of another table naming it, the copy
    fails; the triggers are out of the way during migrate and put back (and the tally rebuilt) after."""
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hotline.web.settings.local"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "tests.web.tally_migration"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["shown"] == result["rows"] and result["rows"][0] > 0


@pytest.mark.django_db
def test_the_total_above_the_rows_is_the_number_of_matching_reports() -> None:
    workload.generate(150)
    user = User.objects.get(username="load-analyst-2")
    counts = services.queue_counts(user)
    for filters in (services.QueueFilters(), services.QueueFilters(status="closed"),
                    services.QueueFilters(status="received"), services.QueueFilters(assigned="mine"),
                    services.QueueFilters(assigned="unassigned"), services.QueueFilters(category="grooming"),
                    services.QueueFilters(platform="facebook", risk="high")):
        assert services.queue_total(filters, user, counts) == services.queue(filters, user).count(), filters

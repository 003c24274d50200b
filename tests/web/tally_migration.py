"""Run as a program (`python -m tests.web.tally_migration`) against a fresh SQLite file database: a
migration that makes SQLite copy the cases and reports tables (as altering a column does) runs between
pre_migrate and post_migrate, then the counts above the queue are compared with the rows. Prints one
JSON line. A program because the test database lives inside a transaction, where SQLite alters no table."""

from __future__ import annotations

import json

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal  # noqa: E402
from django.db import connection  # noqa: E402

from hotline.web.cases import services, workload  # noqa: E402
from hotline.web.cases.models import Case  # noqa: E402
from hotline.web.reports.models import Report  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    workload.generate(30)
    emit_pre_migrate_signal(0, False, "default")
    for model, name in ((Case, "legal_hold"), (Report, "language")):
        old = model._meta.get_field(name)
        new = old.clone()
        new.set_attributes_from_name(name)
        new.model, new.null = model, True  # type: ignore[attr-defined]
        with connection.schema_editor() as editor:
            editor.alter_field(model, old, new)
    emit_post_migrate_signal(0, False, "default")
    Report.objects.filter(status="received").update(status="closed")
    Case.objects.filter(pk__in=list(Case.objects.values_list("pk", flat=True)[:5])).update(analyst=None)
    counts = services.queue_counts(None)
    open_reports = Report.objects.filter(status__in=services.OPEN_STATUSES)
    unassigned = open_reports.exclude(case__analyst__isnull=False).count()
    print(json.dumps({"shown": [counts["open"], counts["unassigned"]], "rows": [open_reports.count(), unassigned]}))


if __name__ == "__main__":
    main()

"""Background work for case work: refreshing the staff statistics (they count every report, so the
staff page reads the last refresh instead of counting on each view)."""

from __future__ import annotations

from django_tasks import task

from .stats import refresh


@task()
def refresh_statistics() -> str:
    return str(refresh()["generated_at"])

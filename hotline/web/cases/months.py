"""Months counted by the database: "YYYY-MM" of a date, or of a moment in the site's time zone.

Django's TruncMonth runs on SQLite as a Python function called once per row (a second at 100,000 rows);
these are SQLite's own strftime (with the zone's offset: Cambodia keeps one all year) and PostgreSQL's
to_char, so that grouping by month is one pass inside the database.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import CharField, Func
from django.utils import timezone


class MonthText(Func):
    """"YYYY-MM" of `expression`: a DateField as it is, a DateTimeField in settings.TIME_ZONE."""

    output_field = CharField()

    def __init__(self, expression: Any, *, moment: bool = True) -> None:
        super().__init__(expression)
        self.moment = moment

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if not self.moment:
            return f"strftime('%%Y-%%m', {sql})", list(params)
        offset = timezone.localtime(timezone.now()).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        return f"strftime('%%Y-%%m', {sql}, '{minutes:+d} minutes')", list(params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if not self.moment:
            return f"to_char({sql}, 'YYYY-MM')", list(params)
        return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM')", [*params, settings.TIME_ZONE]

"""The counts above the queue, kept by the database: a small table of changes written by triggers.

Counting the open reports on every view of the queue read every open report (20,000 of 100,000 in the
generated workload: 30-60 ms). Instead, triggers on reports and cases write one row per change
(status, high risk or not, analyst or 0, +1 or -1) in the same transaction as the change, whichever code
makes it (a view, the admin, `QuerySet.update`, retention, the generator). Reading the counts sums that
table; when it holds more than `COMPACT_ABOVE` rows, the reader folds them into one row per key.

Rows are only ever inserted by the triggers (never updated), so concurrent changes on PostgreSQL never
wait on a shared counter row. A report's key needs its case's analyst and a case's key its report's
status: the case trigger locks the report row (FOR SHARE) before reading it, so that a status change and
an assignment of the same report at the same moment are counted in one order (no drift, no deadlock:
the report trigger reads the case without a lock).

The triggers are dropped before every `migrate` (pre_migrate) and installed again, with the table
rebuilt from the reports, after it (post_migrate): SQLite alters a table by copying it, which drops its
triggers and fails while another table's trigger names the one being copied. No Django model: `flush` (tests) must not
empty it behind the triggers' back (on PostgreSQL a TRUNCATE of either table rebuilds it).
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from hotline.web.reports.models import Report, Risk

from .models import Case

TABLE = "cases_queue_tally"
#: Fold the rows into one per key once there are more than this many (reading stays O(keys)).
COMPACT_ABOVE = 500
#: Reports at these risks count as "high risk" above the queue.
HIGH_RISKS: tuple[str, ...] = (Risk.HIGH, Risk.CRITICAL)


def _names() -> dict[str, str]:
    return {"t": TABLE, "r": Report._meta.db_table, "c": Case._meta.db_table,
            "high": ", ".join(f"'{r}'" for r in HIGH_RISKS)}  # constants, not input


_SQLITE = """
CREATE TABLE IF NOT EXISTS {t} (id integer PRIMARY KEY AUTOINCREMENT, status varchar(16) NOT NULL,
    high_risk smallint NOT NULL, analyst_id integer NOT NULL, n integer NOT NULL);
DROP TRIGGER IF EXISTS {t}_report_insert;
CREATE TRIGGER {t}_report_insert AFTER INSERT ON {r} BEGIN
    INSERT INTO {t} (status, high_risk, analyst_id, n) VALUES (NEW.status, NEW.risk IN ({high}),
        COALESCE((SELECT analyst_id FROM {c} WHERE report_id = NEW.id), 0), 1);
END;
DROP TRIGGER IF EXISTS {t}_report_delete;
CREATE TRIGGER {t}_report_delete AFTER DELETE ON {r} BEGIN
    INSERT INTO {t} (status, high_risk, analyst_id, n) VALUES (OLD.status, OLD.risk IN ({high}),
        COALESCE((SELECT analyst_id FROM {c} WHERE report_id = OLD.id), 0), -1);
END;
DROP TRIGGER IF EXISTS {t}_report_update;
CREATE TRIGGER {t}_report_update AFTER UPDATE OF status, risk ON {r}
WHEN OLD.status IS NOT NEW.status OR (OLD.risk IN ({high})) IS NOT (NEW.risk IN ({high})) BEGIN
    INSERT INTO {t} (status, high_risk, analyst_id, n) VALUES (OLD.status, OLD.risk IN ({high}),
        COALESCE((SELECT analyst_id FROM {c} WHERE report_id = OLD.id), 0), -1);
    INSERT INTO {t} (status, high_risk, analyst_id, n) VALUES (NEW.status, NEW.risk IN ({high}),
        COALESCE((SELECT analyst_id FROM {c} WHERE report_id = NEW.id), 0), 1);
END;
DROP TRIGGER IF EXISTS {t}_case_insert;
CREATE TRIGGER {t}_case_insert AFTER INSERT ON {c} WHEN NEW.analyst_id IS NOT NULL BEGIN
    INSERT INTO {t} (status, high_risk, analyst_id, n)
        SELECT status, risk IN ({high}), 0, -1 FROM {r} WHERE id = NEW.report_id
        UNION ALL SELECT status, risk IN ({high}), NEW.analyst_id, 1 FROM {r} WHERE id = NEW.report_id;
END;
DROP TRIGGER IF EXISTS {t}_case_delete;
CREATE TRIGGER {t}_case_delete AFTER DELETE ON {c} WHEN OLD.analyst_id IS NOT NULL BEGIN
    INSERT INTO {t} (status, high_risk, analyst_id, n)
        SELECT status, risk IN ({high}), OLD.analyst_id, -1 FROM {r} WHERE id = OLD.report_id
        UNION ALL SELECT status, risk IN ({high}), 0, 1 FROM {r} WHERE id = OLD.report_id;
END;
DROP TRIGGER IF EXISTS {t}_case_update;
CREATE TRIGGER {t}_case_update AFTER UPDATE OF analyst_id, report_id ON {c}
WHEN OLD.analyst_id IS NOT NEW.analyst_id OR OLD.report_id IS NOT NEW.report_id BEGIN
    INSERT INTO {t} (status, high_risk, analyst_id, n)
        SELECT status, risk IN ({high}), COALESCE(OLD.analyst_id, 0), -1 FROM {r} WHERE id = OLD.report_id
        UNION ALL SELECT status, risk IN ({high}), 0, 1 FROM {r} WHERE id = OLD.report_id
        UNION ALL SELECT status, risk IN ({high}), 0, -1 FROM {r} WHERE id = NEW.report_id
        UNION ALL SELECT status, risk IN ({high}), COALESCE(NEW.analyst_id, 0), 1 FROM {r} WHERE id = NEW.report_id;
END;
"""

_POSTGRES = """
CREATE TABLE IF NOT EXISTS {t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status varchar(16) NOT NULL, high_risk smallint NOT NULL, analyst_id integer NOT NULL, n integer NOT NULL);
CREATE OR REPLACE FUNCTION {t}_rebuild() RETURNS void LANGUAGE sql AS $$
    WITH gone AS (DELETE FROM {t})
    INSERT INTO {t} (status, high_risk, analyst_id, n)
    SELECT r.status, (r.risk IN ({high}))::int, COALESCE(c.analyst_id, 0), COUNT(*)
    FROM {r} r LEFT JOIN {c} c ON c.report_id = r.id GROUP BY 1, 2, 3;
$$;
CREATE OR REPLACE FUNCTION {t}_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM {t}_rebuild();
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION {t}_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE a integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT analyst_id INTO a FROM {c} WHERE report_id = OLD.id;
        INSERT INTO {t} (status, high_risk, analyst_id, n)
            VALUES (OLD.status, (OLD.risk IN ({high}))::int, COALESCE(a, 0), -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT analyst_id INTO a FROM {c} WHERE report_id = NEW.id;
        INSERT INTO {t} (status, high_risk, analyst_id, n)
            VALUES (NEW.status, (NEW.risk IN ({high}))::int, COALESCE(a, 0), 1);
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION {t}_case() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s varchar; h integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status, (risk IN ({high}))::int INTO s, h FROM {r} WHERE id = OLD.report_id FOR SHARE;
        IF FOUND THEN
            INSERT INTO {t} (status, high_risk, analyst_id, n)
                VALUES (s, h, COALESCE(OLD.analyst_id, 0), -1), (s, h, 0, 1);
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT status, (risk IN ({high}))::int INTO s, h FROM {r} WHERE id = NEW.report_id FOR SHARE;
        IF FOUND THEN
            INSERT INTO {t} (status, high_risk, analyst_id, n)
                VALUES (s, h, 0, -1), (s, h, COALESCE(NEW.analyst_id, 0), 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS {t}_report_insert ON {r};
CREATE TRIGGER {t}_report_insert AFTER INSERT OR DELETE ON {r} FOR EACH ROW EXECUTE FUNCTION {t}_report();
DROP TRIGGER IF EXISTS {t}_report_update ON {r};
CREATE TRIGGER {t}_report_update AFTER UPDATE OF status, risk ON {r} FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR (OLD.risk IN ({high})) IS DISTINCT FROM (NEW.risk IN ({high})))
    EXECUTE FUNCTION {t}_report();
DROP TRIGGER IF EXISTS {t}_case_insert ON {c};
CREATE TRIGGER {t}_case_insert AFTER INSERT ON {c} FOR EACH ROW WHEN (NEW.analyst_id IS NOT NULL)
    EXECUTE FUNCTION {t}_case();
DROP TRIGGER IF EXISTS {t}_case_delete ON {c};
CREATE TRIGGER {t}_case_delete AFTER DELETE ON {c} FOR EACH ROW WHEN (OLD.analyst_id IS NOT NULL)
    EXECUTE FUNCTION {t}_case();
DROP TRIGGER IF EXISTS {t}_case_update ON {c};
CREATE TRIGGER {t}_case_update AFTER UPDATE OF analyst_id, report_id ON {c} FOR EACH ROW
    WHEN (OLD.analyst_id IS DISTINCT FROM NEW.analyst_id OR OLD.report_id IS DISTINCT FROM NEW.report_id)
    EXECUTE FUNCTION {t}_case();
DROP TRIGGER IF EXISTS {t}_report_truncate ON {r};
CREATE TRIGGER {t}_report_truncate AFTER TRUNCATE ON {r} FOR EACH STATEMENT EXECUTE FUNCTION {t}_truncated();
DROP TRIGGER IF EXISTS {t}_case_truncate ON {c};
CREATE TRIGGER {t}_case_truncate AFTER TRUNCATE ON {c} FOR EACH STATEMENT EXECUTE FUNCTION {t}_truncated();
"""

_SQLITE_REBUILD = """
DELETE FROM {t};
INSERT INTO {t} (status, high_risk, analyst_id, n)
SELECT r.status, r.risk IN ({high}), COALESCE(c.analyst_id, 0), COUNT(*)
FROM {r} r LEFT JOIN {c} c ON c.report_id = r.id GROUP BY 1, 2, 3;
"""


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the table and its triggers (replacing older ones) and count every report afresh.
    Skipped until both tables exist (a migration plan that stops before them)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    tables = set(connection.introspection.table_names())
    if not {Report._meta.db_table, Case._meta.db_table} <= tables:
        return
    names = _names()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in _statements(_SQLITE.format(**names) + _SQLITE_REBUILD.format(**names)):
                cursor.execute(statement)
        else:
            cursor.execute(_POSTGRES.format(**names))
            cursor.execute(f"SELECT {TABLE}_rebuild()")


#: (trigger, table) of every trigger `install` creates.
_TRIGGERS = (("report_insert", "r"), ("report_delete", "r"), ("report_update", "r"), ("report_truncate", "r"),
             ("case_insert", "c"), ("case_delete", "c"), ("case_update", "c"), ("case_truncate", "c"))


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (the table stays: `install` rebuilds it)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    names, tables = _names(), set(connection.introspection.table_names())
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for trigger, table in _TRIGGERS:
            if names[table] in tables:
                on = f" ON {names[table]}" if connection.vendor == "postgresql" else ""
                cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{trigger}{on}")


def _statements(script: str) -> list[str]:
    """Split a script into statements; a trigger body's inner `;` stays with its CREATE TRIGGER."""
    out, current = [], ""
    for line in script.strip().splitlines(keepends=True):
        current += line
        inside_trigger = current.lstrip().upper().startswith("CREATE TRIGGER")
        if line.rstrip().endswith(";") and (not inside_trigger or line.strip().upper() == "END;"):
            out.append(current.strip())
            current = ""
    return out


def counts(connection: BaseDatabaseWrapper, analyst_id: int | None) -> dict[tuple[str, bool, str], int]:
    """{(status, high risk, "none" | "mine" | "other"): reports}, read from the tally (and folded
    when it has grown)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, high_risk, CASE WHEN analyst_id = 0 THEN 'none' WHEN analyst_id = %s THEN 'mine' "
            f"ELSE 'other' END, SUM(n), COUNT(*) FROM {TABLE} GROUP BY 1, 2, 3", [analyst_id or -1])
        rows = cursor.fetchall()
    if sum(row[4] for row in rows) > COMPACT_ABOVE:
        compact(connection)
    return {(status, bool(high), who): int(n) for status, high, who, n, _rows in rows}


def compact(connection: BaseDatabaseWrapper) -> None:
    """Fold the tally into one row per key (the sums do not change)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement, one snapshot: a change committed meanwhile stays
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TABLE} RETURNING status, high_risk, analyst_id, n) "
                f"INSERT INTO {TABLE} (status, high_risk, analyst_id, n) SELECT status, high_risk, analyst_id, "
                f"SUM(n) FROM gone GROUP BY 1, 2, 3 HAVING SUM(n) <> 0")
            return
        cursor.execute(f"SELECT MAX(id) FROM {TABLE}")  # SQLite: one writer, so two statements are safe
        (last,) = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {TABLE} (status, high_risk, analyst_id, n) SELECT status, high_risk, analyst_id, SUM(n) "
            f"FROM {TABLE} WHERE id <= %s GROUP BY 1, 2, 3 HAVING SUM(n) <> 0", [last])
        cursor.execute(f"DELETE FROM {TABLE} WHERE id <= %s", [last])


def installed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (see the module docstring)."""
    install(connections[using])


def removed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """pre_migrate receiver (see the module docstring)."""
    uninstall(connections[using])

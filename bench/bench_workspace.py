"""The analysts' workspace at scale: page times and query counts over N generated reports.

    python bench/bench_workspace.py --reports 100000 [--database-url postgres://...] [--repeat 30]

Writes N reports with `hotline.web.cases.workload` into a throwaway database (SQLite in
/tmp/hotline-bench-<N> by default, kept between runs; PostgreSQL with --database-url, which must be a
throwaway database: its load rows are replaced), signs a supervisor in through Django's test client and
times each page. Prints one JSON object per page and line:
{"page", "database", "reports", "median_ms", "p95_ms", "queries"}, plus "cpu_median_ms" (this process's
CPU time: Python and SQLite, not a PostgreSQL server's) and the load average, because wall-clock times on a
shared machine count other programs too.

Targets (issue 12) at 100,000 reports: queue (default and filtered) median < 100 ms and p95 < 200 ms;
statistics < 200 ms; public home < 20 ms; report detail < 50 ms; queries per page not growing with N.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import throwaway_site  # bench/ is the script's own folder: first on sys.path

PAGES = ("queue", "queue_filtered", "report", "statistics", "public_home", "public_statistics")


def _setup(args: argparse.Namespace) -> str:
    return throwaway_site.setup(args.database_url, Path(args.data_dir or f"/tmp/hotline-bench-{args.reports}"))


def _load(n: int) -> None:
    from hotline.web.cases import workload
    from hotline.web.reports.models import Report

    have = Report.objects.filter(source=workload.SOURCE).count()
    if have == n:
        return
    if have:
        Report.objects.filter(source=workload.SOURCE).delete()
    start = time.perf_counter()
    counts = workload.generate(n)
    print(f"# generated {counts} in {time.perf_counter() - start:.0f} s", file=sys.stderr)


def _client() -> object:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from hotline.web.cases import stats
    from hotline.web.staff.second_factor import SESSION_KEY

    supervisor = get_user_model().objects.get(username="load-analyst-1")
    stats.publish(supervisor)
    client = Client()
    client.force_login(supervisor)
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return client


def _time(client: object, url: str, repeat: int, anonymous: bool) -> tuple[float, float, float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    c = Client() if anonymous else client
    times, cpu, queries = [], [], 0
    for i in range(repeat + 2):
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = c.get(url)  # type: ignore[attr-defined]
            elapsed = (time.perf_counter() - start) * 1000
            elapsed_cpu = (time.process_time() - start_cpu) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        if i >= 2:  # two warm-up requests (templates, translations, first cache fill)
            times.append(elapsed)
            cpu.append(elapsed_cpu)
            queries = len(captured.captured_queries)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.median(cpu), queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--database-url", help="a throwaway PostgreSQL database (default: SQLite in /tmp)")
    parser.add_argument("--data-dir", help="where the SQLite database and keys live (default /tmp/hotline-bench-N)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    database = _setup(args)
    _load(args.reports)
    from hotline.web.reports.models import Evidence

    client = _client()
    analysed = Evidence.objects.filter(report__source="load").order_by("-id").values_list("report_id", flat=True).first()
    urls = {
        "queue": ("/en/staff/", False),
        "queue_filtered": ("/en/staff/?category=grooming&platform=facebook&risk=high", False),
        "report": (f"/en/staff/reports/{analysed}/", False),
        "statistics": ("/en/staff/statistics/", False),
        "public_home": ("/en/", True),
        "public_statistics": ("/en/statistics/", True),
    }
    for page in PAGES:
        url, anonymous = urls[page]
        median, p95, cpu, queries = _time(client, url, args.repeat, anonymous)
        print(json.dumps({"page": page, "database": database, "reports": args.reports,
                          "median_ms": round(median, 1), "p95_ms": round(p95, 1), "queries": queries,
                          "cpu_median_ms": round(cpu, 1), "load_average": round(os.getloadavg()[0], 1)}),
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What one report costs inside the site: CPU milliseconds and SQL queries per request, end to end
through Django's middleware (the test client, no HTTP server), on a throwaway database with the
production task backend (the analysis is queued, not run). `--profile` adds cProfile's top functions.

    python bench/profile_report.py                       # SQLite in a throwaway folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5433/hotline_profile python bench/profile_report.py
    python bench/profile_report.py --profile api         # cProfile of the JSON API report

The database named by DATABASE_URL must exist and may be emptied (it is migrated, then filled with
reports). Rate limits are counted as in production unless `--no-limits` (the load runs lift them).
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import CODE_RE, CSRF_RE, PIN_RE, chat_export


def _configure(limits: bool) -> None:
    folder = tempfile.mkdtemp(prefix="hotline-profile.")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.web.settings.local")
    os.environ["HOTLINE_DATA_DIR"] = folder
    os.environ["HOTLINE_KEY_FILE"] = str(Path(folder) / "keys" / "hotline.keys")
    os.environ["HOTLINE_ALLOWED_HOSTS"] = "testserver"
    # Generous but counted: the bookkeeping of a limit costs the same whatever its size.
    os.environ["HOTLINE_RATE_LIMITS"] = ("report=1000000/3600,api_report=1000000/3600,lookup=1000000/600"
                                         if limits else "off")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=40, help="requests measured per kind (after 5 to warm up)")
    parser.add_argument("--profile", choices=["api", "form"], help="print cProfile's top functions for one kind")
    parser.add_argument("--no-limits", action="store_true", help="lift the rate limits, as the load runs do")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    _configure(limits=not args.no_limits)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counter = iter(range(10_000_000))

    def api(client: Client) -> None:
        n = next(counter)
        response = client.post("/api/v1/reports", data=json.dumps({
            "category": "grooming", "platform": "facebook", "urls": [f"https://facebook.com/load.test.{n}"],
            "description": "load test report", "offender": {"name": f"account {n}"},
        }), content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    def form(client: Client) -> None:
        n = next(counter)
        page = client.get("/en/report/")
        token = CSRF_RE.search(page.content.decode())
        assert page.status_code == 200 and token is not None
        upload = io.BytesIO(chat_export(n))
        upload.name = f"WhatsApp Chat {n}.txt"
        response = client.post("/en/report/", data={
            "csrfmiddlewaretoken": token.group(1), "category": "grooming", "platform": "whatsapp",
            "urls": f"https://wa.me/85512{n:06d}", "description": "load test report with a chat export",
            "reporter_type": "self", "victim_age_band": "13_15", "homepage": "", "files": upload,
        }, HTTP_REFERER="http://testserver/en/report/", secure=False)
        assert response.status_code == 302, response.status_code
        thanks = client.get(response["Location"]).content.decode()
        assert CODE_RE.search(thanks) and PIN_RE.search(thanks)

    kinds: dict[str, Callable[[Client], None]] = {"api": api, "form": form}
    summary: dict[str, Any] = {"database": connection.vendor, "rate_limits": not args.no_limits}
    for name, run in kinds.items():
        if args.profile and name != args.profile:
            continue
        client = Client(enforce_csrf_checks=True)
        for _ in range(5):
            run(client)
        profiler = cProfile.Profile() if args.profile else None
        with CaptureQueriesContext(connection) as queries:
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for _ in range(args.repeat):
                run(client)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        summary[name] = {"cpu_ms": round(1000 * cpu / args.repeat, 1), "wall_ms": round(1000 * wall / args.repeat, 1),
                         "queries": round(len(queries) / args.repeat, 1),
                         "requests": "POST" if name == "api" else "GET form, POST, GET thanks"}
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
            tally: dict[str, int] = {}
            for q in queries.captured_queries:
                key = re.sub(r'"s\d+_x\d+"', "s_x", re.split(r" WHERE | VALUES | SET |\(", q["sql"])[0][:100])
                tally[key] = tally.get(key, 0) + 1
            for sql, count in sorted(tally.items(), key=lambda kv: -kv[1]):
                print(f"{count / args.repeat:5.1f}  {sql}")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

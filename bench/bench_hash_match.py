"""A partner's hash query at scale: `POST /api/v1/hashes/match` with 100 hashes against a bank of N entries.

    python bench/bench_hash_match.py --entries 100000 [--database-url postgres://...] [--repeat 20]

Fills a throwaway database (SQLite in /tmp/hotline-bench-hashes-<N>, kept between runs; PostgreSQL with
--database-url, whose bank `bench-hashes` is replaced) with N random PDQ hashes with MD5s, then times,
through Django's test client with an API key, a query of 100 hashes (40 PDQ within 10 bits of an entry,
40 random PDQ, 10 MD5 of entries, 10 random MD5). Beside it, the named alternative: the same PDQ hashes
matched one by one with `match_pdq` (what the endpoint would cost without `match_pdqs`' single scan).
Prints one JSON object per line: {"what", "database", "entries", "hashes", "median_ms", "cpu_median_ms",
"queries", "load"}; `cpu_median_ms` is this process's CPU time (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import throwaway_site  # bench/ is the script's own folder: first on sys.path

LIST = "bench-hashes"


def _setup(args: argparse.Namespace) -> str:
    return throwaway_site.setup(args.database_url, Path(args.data_dir or f"/tmp/hotline-bench-hashes-{args.entries}"), rate_limits_off=True)


def _fill(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """The bank's (pdq, md5) pairs: made once, read back on later runs."""
    from hotline.web.hashlists.models import HashEntry, HashList

    bank, _ = HashList.objects.get_or_create(name=LIST)
    if bank.entries.count() != n:
        bank.entries.all().delete()
        batch = [HashEntry(hash_list=bank, pdq=f"{rng.getrandbits(256):064x}", md5=f"{rng.getrandbits(128):032x}",
                           quality=100) for _ in range(n)]
        HashEntry.objects.bulk_create(batch, batch_size=5000)
    return list(bank.entries.values_list("pdq", "md5"))


def _near(pdq: str, bits: int, rng: random.Random) -> str:
    value = int(pdq, 16)
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def _time(run: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wall, cpu, queries = [], [], 0
    for i in range(repeat + 2):
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        if i >= 2:  # warm-up: the index is loaded or built on first use
            wall.append(elapsed * 1000)
            cpu.append(elapsed_cpu * 1000)
            queries = len(captured.captured_queries)
    return statistics.median(wall), statistics.median(cpu), queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--database-url", help="a throwaway PostgreSQL database (default: SQLite in /tmp)")
    parser.add_argument("--data-dir", help="where the SQLite database and keys live")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    database = _setup(args)
    from django.test import Client

    from hotline.web.api.models import ApiKey
    from hotline.web.hashlists import services

    rng = random.Random(12)
    entries = _fill(args.entries, rng)
    picked = rng.sample(entries, 50)
    pdqs = [_near(p, 10, rng) for p, _ in picked[:40]] + [f"{rng.getrandbits(256):064x}" for _ in range(40)]
    md5s = [m for _, m in picked[40:]] + [f"{rng.getrandbits(128):032x}" for _ in range(10)]
    body = json.dumps({"hashes": [{"type": "pdq", "hash": h} for h in pdqs] + [{"type": "md5", "hash": h} for h in md5s]})
    ApiKey.objects.filter(name="bench").delete()
    key = ApiKey.create("bench")[1]
    client = Client()

    def api() -> int:
        response = client.post("/api/v1/hashes/match", data=body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {key}")
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:200]!r}")
        matched = int(response.json()["matched"])
        if matched < 50:
            raise SystemExit(f"only {matched} of the 50 planted hashes matched")
        return matched

    rows = [("api_100_hashes", api, len(pdqs) + len(md5s)),
            ("match_pdqs_80", lambda: len(services.match_pdqs(pdqs)), len(pdqs)),
            ("match_pdq_one_by_one_80", lambda: sum(len(services.match_pdq(h)) for h in pdqs), len(pdqs))]
    load = round(os.getloadavg()[0], 1)
    for what, run, hashes in rows:
        median, cpu, queries = _time(run, args.repeat)
        print(json.dumps({"what": what, "database": database, "entries": args.entries, "hashes": hashes,
                          "median_ms": round(median, 1), "cpu_median_ms": round(cpu, 1), "queries": queries,
                          "load": load}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load and fault test of a running Hotline: concurrent anonymous reporters, then every acknowledged
report read back with its PIN.

Each reporter sends a report every `--interval` seconds on average (exponential gaps; 0 = back to back,
the saturation run); `--chat-share` of them go through the web form with a WhatsApp chat export attached
(GET the form, POST it, GET the page with the code and PIN), the rest as JSON to `POST /api/v1/reports`.
An acknowledged report is one answered with a tracking code and PIN. Afterwards, once the task queue is
empty, each is looked up (`GET /api/v1/reports/CODE` with its PIN) and each report sent with an export
must hold exactly one piece of evidence whose analysis is finished.

`--serve sqlite|postgres` starts the site itself (`hotline serve`, rate limits off, a throwaway data
folder; for postgres a throwaway PostgreSQL 15 cluster on `--pg-port`), and `--faults` then, during the
run: SIGKILLs every web process (gunicorn's master and its workers), SIGKILLs a task worker while tasks
are waiting or running, and restarts PostgreSQL. Without `--serve`, `--url` names a site already running
(with HOTLINE_RATE_LIMITS=off).

    python bench/load.py --serve postgres --reporters 200 --interval 10 --duration 120 --faults
    python bench/load.py --serve postgres --reporters 64 --interval 0 --duration 60      # saturation
    python bench/load.py --serve sqlite --reporters 16 --interval 0 --duration 120       # embedded default

Prints a JSON summary: acknowledged reports per second, latency percentiles (ms) per kind, errors by
cause, faults done, read-back results. Exit status 1 if a report was lost or an error counted with
`--strict`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PGBIN = Path("/usr/lib/postgresql/15/bin")
CODE_RE = re.compile(r"data-tracking-code>([^<]+)<")
PIN_RE = re.compile(r"data-pin>([^<]+)<")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def chat_export(n: int) -> bytes:
    """An Android WhatsApp export of about 200 messages, different each time."""
    filler = [("Sokha", f"ok see you at school {i}") if i % 2 else ("Dara", f"what did you do today {i}")
              for i in range(190)]
    lines = [*filler,
        ("Dara", "hi, you looked great in your profile photo"),
        ("Sokha", "thanks"),
        ("Dara", f"how old are you? I am {18 + n % 7}"),
        ("Sokha", "14"),
        ("Dara", "dont tell your parents about me ok, delete our chat"),
        ("Dara", "send me a photo of you, just for me"),
    ]
    day = 1 + n % 27
    return "\n".join(f"{day:02d}/03/2024, {8 + i // 60:02d}:{i % 60:02d} - {who}: {text}"
                     for i, (who, text) in enumerate(lines)).encode()


@dataclass
class Results:
    started: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: list[tuple[str, str, bool]] = field(default_factory=list)  # code, pin, with export
    faults: list[dict[str, Any]] = field(default_factory=list)


async def report_api(client: httpx.AsyncClient, n: int) -> tuple[str, str]:
    response = await client.post("/api/v1/reports", json={
        "category": "grooming", "platform": "facebook", "urls": [f"https://facebook.com/load.test.{n}"],
        "description": "load test report", "offender": {"name": f"account {n}"},
    })
    if response.status_code != 201:
        raise RuntimeError(f"HTTP {response.status_code}")
    body = response.json()
    return body["tracking_code"], body["pin"]


async def report_form(client: httpx.AsyncClient, n: int) -> tuple[str, str]:
    form = await client.get("/en/report/")
    token = CSRF_RE.search(form.text)
    if form.status_code != 200 or token is None:
        raise RuntimeError(f"HTTP {form.status_code} (form)")
    response = await client.post("/en/report/", data={
        "csrfmiddlewaretoken": token.group(1), "category": "grooming", "platform": "whatsapp",
        "urls": f"https://wa.me/85512{n:06d}", "description": "load test report with a chat export",
        "reporter_type": "self", "victim_age_band": "13_15", "homepage": "",
    }, files={"files": (f"WhatsApp Chat {n}.txt", chat_export(n), "text/plain")},
        headers={"Referer": f"{client.base_url}/en/report/"})
    if response.status_code in (301, 302, 303):
        response = await client.get(response.headers["location"])
    code, pin = CODE_RE.search(response.text), PIN_RE.search(response.text)
    if response.status_code != 200 or code is None or pin is None:
        raise RuntimeError(f"HTTP {response.status_code} (no code)")
    return code.group(1).strip(), pin.group(1).strip()


async def reporter(base: str, index: int, args: argparse.Namespace, results: Results, stop_at: float) -> None:
    rng = random.Random(index)
    n = index * 100_000
    async with httpx.AsyncClient(base_url=base, timeout=args.timeout, follow_redirects=False) as client:
        if args.interval:
            await asyncio.sleep(rng.uniform(0, args.interval))
        while time.monotonic() < stop_at:
            started = time.monotonic()
            with_chat = rng.random() < args.chat_share
            kind = "form+chat" if with_chat else "api"
            n += 1
            try:
                code, pin = await (report_form(client, n) if with_chat else report_api(client, n))
            except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
                results.errors[f"{kind}: {exc if isinstance(exc, RuntimeError) else type(exc).__name__}"] += 1
            else:
                results.latencies[kind].append(time.monotonic() - started)
                results.acknowledged.append((code, pin, with_chat))
            if args.interval:
                gap = rng.expovariate(1 / args.interval) - (time.monotonic() - started)
                await asyncio.sleep(max(0.0, min(gap, stop_at - time.monotonic())))  # not past the end


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"n": len(values), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": at(1.0),
            "mean": round(1000 * statistics.fmean(values), 1)}


# --- the site under test -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> dict[int, str]:
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found[int(entry.name)] = cmd
    return found


def _ticks(pid: int) -> tuple[int, int]:
    """(CPU ticks of the process itself, of its children that have exited and been waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def cpu_snapshot(pids: list[int]) -> dict[int, tuple[int, int]]:
    return {pid: _ticks(pid) for pid in pids}


def cpu_used(before: dict[int, tuple[int, int]], pids: list[int]) -> float:
    """CPU seconds these processes used since `before`: those alive now (started since count whole),
    plus children that exited meanwhile (PostgreSQL's backends, replaced web processes) through their
    parents' counters. A parent that itself died takes its count with it."""
    total = 0
    for pid in set(pids) | set(before):
        own, reaped = _ticks(pid)
        was_own, was_reaped = before.get(pid, (0, 0))
        if own or reaped:
            total += (own - was_own) + (reaped - was_reaped)
    return total / os.sysconf("SC_CLK_TCK")


class Postgres:
    """A throwaway PostgreSQL 15 cluster owned by the postgres user (as in .ci/run)."""

    def __init__(self, port: int) -> None:
        self.port = port or free_port()
        self.data = Path(tempfile.mkdtemp(prefix="hotline-load-pg."))
        shutil.chown(self.data, "postgres", "postgres")
        try:
            self._as_postgres(f"{PGBIN}/initdb -D {self.data} --auth=trust -U postgres -E UTF8")
            self.start()
            self._as_postgres(f"{PGBIN}/createdb -h 127.0.0.1 -p {self.port} -U postgres hotline")
        except subprocess.CalledProcessError:
            self.stop()
            raise

    def _as_postgres(self, command: str) -> None:
        subprocess.run(["su", "postgres", "-c", command], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self._as_postgres(f"{PGBIN}/pg_ctl -D {self.data} -o '-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 "
                          f"-c max_connections=300 -c synchronous_commit=on' -l {self.data}/log -w start")

    def restart(self) -> None:
        self._as_postgres(f"{PGBIN}/pg_ctl -D {self.data} -m fast -w restart")

    def stop(self) -> None:
        subprocess.run(["su", "postgres", "-c", f"{PGBIN}/pg_ctl -D {self.data} -m fast stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.data, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/hotline"

    def processes(self) -> list[int]:
        try:
            master = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return [master, *children(master)]


class Site:
    """`hotline serve` in a throwaway data folder, rate limits off."""

    def __init__(self, args: argparse.Namespace, database_url: str | None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-load."))
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        self.env.update(HOTLINE_DATA_DIR=str(self.folder / "var"), HOTLINE_RATE_LIMITS="off",
                        HOTLINE_KEY_FILE=str(self.folder / "keys" / "hotline.keys"))
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        log = open(self.folder / "serve.log", "wb")  # noqa: SIM115 (open as long as the child runs)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotline", "serve", "--port", str(self.port), "--workers", str(args.web_workers),
             "--task-workers", str(args.task_workers),
             "--threads", str(args.web_threads)],
            cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def web_processes(self) -> list[int]:
        masters = [p for p, cmd in children(self.proc.pid).items() if "gunicorn" in cmd]
        return masters + [w for m in masters for w in children(m)]

    def server_processes(self) -> list[int]:
        return [self.proc.pid, *children(self.proc.pid)]

    def task_workers(self) -> list[int]:
        return [p for p, cmd in children(self.proc.pid).items() if "hotline worker" in cmd]

    def manage(self, code: str) -> dict[str, Any]:
        """Run `code` in the site's Django shell; it prints one JSON object as its last line."""
        run = subprocess.run([sys.executable, "-m", "hotline", "manage", "shell", "-v", "0", "-c", code],
                             env=self.env, cwd=self.folder, capture_output=True, text=True, timeout=120)
        lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {"error": run.stderr.strip()[-300:]}

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return -9


async def health(base: str) -> dict[str, Any] | None:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"{base}/healthz")
        return response.json() if response.status_code in (200, 503) else None
    except (httpx.HTTPError, ValueError):
        return None


async def wait_up(base: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        body = await health(base)
        if body and body.get("database", {}).get("ok"):
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise SystemExit(f"the site at {base} did not come up within {seconds:.0f} s")


TASK_COUNTS = ("from django_tasks_db.models import DBTaskResult as T; import json; "
               "print(json.dumps({'waiting': T.objects.ready().count(), 'running': T.objects.running().count()}))")
#: Waits (up to 20 s) until a task is in a worker's hands, then names the worker holding it.
TASK_IN_HAND = ("from django_tasks_db.models import DBTaskResult as T; import json, time\n"
                "for _ in range(400):\n"
                "    t = T.objects.running().first()\n"
                "    if t: break\n"
                "    time.sleep(0.05)\n"
                "print(json.dumps({'worker': t.worker_ids[-1] if t else None}))")


async def faults(site: Site, pg: Postgres | None, duration: float, results: Results) -> None:
    """SIGKILL the web processes, SIGKILL a task worker with work in hand, restart PostgreSQL: spread over
    the run; each records how long the site took to answer again."""
    plan: list[tuple[float, str]] = [(0.25, "kill web"), (0.5, "kill task worker")]
    if pg is not None:
        plan.append((0.75, "restart postgresql"))
    started = time.monotonic()
    for share, what in plan:
        await asyncio.sleep(max(0.0, started + share * duration - time.monotonic()))
        record: dict[str, Any] = {"fault": what, "at_s": round(time.monotonic() - started, 1)}
        if what == "kill web":
            pids = site.web_processes()
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            record["killed"] = len(pids)
        elif what == "kill task worker":
            holder = (await asyncio.to_thread(site.manage, TASK_IN_HAND)).get("worker")
            pid = int(holder.rsplit(":", 1)[1]) if holder else site.task_workers()[0]
            record["mid_task"] = bool(holder) and pid in site.task_workers()
            os.kill(pid if pid in site.task_workers() else site.task_workers()[0], signal.SIGKILL)
            record["killed"] = 1
        else:
            assert pg is not None
            await asyncio.to_thread(pg.restart)
        record["answered_again_after_s"] = round(await wait_up(site.base, 120), 2)
        results.faults.append(record)


async def read_back(base: str, acknowledged: list[tuple[str, str, bool]]) -> dict[str, Any]:
    found, lost, pending, wrong_evidence = 0, [], 0, 0
    semaphore = asyncio.Semaphore(16)

    async def one(client: httpx.AsyncClient, code: str, pin: str, with_chat: bool) -> None:
        nonlocal found, pending, wrong_evidence
        async with semaphore:
            for attempt in range(3):
                try:
                    response = await client.get(f"/api/v1/reports/{code}", headers={"X-Report-Pin": pin})
                    break
                except httpx.HTTPError:
                    if attempt == 2:
                        raise
        if response.status_code != 200:
            lost.append(f"{code}: HTTP {response.status_code}")
            return
        found += 1
        evidence = response.json()["evidence"]
        if len(evidence) != (1 if with_chat else 0):
            wrong_evidence += 1
        pending += sum(e["analysis"] == "pending" for e in evidence)

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await asyncio.gather(*(one(client, *a) for a in acknowledged))
    return {"acknowledged": len(acknowledged), "read_back_with_pin": found, "lost": len(lost),
            "lost_examples": lost[:5], "exports_with_other_than_one_evidence": wrong_evidence,
            "analyses_still_pending": pending}


async def drain_queue(site: Site | None, base: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if site is not None:
            counts = await asyncio.to_thread(site.manage, TASK_COUNTS)
            if counts.get("waiting") == 0 and counts.get("running") == 0:
                return time.monotonic() - started
        else:
            body = await health(base)
            if body and body.get("queue", {}).get("waiting") == 0:
                return time.monotonic() - started
        await asyncio.sleep(1)
    return -1.0


ANALYSIS_COUNTS = (
    "from django_tasks_db.models import DBTaskResult as T; from hotline.web.reports.models import Evidence as E; "
    "import json, collections; ok = collections.Counter(tuple(t.args_kwargs['args'])[0] for t in T.objects.successful()); "
    "print(json.dumps({'evidence': E.objects.count(), 'analysed': E.objects.exclude(analysis_status='pending').count(), "
    "'evidence_without_successful_task': sum(1 for pk in E.objects.values_list('pk', flat=True) if ok[pk] == 0), "
    "'evidence_analysed_more_than_once': sum(1 for n in ok.values() if n > 1)}))"
)


async def main_async(args: argparse.Namespace) -> int:
    pg = Postgres(args.pg_port) if args.serve == "postgres" else None
    site = Site(args, pg.url if pg else None) if args.serve else None
    base = site.base if site else args.url.rstrip("/")
    results = Results()
    try:
        start_s = await wait_up(base, 180)
        roles = {"web": site.web_processes, "task workers": site.task_workers,
                 "serve": lambda: [site.proc.pid]} if site else {}
        if pg is not None:
            roles["postgresql"] = pg.processes
        cpu_before = {role: cpu_snapshot(find()) for role, find in roles.items()}
        own_before = time.process_time()
        stop_at = time.monotonic() + args.duration
        results.started = time.monotonic()
        injected = asyncio.create_task(faults(site, pg, args.duration, results)) if args.faults and site else None
        await asyncio.gather(*(reporter(base, i, args, results, stop_at) for i in range(args.reporters)))
        elapsed = time.monotonic() - results.started
        cpu = {role: round(cpu_used(cpu_before[role], find()), 1) for role, find in roles.items()}
        cpu["load generator"] = round(time.process_time() - own_before, 1)
        load_average = os.getloadavg()
        if injected is not None:
            await injected
        drained = await drain_queue(site, base, 300)
        checked = await read_back(base, results.acknowledged)
        analyses = await asyncio.to_thread(site.manage, ANALYSIS_COUNTS) if site else {}
        up = await health(base)
    finally:
        code = site.stop() if site else 0
        if pg is not None:
            pg.stop()
    every = [v for values in results.latencies.values() for v in values]
    summary = {
        "database": args.serve or "external", "reporters": args.reporters, "interval_s": args.interval,
        "duration_s": round(elapsed, 1), "web_workers": args.web_workers, "web_threads": args.web_threads, "task_workers": args.task_workers,
        "acknowledged_per_s": round(len(results.acknowledged) / elapsed, 2),
        "latency_ms": {"all": percentiles(every), **{k: percentiles(v) for k, v in sorted(results.latencies.items())}},
        "errors": sum(results.errors.values()), "errors_by_cause": dict(results.errors.most_common()),
        "cpu_s_during_run": cpu, "cpu_ms_per_acknowledged": round(
            1000 * sum(cpu.values()) / max(1, len(results.acknowledged)), 1),
        "load_average_at_end": [round(x, 2) for x in load_average],
        "faults": results.faults, "queue_drained_after_s": round(drained, 1), **checked, "tasks": analyses,
        "healthy_at_end": bool(up and up.get("status") == "ok"), "server_start_s": round(start_s, 1),
        "serve_exit_on_sigterm": code,
    }
    print(json.dumps(summary, indent=2))
    lost = checked["lost"] or checked["exports_with_other_than_one_evidence"] or checked["analyses_still_pending"]
    failed = bool(lost or (args.strict and summary["errors"]))
    if site is not None:
        if failed:  # kept for its serve.log (the keys in it open only this throwaway data)
            print(f"site folder kept: {site.folder}", file=sys.stderr)
        else:
            shutil.rmtree(site.folder, ignore_errors=True)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", choices=["sqlite", "postgres"], help="start the site (else --url)")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--reporters", type=int, default=16)
    parser.add_argument("--interval", type=float, default=10.0, help="mean seconds between one reporter's reports (0: back to back)")
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument("--chat-share", type=float, default=0.5, help="share of reports sent with a chat export")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--task-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4, help="threads per web process (1: sync workers)")
    parser.add_argument("--faults", action="store_true", help="kill web processes and a task worker, restart PostgreSQL")
    parser.add_argument("--pg-port", type=int, default=0, help="PostgreSQL's port (default: a free one)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a request counts as an error")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any error, not only on a lost report")
    args = parser.parse_args()
    if args.serve == "postgres" and not (PGBIN / "initdb").exists():
        parser.error(f"PostgreSQL 15 is not installed ({PGBIN}); apt-get install postgresql-15")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())

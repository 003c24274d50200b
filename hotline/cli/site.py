"""`hotline serve`, `hotline worker`, `hotline manage`, `hotline demo`: run the hotline site.

`serve` prepares everything a fresh machine needs (data folder, migrations, translations, static files,
demo data with --demo), then supervises its children: gunicorn with several web processes (gunicorn
replaces a web process that dies) and one or more background workers. A child that dies is started
again (after a pause that grows if it keeps dying) while the others go on serving. Ctrl-C or SIGTERM
drains: gunicorn finishes the requests in hand, a worker the task in hand, then all stop.
All state lives in HOTLINE_DATA_DIR (default ./var).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_SETTINGS = "hotline.web.settings.local"
WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def _environment(data_dir: str | None = None) -> None:
    """Settings module and an absolute data folder, inherited by the children."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    folder = Path(data_dir or os.environ.get("HOTLINE_DATA_DIR") or "var").resolve()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ["HOTLINE_DATA_DIR"] = str(folder)


def _setup() -> None:
    import django

    django.setup()


def _missing_translations() -> bool:
    return any(not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
               for po in WEB_DIR.rglob("locale/*/LC_MESSAGES/*.po"))


def _compile_translations() -> None:
    """compilemessages walks the current folder; run it from the web package, then come back."""
    from django.core.management import call_command

    here = Path.cwd()
    try:
        os.chdir(WEB_DIR)
        call_command("compilemessages", verbosity=0)
    finally:
        os.chdir(here)


def prepare(*, demo: bool = False) -> None:
    """Everything before serving; safe to run again. Demo data only when asked (`--demo`). The system
    checks run first: a lexicon or model that does not load stops the start, naming the file."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", verbosity=0)
    except SystemCheckError as exc:
        raise SystemExit(f"hotline serve: {exc}") from None
    call_command("migrate", interactive=False, verbosity=0)
    if _missing_translations():
        try:
            _compile_translations()
        except Exception as exc:  # msgfmt missing: the site still works, in English
            print(f"hotline serve: translations not compiled ({exc}); install gettext", file=sys.stderr)
    call_command("collectstatic", interactive=False, verbosity=0)
    if demo:
        from hotline.web.reports.demo import ensure_demo_data

        created = ensure_demo_data()
        if created is not None:
            _print_demo_account(*created)


def _print_demo_account(username: str, token: str) -> None:
    print("Demo analyst account (an analyst, not an administrator; the link is shown once):")
    print(f"  user:     {username}")
    print(f"  set its password and second factor at /admin-2fa/enrol/{token}/ on this site")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of a child's process group (web processes of a dead gunicorn master)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _stop(procs: Sequence[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        _kill_group(p)


class Child:
    """One supervised process: started again when it dies, after a pause that doubles while it keeps
    dying within a minute of starting (at most `MAX_PAUSE` seconds)."""

    MAX_PAUSE = 30.0

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.pause = 0.5
        self.started = 0.0
        self.due = 0.0
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # A process group of its own: when gunicorn's master dies, its web processes die with it
        # instead of holding the port (and a terminal's Ctrl-C reaches only `serve`, which drains).
        self.proc = subprocess.Popen(self.argv, env=self.env, start_new_session=True)
        self.started = time.monotonic()

    def check(self) -> None:
        """Start again a child that has stopped, once its pause is over."""
        now = time.monotonic()
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            _kill_group(self.proc)
            self.proc = None
            if now - self.started > 60:
                self.pause = 0.5
            print(f"hotline serve: {self.name} stopped (exit {code}); starting it again in {self.pause:.1f} s",
                  file=sys.stderr, flush=True)
            self.due = now + self.pause
            self.pause = min(self.MAX_PAUSE, self.pause * 2)
        if self.proc is None and now >= self.due:
            self.start()


def cmd_serve(args: argparse.Namespace) -> int:
    _environment(args.data_dir)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        hosts = os.environ.get("HOTLINE_ALLOWED_HOSTS", "")
        os.environ["HOTLINE_ALLOWED_HOSTS"] = ",".join(filter(None, [hosts, args.host]))
    _setup()
    prepare(demo=args.demo)
    env = dict(os.environ)
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    children = [Child("web", [
        sys.executable, "-m", "gunicorn", "hotline.web.wsgi:application",
        "--bind", bind, "--workers", str(args.workers), "--threads", str(args.threads),
        # Threads (gunicorn's gthread worker when more than one) overlap one request's database waits
        # with another's work and keep connections alive between a client's requests.
        "--keep-alive", "5", "--timeout", "120",
        "--graceful-timeout", "10", "--error-logfile", "-", "--log-level", "warning",
        # No --access-logfile: access logs would record client addresses.
    ], env)] + [Child(f"worker {n + 1}", [sys.executable, "-m", "hotline", "worker"], env)
                for n in range(args.task_workers)]
    for child in children:
        child.start()
    stopping = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    print(f"Hotline is serving on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    try:
        while not stopping:
            for child in children:
                child.check()
            time.sleep(0.2)
    finally:
        _stop([c.proc for c in children if c.proc is not None], timeout=args.drain_seconds)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _environment(args.data_dir)
    _setup()
    from hotline.cli.taskworker import SupervisedWorker

    worker = SupervisedWorker(interval=args.interval)
    worker.configure_signals()
    worker.run()
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _environment(None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hotline manage", *args.args])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _environment(args.data_dir)
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if args.reports:
        return _load(args.reports)
    from hotline.web.reports.demo import ensure_demo_data

    created = ensure_demo_data()
    if created is None:
        print("Demo data already present (the demo analyst's enrolment link was shown when it was created).")
    else:
        _print_demo_account(*created)
    return 0


def _load(n: int) -> int:
    """`hotline demo --reports N`: a throwaway database's realistic load (counted in its statistics)."""
    from hotline.web.cases.workload import generate
    from hotline.web.reports.models import Report

    if n < 0:
        print("hotline demo: --reports must be a positive number", file=sys.stderr)
        return 2
    if Report.objects.exclude(source__in=("load", "demo")).exists():
        print("hotline demo: this database holds real reports; --reports is for a throwaway database only",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    counts = generate(n)
    print(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()),
          f"written in {time.perf_counter() - start:.0f} s (source \"load\": they count in the statistics)")
    return 0


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the hotline site (gunicorn + background worker)",
                           description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=max(2, min(4, (os.cpu_count() or 2))),
                       help="gunicorn worker processes (default: 2 to 4, by CPU count)")
    serve.add_argument("--threads", type=int, default=4,
                       help="threads per web process (default: 4; 1 for gunicorn's sync worker)")
    serve.add_argument("--task-workers", type=int, default=1, help="background worker processes (default: 1)")
    serve.add_argument("--drain-seconds", type=float, default=30.0,
                       help="on SIGTERM, how long requests and tasks in hand may take to finish (default: 30)")
    serve.add_argument("--data-dir", help="where all state lives (default: $HOTLINE_DATA_DIR or ./var)")
    serve.add_argument("--demo", action="store_true",
                       help="create the demo analyst and demo reports (embedded default only; `make run` does on its first run)")
    serve.add_argument("--no-demo", action="store_false", dest="demo", help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background worker (analyses uploads)")
    worker.add_argument("--data-dir")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls for new tasks")
    worker.set_defaults(func=cmd_worker)

    manage = sub.add_parser("manage", help="run a Django management command with the site's settings",
                            add_help=False)
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    demo = sub.add_parser("demo", help="create the demo analyst account and a few demo reports")
    demo.add_argument("--data-dir")
    demo.add_argument("--reports", type=int, default=0, metavar="N",
                      help="instead, write N realistic reports (two years of dates, histories, cases, analyses) "
                           "for load tests; they count in the statistics: only on a throwaway database")
    demo.set_defaults(func=cmd_demo)

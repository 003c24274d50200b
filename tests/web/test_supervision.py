"""Supervision: `/healthz`; tasks left by a dead worker queued again; `hotline serve` restarting a worker
or the web server killed with SIGKILL while it goes on serving, and draining on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, transaction
from django.test import Client
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hotline.web.reports import services, tasks
from hotline.web.reports.models import Evidence, Report
from hotline.web.reports.signals import report_received
from hotline.web.reports.tasks import analyse_evidence

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db
def test_healthz_reports_database_queue_and_disk() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["disk"]["free_mb"] > 0
    assert body["queue"] == {"ok": True, "waiting": 0, "lag_seconds": 0.0, "max_lag_seconds": 600.0}


@pytest.mark.django_db
def test_healthz_fails_when_the_queue_lags(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    analyse_evidence.enqueue(123456)
    settings.HOTLINE_HEALTH_MAX_QUEUE_LAG = -1.0
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"]["ok"] is False and response.json()["queue"]["waiting"] == 1
    settings.HOTLINE_HEALTH_MAX_QUEUE_LAG = 600.0
    settings.HOTLINE_HEALTH_MIN_FREE_MB = 10**12
    assert Client().get("/healthz").json()["disk"]["ok"] is False


@pytest.mark.django_db
def test_a_dead_workers_task_is_queued_again_and_a_live_ones_is_not(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    from hotline.cli.taskworker import requeue_orphans, worker_id

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    host = socket.gethostname()
    orphan = DBTaskResult.objects.get(id=analyse_evidence.enqueue(1).id)
    orphan.claim(f"{host}:{int(dead.stdout)}")
    alive = DBTaskResult.objects.get(id=analyse_evidence.enqueue(2).id)
    alive.claim(f"{host}:{os.getppid()}")
    mine = DBTaskResult.objects.get(id=analyse_evidence.enqueue(3).id)
    mine.claim(worker_id())

    assert requeue_orphans(worker_id()) == 1
    statuses = {r.id: r.status for r in DBTaskResult.objects.all()}
    assert statuses[orphan.id] == TaskResultStatus.READY
    assert statuses[alive.id] == TaskResultStatus.RUNNING
    assert statuses[mine.id] == TaskResultStatus.RUNNING  # a running worker's own task is left alone
    assert requeue_orphans(worker_id(), starting=True) == 1  # ...unless it is starting afresh
    assert DBTaskResult.objects.get(id=mine.id).status == TaskResultStatus.READY


CHAT = (b"01/03/2024, 20:01 - Dara: hi, you look mature for your age\n"
        b"01/03/2024, 20:02 - Sok: thanks\n"
        b"01/03/2024, 20:03 - Dara: don't tell your parents about our chat ok\n")


def _queued_analysis() -> tuple[Evidence, DBTaskResult]:
    receipt = services.create_report(category="grooming", platform="whatsapp",
                                     files=[(CHAT, "WhatsApp Chat with Dara.txt")])
    evidence = Evidence.objects.get(report=receipt.report)
    return evidence, DBTaskResult.objects.get(args_kwargs__args=[evidence.pk])


@pytest.mark.django_db
def test_a_task_cut_short_by_the_database_runs_again_and_is_stored_once(settings, monkeypatch) -> None:
    """PostgreSQL restarting while an analysis is written: the task is neither recorded failed nor its
    evidence marked failed; it goes back to the queue and its second run stores the one analysis."""
    settings.TASKS = DATABASE_TASKS
    from hotline.cli import taskworker

    evidence, task = _queued_analysis()
    worker = taskworker.SupervisedWorker()
    real_analyse = tasks.analyse
    cut: list[int] = []

    def restart_during_the_write(ev: Evidence) -> None:
        if not cut:
            cut.append(ev.pk)
            raise OperationalError("terminating connection due to administrator command")
        real_analyse(ev)

    monkeypatch.setattr(tasks, "analyse", restart_during_the_write)
    task.claim(worker.worker_id)
    with pytest.raises(OperationalError):
        worker.run_task(task)  # up to the worker's loop, which waits for the database
    task.refresh_from_db()
    evidence.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING and evidence.analysis_status == Evidence.Analysis.PENDING
    assert taskworker.requeue_orphans(worker.worker_id, starting=True) == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    task.claim(worker.worker_id)
    worker.run_task(task)
    task.refresh_from_db()
    evidence.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == Evidence.Analysis.DONE
    assert evidence.analysis_status == Evidence.Analysis.DONE and evidence.analysis_encrypted
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1


@pytest.mark.django_db
def test_a_database_error_that_keeps_coming_back_fails_the_task_in_the_end(settings, monkeypatch) -> None:
    settings.TASKS = DATABASE_TASKS
    from hotline.cli import taskworker

    _evidence, task = _queued_analysis()

    def always(ev: Evidence) -> None:
        raise OperationalError("no such column")

    monkeypatch.setattr(tasks, "analyse", always)
    worker = taskworker.SupervisedWorker()
    for _attempt in range(taskworker.MAX_INTERRUPTIONS):
        task.claim(worker.worker_id)
        with pytest.raises(OperationalError):
            worker.run_task(task)
    task.claim(worker.worker_id)
    worker.run_task(task)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["raises", "swallowed"])
def test_a_report_whose_transaction_cannot_commit_is_never_acknowledged(failure: str) -> None:
    """The connection drops while case work links a new report: whether the error reaches intake or a
    receiver swallows it (leaving the transaction to roll back on exit), create_report must fail, not
    hand out a code for a report that was never stored."""

    def connection_lost(sender: object, **kwargs: object) -> None:
        if failure == "raises":
            raise OperationalError("server closed the connection unexpectedly")
        transaction.set_rollback(True)  # what a savepoint that could not be rolled back leaves behind

    report_received.connect(connection_lost, dispatch_uid="test.connection_lost")
    try:
        with pytest.raises(OperationalError):
            services.create_report(category="grooming", platform="facebook", description="x",
                                   urls=["https://facebook.com/someone"])
    finally:
        report_received.disconnect(dispatch_uid="test.connection_lost")
    assert Report.objects.count() == 0
    services.create_report(category="grooming", platform="facebook", description="x")
    assert Report.objects.count() == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    """Direct children of `pid`: {pid: command line}."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _wait_for(predicate, deadline: float, what: str):
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.loads(response.read())
    except (OSError, urllib.error.HTTPError):
        return None


@pytest.mark.slow
def test_serve_restarts_what_dies_and_drains_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["HOTLINE_DATA_DIR"] = str(tmp_path / "var")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "serve", "--port", str(port), "--workers", "2", "--task-workers", "2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    said: list[str] = []  # the supervisor's lines as they come: a restart is known when it is said
    reader = threading.Thread(target=lambda: said.extend(line.decode(errors="replace") for line in proc.stdout),
                              daemon=True)
    reader.start()
    try:
        assert _wait_for(lambda: _health(port), time.monotonic() + 90, "the site")["status"] == "ok"

        def restarts() -> int:
            return sum("starting it again" in line for line in list(said))

        def workers() -> list[int]:
            return [p for p, cmd in _children(proc.pid).items() if "hotline worker" in cmd]

        def web() -> list[int]:
            return [p for p, cmd in _children(proc.pid).items() if "gunicorn" in cmd]

        first = _wait_for(lambda: w if len(w := workers()) == 2 else None, time.monotonic() + 30, "two workers")
        os.kill(first[0], signal.SIGKILL)
        assert _health(port) is not None  # the site keeps serving while the worker is down
        _wait_for(lambda: len(workers()) == 2 and first[0] not in workers() and restarts() == 1,
                  time.monotonic() + 30, "the killed worker to be replaced")

        (master,) = web()
        os.kill(master, signal.SIGKILL)
        _wait_for(lambda: restarts() == 2 and web() and master not in web(), time.monotonic() + 30,
                  "a new web server")
        assert _wait_for(lambda: _health(port), time.monotonic() + 60, "the site again")["status"] == "ok"

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = "".join(said)
    assert proc.returncode == 0, text
    assert text.count("starting it again") == 2, text
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(1)
        s.connect(("127.0.0.1", port))

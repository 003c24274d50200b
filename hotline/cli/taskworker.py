"""The background worker: django-tasks' database worker, made to outlast a busy or restarting database
and the death of another worker.

- A database error in the worker's loop ("database is locked" on SQLite, a dropped connection while
  PostgreSQL restarts) no longer ends the process: it waits (exponential back-off with jitter, at most
  `MAX_BACKOFF` seconds) and carries on.
- A task left RUNNING by a worker that died (SIGKILL, out of memory) is put back in the queue: at start
  and every `SWEEP_SECONDS`, tasks claimed by a process of this machine that no longer exists, or started
  more than `HOTLINE_TASK_STALE_SECONDS` ago (another machine's), are made READY again. The analysis task
  overwrites its one result, so a task run twice still leaves exactly one analysis.
- SIGTERM or Ctrl-C: the task in hand finishes, then the worker stops (django-tasks' own handling).

Imported only after `django.setup()`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

log = logging.getLogger("hotline.worker")

MAX_BACKOFF = 10.0
SWEEP_SECONDS = 30.0
DEFAULT_STALE_SECONDS = 1800


def worker_id() -> str:
    """Host and process: enough to tell, on this machine, whether the claimer still lives."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _orphaned(claimer: str, started: object, me: str, *, starting: bool) -> bool:
    host, _sep, pid = claimer.rpartition(":")
    stale = timedelta(seconds=int(getattr(settings, "HOTLINE_TASK_STALE_SECONDS", DEFAULT_STALE_SECONDS)))
    if claimer == me:
        return starting  # our own claim from a previous life (a container's PID 1), or a lost result
    if host == socket.gethostname() and pid.isdigit():
        return not _alive(int(pid))
    return started is None or timezone.now() - started > stale  # type: ignore[operator]


def requeue_orphans(me: str, *, starting: bool = False) -> int:
    """Put back in the queue the tasks whose worker is gone; returns how many."""
    requeued = 0
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("id", "worker_ids", "started_at")
    for task_id, claimers, started in running:
        claimer = (claimers or [""])[-1]
        if _orphaned(claimer, started, me, starting=starting):
            requeued += DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None)
    if requeued:
        log.warning("worker %s: %d task(s) left by a stopped worker queued again", me, requeued)
    return requeued


class SupervisedWorker(Worker):
    """`Worker.run` in a loop that survives database errors and sweeps up orphaned tasks."""

    def __init__(self, *, interval: float = 1.0, max_tasks: int | None = None) -> None:
        super().__init__(queue_names=["default"], interval=interval, batch=False, backend_name="default",
                         startup_delay=True, max_tasks=max_tasks, worker_id=worker_id(),
                         excluded_queue_names=[])
        self._last_sweep = 0.0
        self._starting = True

    def _sweep(self) -> None:
        now = time.monotonic()
        if self._starting or now - self._last_sweep >= SWEEP_SECONDS:
            requeue_orphans(self.worker_id, starting=self._starting)
            self._starting, self._last_sweep = False, now

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        with contextlib.suppress(OperationalError, InterfaceError):  # the next loop tries again
            self._sweep()

    def run(self) -> None:
        backoff = 0.2
        while self.running:
            try:
                self._sweep()
                backoff = 0.2
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                # Never the message: a driver's text may quote a query's parameters.
                log.warning("worker %s: database unavailable (%s); retrying in %.1f s",
                            self.worker_id, type(exc).__name__, backoff)
                time.sleep(backoff * (0.5 + random.random()))
                backoff = min(MAX_BACKOFF, backoff * 2)
                close_old_connections()
                self._starting = True  # a claim of ours whose result was not saved runs again

"""The background worker: django-tasks' database worker, made to outlast a busy or restarting database
and the death of another worker.

- A database error in the worker's loop ("database is locked" on SQLite, a dropped connection while
  PostgreSQL restarts) no longer ends the process: it waits (exponential back-off with jitter, at most
  `MAX_BACKOFF` seconds) and carries on.
- A task left RUNNING by a worker that died (SIGKILL, out of memory) is put back in the queue: at start
  and every `SWEEP_SECONDS`, tasks claimed by a process of this machine that no longer exists, or started
  more than `HOTLINE_TASK_STALE_SECONDS` ago (another machine's), are made READY again. The analysis task
  overwrites its one result, so a task run twice still leaves exactly one analysis.
- A task cut short by the database (OperationalError or InterfaceError from its body or while its
  result is saved: PostgreSQL restarting, a connection dropped) is not recorded as failed, as
  django-tasks' own `run_task` would: the worker waits for the database and runs it again (its claim is
  put back in the queue), up to `MAX_INTERRUPTIONS` times. Only an error of the task itself fails it.
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
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

log = logging.getLogger("hotline.worker")

MAX_BACKOFF = 10.0
SWEEP_SECONDS = 30.0
DEFAULT_STALE_SECONDS = 1800
#: Times one task may be cut short by the database before it is recorded as failed (an error that
#: recurs each time with the database otherwise answering is the task's own, not an outage).
MAX_INTERRUPTIONS = 5


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
        self._interruptions: dict[str, int] = {}

    def _sweep(self) -> None:
        now = time.monotonic()
        if self._starting or now - self._last_sweep >= SWEEP_SECONDS:
            requeue_orphans(self.worker_id, starting=self._starting)
            self._starting, self._last_sweep = False, now

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """django-tasks' `run_task`, except for a database error: that goes up to `run`, which waits
        and queues the task again, instead of being saved as the task's failure."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            context = (TaskContext(task_result=task_result),) if task.takes_context else ()
            return_value = task.call(*context, *task_result.args, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (OperationalError, InterfaceError) as exc:
            key = str(db_task_result.id)
            self._interruptions[key] = self._interruptions.get(key, 0) + 1
            if self._interruptions[key] <= MAX_INTERRUPTIONS:
                raise
            self._failed(db_task_result, exc)  # raises again if the database is still away
        except BaseException as exc:  # as django-tasks: the task's own failure is recorded
            self._failed(db_task_result, exc)
        finally:
            self.running_task = False
            self._run_tasks += 1
        self._interruptions.pop(str(db_task_result.id), None)
        with contextlib.suppress(OperationalError, InterfaceError):  # the next loop tries again
            self._sweep()

    @staticmethod
    def _failed(db_task_result: DBTaskResult, exc: BaseException) -> None:
        db_task_result.set_failed(exc)
        try:
            sender = type(db_task_result.task.get_backend())
            task_result = db_task_result.task_result
        except (ImportError, SuspiciousOperation):
            log.exception("task %s failed unexpectedly", db_task_result.id)
        else:
            task_finished.send(sender=sender, task_result=task_result)

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

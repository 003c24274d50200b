"""Forked worker processes for `hotline analyze FOLDER --jobs N`: each is handed the number of a chunk of
files, answers with the chunk's results, and is handed the next, until none is left; the results come back in
the order of the chunks, whichever worker finished first.

Why not `concurrent.futures.ProcessPoolExecutor`: its import (multiprocessing's connections, queues, logging)
and its two threads in the parent were ~20 ms before the first chat and a share of the parent's core after,
on a folder whose whole run is ~2 s on two cores. Forked children share the loaded rules, model and the
files' list; a chunk's number goes down a pipe and its results come up another, marshalled (only bytes,
strings and None travel: no pickles). Where a process cannot fork (Windows), the files are analysed here.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import signal
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, NoReturn

__all__ = ["WorkerError", "can_fork", "results"]

_HEADER = 9  # a result's header: one byte (0: results, 1: a failure's traceback) and the length, 8 bytes


class WorkerError(RuntimeError):
    """A worker process failed (a bug: what a file's own errors are is its task's to report) or ended."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def results(task: Callable[[Any], Any], chunks: Sequence[Sequence[Any]], jobs: int) -> Generator[Any, None, None]:
    """`task(item)` for every item of every chunk, in order, computed by `jobs` forked processes; each
    result is what `marshal` carries (bytes, str, None, and tuples and lists of them)."""
    workers: list[_Worker] = []
    sys.stdout.flush()  # what is buffered is the parent's to write
    sys.stderr.flush()
    finished = False
    try:
        for _ in range(min(jobs, len(chunks))):
            workers.append(_Worker.start(task, chunks, workers))
        yield from _gather(workers, len(chunks))
        finished = True
    finally:
        for worker in workers:
            worker.close()  # a waiting child reads the end of its orders, and ends
        for worker in workers:
            worker.wait(end=not finished)  # stopped early (an error, Ctrl-C): busy children are ended


def _gather(workers: list[_Worker], count: int) -> Iterator[Any]:
    """Hands out chunk numbers to idle workers and yields the results in chunk order."""
    done: dict[int, list[Any]] = {}
    handed = emitted = 0
    idle = list(workers)
    busy: dict[int, _Worker] = {}
    waiting = select.poll()  # (not `select.select`: no limit on the descriptors' numbers)
    while emitted < count:
        while idle and handed < count:
            worker = idle.pop()
            worker.hand(handed)
            busy[worker.reading] = worker
            waiting.register(worker.reading, select.POLLIN)
            handed += 1
        for fd, _ in waiting.poll():
            waiting.unregister(fd)
            worker = busy.pop(fd)
            done[worker.chunk] = worker.receive()
            idle.append(worker)
        while emitted in done:
            yield from done.pop(emitted)
            emitted += 1


class _Worker:
    """One child process, its pid and the parent's ends of its two pipes."""

    def __init__(self, pid: int, writing: int, reading: int) -> None:
        self.pid, self.writing, self.reading = pid, writing, reading
        self.chunk = -1

    @classmethod
    def start(cls, task: Callable[[Any], Any], chunks: Sequence[Sequence[Any]], others: list[_Worker]) -> _Worker:
        orders, results_ = os.pipe(), os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            for other in others:  # (the pipes of the workers started before)
                os.close(other.writing)
                os.close(other.reading)
            os.close(orders[1])
            os.close(results_[0])
            _serve(task, chunks, orders[0], results_[1])
        os.close(orders[0])
        os.close(results_[1])
        return cls(pid, orders[1], results_[0])

    def hand(self, chunk: int) -> None:
        self.chunk = chunk
        os.write(self.writing, chunk.to_bytes(4, "little"))

    def receive(self) -> list[Any]:
        header = _read(self.reading, _HEADER)
        body = _read(self.reading, int.from_bytes(header[1:], "little")) if len(header) == _HEADER else b""
        if len(header) < _HEADER or header[0] not in (0, 1):
            raise WorkerError(f"a worker process ended before it finished its files ({self._ended()})")
        if header[0] == 1:
            raise WorkerError("a worker process failed:\n" + body.decode("utf-8", "replace"))
        found: list[Any] = marshal.loads(body)
        return found

    def close(self) -> None:
        for fd in (self.writing, self.reading):
            with contextlib.suppress(OSError):
                os.close(fd)

    def wait(self, *, end: bool) -> None:
        try:
            if end:
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass

    def _ended(self) -> str:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return "status unknown"
        return f"exit status {os.waitstatus_to_exitcode(status)}"


def _serve(task: Callable[[Any], Any], chunks: Sequence[Sequence[Any]], orders: int, answers: int) -> NoReturn:
    """A child's loop: a chunk's number in, its results out, until the parent closes the pipe. The child
    ends with `os._exit`: the parent's exit functions and buffered output are the parent's."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the children quietly; the parent reports it
        while len(number := _read(orders, 4)) == 4:
            _write(answers, 0, marshal.dumps([task(item) for item in chunks[int.from_bytes(number, "little")]]))
    except BaseException:  # a bug in a task: its traceback goes to the parent, which raises WorkerError
        import traceback

        status = 1
        with contextlib.suppress(BaseException):
            _write(answers, 1, traceback.format_exc().encode("utf-8", "replace"))
    finally:
        os._exit(status)


def _write(fd: int, kind: int, body: bytes) -> None:
    for data in (memoryview(bytes([kind]) + len(body).to_bytes(8, "little")), memoryview(body)):
        while data:
            data = data[os.write(fd, data):]


def _read(fd: int, size: int) -> bytes:
    """`size` bytes from `fd`, fewer only at its end."""
    parts: list[bytes] = []
    while size > 0:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)

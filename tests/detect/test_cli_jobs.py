"""`hotline analyze FOLDER --jobs N`: the forked workers (results in order, a failing or dying worker
reported, none left behind), the chunks of files they take, and their output, which reaches stdout as
bytes they encoded, exactly as one process writes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.cli import workers
from hotline.cli.analyze import CHUNK_LEAST, CHUNK_MOST, _chunks

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval" / "chats"


pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="no fork here: a folder is analysed in one process")


def _children() -> set[int]:
    """This process's children, reaped or not (not `waitpid`, which would reap other tests' children)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


@pytest.fixture
def no_children_left() -> Iterator[None]:
    before = _children()
    yield
    assert _children() <= before


def _slow_echo(item: int) -> tuple[int, str]:
    time.sleep(0.002 * (item % 5))  # later chunks finish first now and then
    return item, str(item) * (item % 7)


def _fails_on_seven(item: int) -> int:
    if item == 7:
        raise ValueError("seven")
    return item


def _dies_on_seven(item: int) -> int:
    if item == 7:
        os._exit(3)
    return item


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_in_order_whichever_worker_finishes_first(jobs: int, no_children_left: None) -> None:
    chunks = [list(range(start, start + 6)) for start in range(0, 60, 6)]
    assert list(workers.results(_slow_echo, chunks, jobs)) == [_slow_echo(i) for i in range(60)]


def test_a_failing_task_is_reported_with_its_traceback(no_children_left: None) -> None:
    with pytest.raises(workers.WorkerError, match=r"(?s)failed.*ValueError: seven"):
        list(workers.results(_fails_on_seven, [[1, 2], [3, 7], [8, 9]], 2))


def test_a_worker_that_dies_is_reported(no_children_left: None) -> None:
    with pytest.raises(workers.WorkerError, match=r"ended before it finished its files \(exit status 3\)"):
        list(workers.results(_dies_on_seven, [[1, 2], [3, 7], [8, 9]], 2))


def test_stopping_early_ends_the_workers(no_children_left: None) -> None:
    found = workers.results(_slow_echo, [[i] for i in range(40)], 2)
    assert next(found) == _slow_echo(0)
    found.close()  # (as `run` does when writing the output fails)


@pytest.mark.parametrize("jobs", [1, 2, 3, 8])
@pytest.mark.parametrize("count", [1, 3, 17, 200, 2_000, 5_003])
def test_chunks_cover_the_folder_in_order_and_shrink(count: int, jobs: int) -> None:
    paths = [Path(f"chat-{i}.txt") for i in range(count)]
    chunks = list(_chunks(paths, jobs))
    assert [p for chunk in chunks for p in chunk] == paths
    sizes = [len(chunk) for chunk in chunks]
    assert sizes == sorted(sizes, reverse=True)  # the small ones last: no worker waits long at the end
    assert max(sizes) <= CHUNK_MOST and min(sizes[:-1], default=CHUNK_LEAST) >= CHUNK_LEAST
    if count >= 4 * jobs * CHUNK_MOST:
        assert sizes[0] == CHUNK_MOST and sizes[-1] <= CHUNK_LEAST


def _analyze(folder: Path, *args: str, cache: Path, encoding: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, HOTLINE_CACHE_DIR=str(cache))
    env.pop("PYTHONIOENCODING", None)
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run([sys.executable, "-m", "hotline", "analyze", str(folder), *args], env=env, cwd=ROOT,
                          capture_output=True, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", [None, "latin-1:backslashreplace"])
def test_workers_write_what_one_process_writes(tmp_path: Path, encoding: str | None) -> None:
    """Khmer and English chats, a file that cannot be read, JSON and the readable report, on UTF-8 and on a
    stdout whose encoding cannot hold Khmer (the workers encode as that stream would)."""
    folder = tmp_path / "chats"
    folder.mkdir()
    chosen = sorted(EVAL.glob("km-*.txt"))[:5] + sorted(EVAL.glob("en-*.txt"))[:5]
    for path in chosen:
        shutil.copy(path, folder / path.name)
    (folder / "zz-broken.json").write_text("{not json", encoding="utf-8")
    for args in (["--json"], []):
        one = _analyze(folder, *args, "--jobs", "1", cache=tmp_path / "cache", encoding=encoding)
        two = _analyze(folder, *args, "--jobs", "2", cache=tmp_path / "cache", encoding=encoding)
        assert one.returncode == two.returncode == 2, two.stderr.decode(errors="replace")
        assert two.stdout == one.stdout and two.stderr == one.stderr
        text = one.stdout.decode("latin-1" if encoding else "utf-8")
        assert "\\u17" in text if encoding else any("\u1780" <= c <= "\u17ff" for c in text)  # Khmer, as written

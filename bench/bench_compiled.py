"""Benchmark: the engine as installed (compiled with mypyc, the candidate stage in C) beside the same engine as
plain Python, in the same run.

    python bench/bench_compiled.py [--messages 100000] [--repeat 3]

Two copies of this checkout's `hotline` package in a temporary folder: one as it is, one with its hot modules
(`MODULES` of `hotline/detect/compilation.py`) compiled by mypyc and the candidate stage's C extension
(`signals/_automaton.c`) built beside them by the project's own build step (`setup.py build_ext --inplace`, what
`pip install` runs; needs mypy, a C compiler and Python's headers; about a minute and a half of CPU). Each runs
in its own processes (`PYTHONPATH`), so both read the same lexicons, model and corpora. Corpora: the three of
`bench_analyze.py` (harmless-heavy, cue-dense, khmer-heavy, with `../shared/data` when present), as WhatsApp
exports. Printed, as CPU time (user + system; best of `--repeat`, the two taking turns), with the load average
before and after:
1. end to end: `hotline analyze FILE --json` in a fresh process, start-up included (warm compiled-lexicon
   cache for both), and whether the two outputs are byte-identical;
2. parse + analyse in one process (a fresh process for each form, the time taken inside it);
3. start-up: `hotline analyze eval/chats/en-001.txt --json` (20 messages), CPU and wall time (medians of 7).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_analyze

ROOT = Path(__file__).resolve().parent.parent
FORMS = ("compiled", "pure Python")
#: What the install compiles (`MODULES`, relative to `hotline/detect`) and where it records the sources it
#: compiled (`RECORD`), read without importing the engine.
COMPILATION = runpy.run_path(str(ROOT / "hotline" / "detect" / "compilation.py"), run_name="bench")
MODULES: tuple[str, ...] = COMPILATION["MODULES"]


def copy_package(to: Path) -> Path:
    """This checkout's `hotline` package and what builds it (setup.py, pyproject.toml with mypy's settings, the
    README it names) in the folder `to`."""
    to.mkdir(parents=True)
    # the install's build products
    skip = shutil.ignore_patterns("__pycache__", "*.so", COMPILATION["RECORD"], COMPILATION["NATIVE_RECORD"])
    shutil.copytree(ROOT / "hotline", to / "hotline", ignore=skip)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, to)
    return to


def compile_copy(folder: Path) -> float:
    """Build `folder` in place as an install does (`setup.py build_ext`: MODULES compiled by mypyc, the
    candidate stage's C extension, the records of their sources); the CPU seconds it took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_PURE_PYTHON"}
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _env(folder: Path, cache: str) -> dict[str, str]:
    env = dict(os.environ, HOTLINE_CACHE_DIR=cache, PYTHONPATH=str(folder))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """CPU time (user + system) and wall time of a child process, and its output. It runs in the folder of
    the copies (`python -m` puts the current folder first on the path: not this checkout's package)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         cwd=Path(env["PYTHONPATH"]).parent).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall, out


def _inprocess(path: str, warm: str, repeat: int) -> float:
    """Worker (`--worker`): best CPU seconds of parse + analyse of `path`, after one run on `warm`."""
    from hotline.detect.analysis import analyze_items
    from hotline.detect.chats import whatsapp
    from hotline.detect.signals import default_scanner

    def once(file: str) -> float:
        gc.collect()
        t0 = time.process_time()
        with open(file, encoding="utf-8", newline="") as fh:
            analyze_items("whatsapp", whatsapp.iter_items(line.rstrip("\r\n") for line in fh),
                          scanner=default_scanner())
        return time.process_time() - t0

    once(warm)
    return min(once(path) for _ in range(repeat))


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", nargs=2, metavar=("FILE", "WARM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        from hotline.detect import analysis

        print(json.dumps({"seconds": _inprocess(args.worker[0], args.worker[1], args.repeat),
                          "module": str(analysis.__file__)}))
        return
    n, repeat = args.messages, args.repeat
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average before: {_load()}; "
          f"a plain loop of 10 million additions: {bench_analyze.loop_seconds():.2f} s of CPU")
    with tempfile.TemporaryDirectory() as tmp:
        folders = {"compiled": copy_package(Path(tmp) / "compiled"), "pure Python": copy_package(Path(tmp) / "pure")}
        print(f"mypyc: {len(MODULES)} modules compiled, and the candidate stage's C extension built, in "
              f"{compile_copy(folders['compiled']):.0f} s of CPU")
        files = {}
        for kind in bench_analyze.CORPORA:
            files[kind] = Path(tmp) / f"{kind}.txt"
            files[kind].write_bytes(bench_analyze.export(kind, n))
        warm = Path(tmp) / "warm.txt"
        warm.write_bytes(bench_analyze.export("cue-dense", n // 10))
        cache = str(Path(tmp) / "cache")
        envs = {form: _env(folder, cache) for form, folder in folders.items()}
        analyze = [sys.executable, "-m", "hotline", "analyze"]
        _run([*analyze, str(warm), "--json"], envs["pure Python"])  # the compiled lexicons, for both
        where = ("import hotline.detect.analysis as m; from hotline.detect.signals import default_scanner as s; "
                 "print(m.__file__); print(s()._index.native)")
        for form in FORMS:  # what `python -m hotline` imports, and whether its candidate stage runs in C
            module, native = _run([sys.executable, "-c", where], envs[form])[2].decode().split()
            assert Path(module).is_relative_to(folders[form]), module
            assert (Path(module).suffix == ".py") == (native == "False") == (form != "compiled"), (module, native)

        print(f"\n1. end to end: `hotline analyze FILE --json`, {n:,} messages, fresh process (CPU, best of {repeat})")
        for kind, path in files.items():
            best: dict[str, float] = dict.fromkeys(FORMS, float("inf"))
            outputs: dict[str, bytes] = {}
            for _ in range(repeat):
                for form in FORMS:
                    cpu, _, outputs[form] = _run([*analyze, str(path), "--json"], envs[form])
                    best[form] = min(best[form], cpu)
            same = "identical" if outputs["compiled"] == outputs["pure Python"] else "DIFFERENT"
            print(f"  {kind:15} compiled {n / best['compiled']:>8,.0f} msg/s ({best['compiled']:5.2f} s)   "
                  f"pure Python {n / best['pure Python']:>8,.0f} msg/s ({best['pure Python']:5.2f} s)   "
                  f"-> {best['pure Python'] / best['compiled']:.2f}x   output {same}")

        print(f"\n2. parse + analyse in one process (CPU, best of {repeat})")
        for kind, path in files.items():
            secs = {}
            for form in FORMS:
                worker = [sys.executable, __file__, "--repeat", str(repeat), "--worker", str(path), str(warm)]
                report = json.loads(_run(worker, envs[form])[2])
                module = Path(report["module"])
                assert module.is_relative_to(folders[form]) and (module.suffix == ".py") == (form != "compiled")
                secs[form] = report["seconds"]
            print(f"  {kind:15} compiled {n / secs['compiled']:>8,.0f} msg/s   pure Python "
                  f"{n / secs['pure Python']:>8,.0f} msg/s   -> {secs['pure Python'] / secs['compiled']:.2f}x")

        small = str(ROOT / "eval" / "chats" / "en-001.txt")
        runs: dict[str, list[tuple[float, float, bytes]]] = {form: [] for form in FORMS}
        for _ in range(7):
            for form in FORMS:
                runs[form].append(_run([*analyze, small, "--json"], envs[form]))
        shown = "; ".join(f"{form} {statistics.median(r[0] for r in runs[form]):.2f} s CPU, "
                          f"{statistics.median(r[1] for r in runs[form]):.2f} s wall" for form in FORMS)
        print(f"\n3. start-up: `hotline analyze eval/chats/en-001.txt --json` (20 messages, medians of 7): {shown}")
    print(f"\nload average after: {_load()}; the plain loop: {bench_analyze.loop_seconds():.2f} s of CPU")


if __name__ == "__main__":
    main()

"""The engine compiled with mypyc at install (`setup.py`), and the way back to its sources (`compilation`).

The build test compiles a one-module package laid out like Hotline's (the same `setup.py` and
`compilation.py`, its list cut to that module), so it takes seconds rather than the engine's minute and a half.
"""

from __future__ import annotations

import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from hotline.detect import compilation

REPO = Path(__file__).resolve().parents[2]
DETECT = REPO / "hotline" / "detect"
PROBE = '"""A module for the build test."""\n\n\ndef double(n: int) -> int:\n    return n * 2\n'


def test_every_listed_module_is_an_engine_source() -> None:
    assert len(set(compilation.MODULES)) == len(compilation.MODULES)
    for module in compilation.MODULES:
        assert (DETECT / module).is_file(), module
    assert "compilation.py" not in compilation.MODULES  # it decides which form the others load in


def test_the_record_is_trusted_only_while_the_sources_are_the_ones_compiled(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_PURE_PYTHON", raising=False)
    for module in ("risk.py", "text/khmer.py"):
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DETECT / module, tmp_path / module)
    assert not compilation.compiled(tmp_path)
    assert "not compiled at install" in compilation.status(tmp_path)

    digests = compilation.source_digests(tmp_path, ["risk.py", "text/khmer.py"])
    (tmp_path / compilation.RECORD).write_text(str(digests).replace("'", '"'), encoding="utf-8")
    assert compilation.compiled(tmp_path)
    assert f"runs compiled with mypyc (2 of {len(compilation.MODULES)} hot modules; left as Python: analysis.py" in compilation.status(tmp_path)
    monkeypatch.setenv("HOTLINE_PURE_PYTHON", "1")
    assert compilation.status(tmp_path).endswith("plain Python: HOTLINE_PURE_PYTHON=1")
    monkeypatch.delenv("HOTLINE_PURE_PYTHON")

    with (tmp_path / "text/khmer.py").open("a", encoding="utf-8") as fh:
        fh.write("# edited after the build\n")
    assert not compilation.compiled(tmp_path)
    assert "sources changed after they were compiled" in compilation.status(tmp_path)
    (tmp_path / "text/khmer.py").unlink()  # a source gone: not the one compiled either
    assert not compilation.compiled(tmp_path)


def _probe_package(root: Path) -> Path:
    """A package laid out like Hotline's whose only compiled module is `hotline/detect/probe.py`."""
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, root / name)
    detect = root / "hotline" / "detect"
    detect.mkdir(parents=True)
    (root / "hotline" / "__init__.py").write_text("")
    (detect / "__init__.py").write_text("from hotline.detect import compilation  # noqa: F401\n")
    source = (DETECT / "compilation.py").read_text(encoding="utf-8")
    source, listed = re.subn(r"\nMODULES = \([^)]*\)\n", '\nMODULES = ("probe.py",)\n', source)
    assert listed == 1
    (detect / "compilation.py").write_text(source, encoding="utf-8")
    (detect / "probe.py").write_text(PROBE, encoding="utf-8")
    return detect


def _installed(root: Path) -> list[Path]:
    """The extensions beside the sources (`build/` holds the build's own copies)."""
    return [*root.glob("*.so"), *(root / "hotline").rglob("*.so")]


def _build(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=root, text=True,
                          capture_output=True, env={**os.environ, **env}, check=True)


#: A test that compiles: skipped where the build can only install plain Python.
needs_a_compiler = pytest.mark.skipif(
    shutil.which(os.environ.get("CC", "cc")) is None or not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file(),
    reason="no C compiler or no Python headers here: the build installs plain Python")


def _loaded(root: Path, **env: str) -> tuple[str, str]:
    """Where a fresh process loads the probe from, and what `status()` says there."""
    script = ("import hotline.detect.probe as p, hotline.detect.compilation as c; assert p.double(21) == 42; "
              "print(p.__file__); print(c.status())")
    clean = {k: v for k, v in os.environ.items() if k != "HOTLINE_PURE_PYTHON"}
    run = subprocess.run([sys.executable, "-c", script], cwd=root, text=True, capture_output=True, check=True,
                         env={**clean, "PYTHONPATH": str(root), **env})
    file, status = run.stdout.splitlines()
    return file, status


@pytest.mark.slow
def test_without_a_c_compiler_the_package_installs_as_plain_python(tmp_path: Path) -> None:
    detect = _probe_package(tmp_path)
    build = _build(tmp_path, CC="/bin/false")
    assert "installed as plain Python: the C compiler failed" in build.stderr
    assert not _installed(tmp_path) and not (detect / compilation.RECORD).exists()
    assert _loaded(tmp_path)[0] == str(detect / "probe.py")


@pytest.mark.slow
@needs_a_compiler
def test_a_compiled_module_runs_until_its_source_changes(tmp_path: Path) -> None:
    detect = _probe_package(tmp_path)
    build = _build(tmp_path)
    assert "compiled 1 of the engine's 1 hot modules" in build.stderr
    file, status = _loaded(tmp_path)
    assert Path(file).parent == detect and file.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    assert status == "the engine runs compiled with mypyc (1 of 1 hot modules)"
    assert _loaded(tmp_path, HOTLINE_PURE_PYTHON="1")[0] == str(detect / "probe.py")
    assert "compiled hot modules are up to date" in _build(tmp_path).stderr  # installed again: nothing to do

    with (detect / "probe.py").open("a", encoding="utf-8") as fh:
        fh.write("# edited after the build\n")
    file, status = _loaded(tmp_path)
    assert file == str(detect / "probe.py") and "sources changed" in status

    assert (detect / compilation.RECORD).exists()
    _build(tmp_path, HOTLINE_PURE_PYTHON="1")  # installing pure removes what the earlier build left
    assert not _installed(tmp_path) and not (detect / compilation.RECORD).exists()

"""Compiles the engine's hot modules with mypyc when installing (`pip install .`, `pip install -e .`, wheels).

Everything else about the package is in pyproject.toml. The modules are listed in
`hotline/detect/compilation.py`, which also says when the compiled form is used. A module mypyc rejects is
left as Python and the others compiled; when compiling is impossible (no mypyc, no C compiler) or
`HOTLINE_PURE_PYTHON=1` is set, the package installs as plain Python and works the same, slower. Compiling
happens in `build_ext` only, so reading the package's metadata (`make lock`) compiles nothing. The same step
builds the candidate stage's C extension (`hotline/detect/signals/_automaton.c`); if that one fails to build,
the stage runs as Python and the rest stays compiled. pip shows this
file's messages with `pip install -v`; `make install` prints what was installed (`compilation.status()`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
DETECT = ROOT / "hotline" / "detect"
COMPILATION = runpy.run_path(str(DETECT / "compilation.py"), run_name="hotline_compilation")
#: The candidate stage in C (`signals/_automaton.c`): an extension of its own, built beside mypyc's; a checkout
#: without the `.c` (the build test's one-module package) has none.
NATIVE = "hotline.detect.signals._automaton"
NATIVE_SOURCE = DETECT / COMPILATION["NATIVE"]
PURE = os.environ.get("HOTLINE_PURE_PYTHON") == "1"
#: Rounds of leaving out the modules mypyc rejects before giving up on compiling.
ATTEMPTS = 3


def _say(message: str) -> None:
    print(f"hotline: {message}", file=sys.stderr)


def _remove_compiled(detect: Path = DETECT, keep: frozenset[Path] = frozenset()) -> None:
    """What an earlier build left in `detect` (the source tree's for an editable install, else the build's
    folder, which a wheel is made of) and beside its package, but `keep`: the sources run instead, and a new
    shared library never meets an old module's extension."""
    ours = tuple(EXTENSION_SUFFIXES)
    found = [p for p in detect.rglob("*") if p.name.endswith(ours)]
    found += [p for p in detect.parent.parent.glob(f"{COMPILATION['GROUP']}__mypyc*") if p.name.endswith(ours)]
    for path in [*found, detect / COMPILATION["RECORD"], detect / COMPILATION["NATIVE_RECORD"]]:
        if path.resolve() not in keep:
            path.unlink(missing_ok=True)


def _up_to_date() -> bool:
    """Whether this source tree holds every module compiled (an earlier editable install) from these sources,
    and the candidate stage's extension built from its `.c`."""
    recorded, suffix = COMPILATION["_recorded"](DETECT), EXTENSION_SUFFIXES[0]
    wanted = {DETECT / f"{m.removesuffix('.py')}{suffix}" for m in COMPILATION["MODULES"]}
    wanted.add(ROOT / f"{COMPILATION['GROUP']}__mypyc{suffix}")
    native = not NATIVE_SOURCE.is_file() or (
        COMPILATION["native_current"](DETECT) and NATIVE_SOURCE.with_name(f"{NATIVE_SOURCE.stem}{suffix}").is_file())
    return (set(recorded) == set(COMPILATION["MODULES"]) and COMPILATION["compiled"](DETECT)
            and wanted <= set(COMPILATION["build_products"](DETECT)) and native)


def _native_extension() -> list[Extension]:
    if PURE or not NATIVE_SOURCE.is_file():
        return []
    return [Extension(NATIVE, sources=[NATIVE_SOURCE.relative_to(ROOT).as_posix()], extra_compile_args=["-O2"])]


class BuildCompiled(build_ext):
    """`build_ext` that builds what mypyc makes of the engine's modules, or nothing if it cannot, and the
    candidate stage's C extension (without it, that stage runs as Python)."""

    def finalize_options(self) -> None:
        self.set_undefined_options("build", ("build_temp", "build_temp"))
        self.compiled_modules: list[str] = []
        self.native_built = False
        self.up_to_date = False
        if not self.distribution.ext_modules:
            pass
        elif (self.inplace or getattr(self, "editable_mode", False)) and _up_to_date():
            # Nothing to compile (`make run` again). The shared library, named for the editable install's finder.
            self.up_to_date = True
            self.distribution.ext_modules = [Extension(f"{COMPILATION['GROUP']}__mypyc", sources=[])]
        else:  # the placeholder: replaced before setuptools prepares the list
            self.distribution.ext_modules = self._mypycify() + _native_extension()
        super().finalize_options()

    def _mypycify(self) -> list[Extension]:
        try:
            from mypyc.build import mypycify
        except ImportError as exc:
            _say(f"installed as plain Python: no mypyc ({exc})")
            return []
        modules = list(COMPILATION["MODULES"])
        cwd, target = os.getcwd(), os.path.abspath(os.path.join(self.build_temp, "mypyc"))
        for _ in range(ATTEMPTS):
            printed = io.StringIO()  # mypyc prints its errors and exits
            try:
                os.chdir(ROOT)  # mypyc names modules by their path from here, and reads pyproject's [tool.mypy]
                with contextlib.redirect_stdout(printed):
                    extensions = mypycify([f"hotline/detect/{m}" for m in modules], opt_level="3",
                                          group_name=COMPILATION["GROUP"], target_dir=target)
                self.compiled_modules = modules
                return list(extensions)
            except (Exception, SystemExit) as exc:
                errors = [line for line in printed.getvalue().splitlines() if ": error:" in line]
                rejected = {m: e for m in modules for e in reversed(errors) if e.startswith(f"hotline/detect/{m}:")}
                if not rejected or len(rejected) == len(modules):
                    reason = errors[0] if errors else f"{type(exc).__name__}: {exc}"
                    _say(f"installed as plain Python: mypyc failed ({reason})")
                    return []
                for _, error in sorted(rejected.items()):
                    _say(f"left as Python, mypyc rejects it: {error}")
                modules = [m for m in modules if m not in rejected]
            finally:
                os.chdir(cwd)
        _say("installed as plain Python: mypyc kept rejecting modules")
        return []

    def build_extension(self, ext: Extension) -> None:
        if ext.name != NATIVE:
            super().build_extension(ext)
            return
        # Always compiled (about a second) when a build runs: setuptools skips an extension whose file is no older
        # than its source in whole seconds, so a `.c` edited in the second of the last build would keep the old
        # extension under the new source's digest.
        force, self.force = self.force, True
        try:  # the candidate stage alone: mypyc's modules stay compiled without it
            super().build_extension(ext)
            self.native_built = True
        except Exception as exc:
            _say(f"the candidate stage stays Python: its C extension failed to build ({type(exc).__name__}: {exc})")
        finally:
            self.force = force

    def run(self) -> None:
        # What an earlier build left (in the source tree for an editable install, in build/ for a wheel) must
        # not outlive this one; it stays while this one runs: the compiler skips what mypyc did not change.
        if self.up_to_date:
            _say(f"the engine's {len(COMPILATION['MODULES'])} compiled hot modules are up to date")
            return
        target = Path(self.get_ext_fullpath("hotline.detect.compilation")).parent
        if not self.extensions:
            _remove_compiled(target)
            return
        try:
            super().run()
        except Exception as exc:  # no C compiler, no Python headers, or the compiler fails
            _say(f"installed as plain Python: the C compiler failed ({type(exc).__name__}: {exc})")
            _remove_compiled(target)
            self.extensions = self.distribution.ext_modules = []
            return
        built = [self.get_ext_fullpath(ext.name) for ext in self.extensions if ext.name != NATIVE or self.native_built]
        built += [p for p in self.get_outputs() if self.native_built or p != self.get_ext_fullpath(NATIVE)]
        _remove_compiled(target, keep=frozenset(Path(p).resolve() for p in built))
        # Where the modules went (the source tree for an editable install): record what they were built from.
        if self.compiled_modules:
            digests = COMPILATION["source_digests"](DETECT, self.compiled_modules)
            (target / COMPILATION["RECORD"]).write_text(json.dumps(digests, indent=0) + "\n", encoding="utf-8")
            _say(f"compiled {len(digests)} of the engine's {len(COMPILATION['MODULES'])} hot modules with mypyc")
        if self.native_built:
            COMPILATION["record_native"](target, DETECT)
            _say("built the candidate stage in C (signals/_automaton.c)")


if PURE:
    _remove_compiled()
# The placeholder tells setuptools the package has extensions (a platform wheel, `build_ext` runs);
# BuildCompiled replaces it with what mypyc makes.
setup(
    ext_modules=[] if PURE else [Extension("hotline.detect.native__mypyc", sources=[])],
    cmdclass={"build_ext": BuildCompiled},
)

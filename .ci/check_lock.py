"""Every dependency named in pyproject.toml (and its locked extras) is pinned in requirements.lock.

A dependency added to pyproject.toml but not to the lock is still installed by `make` (the lock is a
constraint file), unpinned; this says so loudly, and fails CI, until `make lock` is run.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKED_EXTRAS = ("test", "postgres", "bench")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in LOCKED_EXTRAS:
        specs += project.get("optional-dependencies", {}).get(extra, [])
    return {canonical(re.match(r"[A-Za-z0-9._-]+", s.strip()).group(0)) for s in specs}  # type: ignore[union-attr]


def pinned() -> set[str]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    return {canonical(m.group(1)) for line in lines if (m := re.match(r"([A-Za-z0-9._-]+)(\[.*\])?==", line))}


def main() -> int:
    missing = sorted(declared() - pinned())
    if not missing:
        return 0
    print(f"requirements.lock lacks {', '.join(missing)} (declared in pyproject.toml): run `make lock`",
          file=sys.stderr)
    return 0 if "--warn" in sys.argv else 1


if __name__ == "__main__":
    raise SystemExit(main())

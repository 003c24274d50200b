"""`hotline backup DEST` and `hotline restore SRC`: the database and the evidence, never the keys.

A backup folder holds the database (SQLite through its online backup API, so the site keeps running and
the copy is consistent; PostgreSQL through `pg_dump --format=custom`), the encrypted evidence files, and
`manifest.json` (what was copied, counts, and a fingerprint of each encryption key: a hash that tells
whether the right keys were supplied without revealing them). The database is copied first: an
evidence file is written before the row that names it is committed, so every file the copy names is
already on disk when the evidence is copied.

The key file stays out: whoever holds a backup without the keys holds ciphertext. `restore` needs them
supplied apart (`--keys FILE`, or already at HOTLINE_KEY_FILE), checks them against the fingerprints,
and refuses to overwrite an instance that already has a database unless told to (`--force`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from hotline.detect.errors import HotlineError

from .site import _environment, _setup

MANIFEST = "manifest.json"
SQLITE_NAME = "hotline.sqlite3"
PG_NAME = "database.pgdump"
EVIDENCE = "evidence"
FORMAT = 1


def fingerprint(key: str) -> str:
    """Tells which key a backup needs without revealing it."""
    return hashlib.sha256(b"hotline backup key fingerprint\0" + key.encode()).hexdigest()[:24]


def _key_fingerprints(path: Path) -> list[str]:
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise HotlineError(f"{path}: {exc.strerror}") from None
    if not text.startswith("{"):  # the older layout: one bare Fernet key
        if len(text) == 44 and text.endswith("="):
            return [fingerprint(text)]
        raise HotlineError(f"{path} is not a Hotline key file")
    try:
        return [fingerprint(str(k["key"])) for k in json.loads(text)["fernet"]]
    except (ValueError, KeyError, TypeError):
        raise HotlineError(f"{path} is not a Hotline key file") from None


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next((str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                               reverse=True)), None)
    if found is None:
        raise HotlineError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def _pg_run(db: dict[str, Any], tool: str, *args: str) -> None:
    """Run pg_dump or pg_restore against the configured database, without owners or privileges."""
    env = dict(os.environ, PGPASSWORD=str(db.get("PASSWORD") or ""))
    subprocess.run([_pg_tool(tool), "--no-owner", "--no-privileges",
                    "-h", str(db.get("HOST") or "localhost"), "-p", str(db.get("PORT") or 5432),
                    "-U", str(db.get("USER") or "postgres"), *args], env=env, check=True)


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """SQLite's online backup: a consistent copy even while the site writes."""
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


def _database() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def _copy_tree(src: Path, dst: Path, skip: set[Path]) -> tuple[int, int]:
    """Copy files (not the stash of unsent uploads, not the key file); returns (files, bytes)."""
    files = size = 0
    if not src.is_dir():
        return 0, 0
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or rel.parts[0] == "stash" or path.resolve() in skip:
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        files, size = files + 1, size + path.stat().st_size
    return files, size


def cmd_backup(args: argparse.Namespace) -> int:
    _environment(args.data_dir)
    _setup()
    from django.conf import settings

    from hotline.web.reports.models import Evidence, Report

    dest = Path(args.dest).resolve()
    if dest.exists() and any(dest.iterdir()):
        raise HotlineError(f"{dest} is not empty; back up into a new folder")
    key_file = Path(settings.HOTLINE_KEY_FILE).resolve()
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    if dest == key_file.parent or key_file.is_relative_to(dest):
        raise HotlineError("the backup folder must not hold the key file")
    db = _database()
    if db["ENGINE"].endswith("sqlite3"):
        kind = "sqlite"
        _sqlite_copy(Path(db["NAME"]), dest / SQLITE_NAME)
    else:
        kind = "postgresql"
        _pg_run(db, "pg_dump", "--format=custom", "-f", str(dest / PG_NAME), str(db["NAME"]))
    files, size = _copy_tree(Path(settings.HOTLINE_EVIDENCE_DIR), dest / EVIDENCE, {key_file})
    manifest = {
        "format": FORMAT, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "database": kind,
        "reports": Report.objects.count(), "evidence_rows": Evidence.objects.count(),
        "evidence_files": files, "evidence_bytes": size,
        "key_fingerprints": _key_fingerprints(key_file) if key_file.exists() else [],
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1))
    print(f"Backed up {manifest['reports']} reports and {files} evidence files ({size} bytes) to {dest}.")
    print(f"The keys are not in it: keep {key_file} safe, apart from the backup.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    src = Path(args.src).resolve()
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError):
        raise HotlineError(f"{src} is not a Hotline backup (no readable {MANIFEST})") from None
    if manifest.get("format") != FORMAT:
        raise HotlineError(f"{src}: backup format {manifest.get('format')!r} is not one this version reads")
    _environment(args.data_dir)
    from django.conf import settings  # settings only: Django is set up once the keys are in place

    key_file = Path(settings.HOTLINE_KEY_FILE)
    keys = Path(args.keys) if args.keys else key_file
    if not keys.exists():
        raise HotlineError(f"no keys: pass --keys FILE (the key file kept apart from the backup), or put it at {key_file}")
    wanted = set(manifest.get("key_fingerprints") or [])
    if wanted and not wanted & set(_key_fingerprints(keys)):
        raise HotlineError(f"{keys} does not hold the keys this backup was encrypted with")
    db = _database()
    evidence = Path(settings.HOTLINE_EVIDENCE_DIR)
    sqlite_target = Path(db["NAME"]) if db["ENGINE"].endswith("sqlite3") else None
    if (manifest["database"] == "sqlite") != (sqlite_target is not None):
        raise HotlineError(f"the backup holds a {manifest['database']} database; this instance uses another "
                           "(DATABASE_URL decides)")
    occupied = (sqlite_target is not None and sqlite_target.exists()) or (evidence.is_dir() and any(evidence.iterdir()))
    if occupied and not args.force:
        raise HotlineError(f"{settings.DATA_DIR} already holds data; restore into an empty folder, or pass --force")
    if keys.resolve() != key_file.resolve():
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(keys, key_file)
        key_file.chmod(0o600)
    if sqlite_target is not None:
        sqlite_target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_target}{suffix}").unlink(missing_ok=True)
        _sqlite_copy(src / SQLITE_NAME, sqlite_target)
    else:
        _pg_run(db, "pg_restore", "--clean", "--if-exists", "-d", str(db["NAME"]), str(src / PG_NAME))
    files, _size = _copy_tree(src / EVIDENCE, evidence, set())
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)  # a backup from an older version
    print(f"Restored {manifest['reports']} reports and {files} evidence files into {settings.DATA_DIR}.")
    return 0


def register(sub: Any) -> None:
    backup = sub.add_parser("backup", help="copy the database and the evidence (not the keys) into a new folder",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    backup.add_argument("dest", help="a new or empty folder")
    backup.add_argument("--data-dir", help="the instance's data folder (default: $HOTLINE_DATA_DIR or ./var)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup into an empty instance, with the keys kept apart",
                             description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    restore.add_argument("src", help="a folder made by `hotline backup`")
    restore.add_argument("--keys", help="the key file kept apart from the backup (copied to HOTLINE_KEY_FILE)")
    restore.add_argument("--data-dir", help="where to restore (default: $HOTLINE_DATA_DIR or ./var)")
    restore.add_argument("--force", action="store_true", help="overwrite an instance that already holds data")
    restore.set_defaults(func=cmd_restore)

"""Key material, kept in one file that operators store apart from the data folder and its backups.

    fernet_keys() / multifernet()           encryption of evidence files and fields (newest key first)
    keyed_hash(purpose, value) -> "id$hex"  HMAC-SHA-256 under the newest key, carrying the key's id
    keyed_hashes(purpose, value)            the same under every key (a look-up finds hashes made before a rotation)
    verify_keyed_hash(purpose, value, stored)
    daily_salt()                            today's salt for hashing client addresses (rate limits)
    rotate(path) / retire(path)             add new keys in front / drop all but the newest Fernet key

The file (`HOTLINE_KEY_FILE`, mode 0600) is JSON: {"fernet": [{"id", "key"}], "hmac": [{"id", "key"}],
"salt_seed"}. A file holding one bare Fernet key (the layout before keyed hashes) is read as the first
Fernet key and rewritten in the new layout. Every process re-reads the file when it changes, so a
rotation reaches all workers without a restart; writes are atomic (temporary file, fsync, rename) and
serialised with a lock file, so two workers starting at once agree on one set of keys.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

__all__ = [
    "KeyRing", "daily_salt", "fernet_keys", "fsync_dir", "key_path", "keyed_hash", "keyed_hashes", "multifernet", "retire",
    "ring", "rotate", "verify_keyed_hash",
]


@dataclass(frozen=True)
class KeyRing:
    """Keys newest first: the first of each list is used to write; all of them to read or verify."""

    fernet: tuple[tuple[str, bytes], ...]
    hmac: tuple[tuple[str, bytes], ...]
    salt_seed: bytes

    def to_json(self) -> str:
        return json.dumps({
            "fernet": [{"id": kid, "key": key.decode()} for kid, key in self.fernet],
            "hmac": [{"id": kid, "key": key.hex()} for kid, key in self.hmac],
            "salt_seed": self.salt_seed.hex(),
        }, indent=1)


def key_path() -> Path:
    return Path(settings.HOTLINE_KEY_FILE)


def _new_id(taken: set[str], prefix: str) -> str:
    number = 1 + max((int(k[1:]) for k in taken if k[1:].isdigit()), default=0)
    return f"{prefix}{number}"


def _parse(text: str) -> KeyRing | None:
    """The ring in `text`; None for the old one-key layout (or an empty file)."""
    text = text.strip()
    if not text.startswith("{"):
        return None
    data = json.loads(text)
    return KeyRing(
        fernet=tuple((str(k["id"]), str(k["key"]).encode()) for k in data["fernet"]),
        hmac=tuple((str(k["id"]), bytes.fromhex(k["key"])) for k in data["hmac"]),
        salt_seed=bytes.fromhex(data["salt_seed"]),
    )


def _fresh(old_fernet_key: bytes | None = None) -> KeyRing:
    fernet_key = old_fernet_key or Fernet.generate_key()
    return KeyRing(fernet=(("f1", fernet_key),), hmac=(("h1", secrets.token_bytes(32)),),
                   salt_seed=secrets.token_bytes(32))


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, keys: KeyRing) -> None:
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(keys.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _load_or_create(path: Path) -> KeyRing:
    """The ring in `path`, creating the file (or upgrading the old layout) under the lock."""
    if path.exists():
        parsed = _parse(path.read_text())
        if parsed is not None:
            return parsed
    with _locked(path):
        text = path.read_text() if path.exists() else ""
        parsed = _parse(text)
        if parsed is not None:
            return parsed
        keys = _fresh(text.strip().encode() or None)
        _write(path, keys)
        return keys


_cache: dict[Path, tuple[tuple[int, int, int], KeyRing]] = {}


def ring(path: Path | None = None) -> KeyRing:
    """The keys in force, re-read whenever the file changes (one stat per call)."""
    path = path or key_path()
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except FileNotFoundError:
        stamp = (0, 0, 0)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keys = _load_or_create(path)
    st = path.stat()
    _cache[path] = ((st.st_mtime_ns, st.st_size, st.st_ino), keys)
    return keys


def fernet_keys() -> tuple[tuple[str, bytes], ...]:
    return ring().fernet


def multifernet() -> MultiFernet:
    return _multifernet(ring().fernet)


_fernets: dict[tuple[tuple[str, bytes], ...], MultiFernet] = {}


def _multifernet(keys: tuple[tuple[str, bytes], ...]) -> MultiFernet:
    if keys not in _fernets:
        _fernets.clear()
        _fernets[keys] = MultiFernet([Fernet(key) for _kid, key in keys])
    return _fernets[keys]


def _digest(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, purpose.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA-256 of `value` for `purpose` under the newest key, as "<key id>$<hex>"."""
    kid, key = ring().hmac[0]
    return f"{kid}${_digest(key, purpose, value)}"


def keyed_hashes(purpose: str, value: str) -> list[str]:
    """The hash under every key, newest first: what a look-up matches stored hashes against."""
    return [f"{kid}${_digest(key, purpose, value)}" for kid, key in ring().hmac]


def verify_keyed_hash(purpose: str, value: str, stored: str) -> bool:
    """Whether `stored` ("id$hex") is the hash of `value` under the key it names (constant time)."""
    kid, _sep, digest = stored.partition("$")
    for key_id, key in ring().hmac:
        if key_id == kid:
            return hmac.compare_digest(_digest(key, purpose, value), digest)
    return False


def is_current(stored: str) -> bool:
    """Whether a stored keyed hash was made under the newest key (else: rehash on the next success)."""
    return stored.partition("$")[0] == ring().hmac[0][0]


def daily_salt(day: dt.date | None = None) -> bytes:
    """A salt every worker derives alike for `day` (UTC) and that changes each day; the seed stays in
    the key file, so a copy of the database or cache cannot link hashed addresses to addresses."""
    day = day or dt.datetime.now(dt.UTC).date()
    return hmac.new(ring().salt_seed, day.isoformat().encode(), hashlib.sha256).digest()


def rotate(path: Path | None = None) -> KeyRing:
    """Put a new Fernet key and a new HMAC key in front; keep the old ones for reading."""
    path = path or key_path()
    with _locked(path):
        text = path.read_text() if path.exists() else ""
        old = _parse(text) or _fresh(text.strip().encode() or None)
        keys = KeyRing(
            fernet=((_new_id({k for k, _ in old.fernet}, "f"), Fernet.generate_key()), *old.fernet),
            hmac=((_new_id({k for k, _ in old.hmac}, "h"), secrets.token_bytes(32)), *old.hmac),
            salt_seed=old.salt_seed,
        )
        _write(path, keys)
    return ring(path)


def retire(path: Path | None = None) -> KeyRing:
    """Drop every Fernet key but the newest (after everything was re-encrypted). HMAC keys are kept:
    PIN hashes made under an old key can only be renewed when their reporter comes back."""
    path = path or key_path()
    with _locked(path):
        old = ring(path)
        _write(path, KeyRing(fernet=old.fernet[:1], hmac=old.hmac, salt_seed=old.salt_seed))
    return ring(path)


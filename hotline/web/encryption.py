"""Encryption at rest for evidence and for free text about people (see `encryptedfields`): Fernet with
the keys of the key file (`HOTLINE_KEY_FILE`, created on first use, mode 0600; see `keys`), so that
a rotation re-encrypts with a new key while the old ones still decrypt.

Files are written to a temporary name, fsync'd, renamed and the folder fsync'd, so that a report the
reporter was told is received has its evidence on disk even if the process dies the next moment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import InvalidToken, MultiFernet

from . import keys

__all__ = ["InvalidToken", "decrypt", "encrypt", "read_encrypted", "remove_file", "write_encrypted"]


def fernet() -> MultiFernet:
    """The keys in force (`hotline.web.keys`): the newest encrypts, every one still decrypts."""
    return keys.multifernet()


def encrypt(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return fernet().decrypt(bytes(token))


def write_encrypted(folder: Path, data: bytes, name: str | None = None) -> str:
    """Encrypt `data` into a new file in `folder` (random name unless given), durably; returns its name."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = name or secrets.token_hex(16) + ".bin"
    tmp = folder / (name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(encrypt(data))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / name)
    keys.fsync_dir(folder)
    return name


def read_encrypted(folder: Path, name: str) -> bytes:
    return decrypt((folder / name).read_bytes())


def remove_file(folder: Path, name: str) -> None:
    (folder / name).unlink(missing_ok=True)

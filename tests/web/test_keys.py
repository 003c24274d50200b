"""The key file: created once for all workers, old one-key layout upgraded, rotation seen by every
process without a restart, keyed hashes that carry their key id and stay valid across a rotation."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from hotline.web import keys


def _ring_in(path: str) -> str:
    return keys.ring(Path(path)).to_json()


def test_two_processes_starting_at_once_agree_on_one_ring(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "hotline.keys"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        rings = pool.map(_ring_in, [str(path)] * 8)
    assert len(set(rings)) == 1
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_old_one_key_file_is_upgraded_and_still_decrypts(tmp_path: Path) -> None:
    path = tmp_path / "evidence.key"
    old_key = Fernet.generate_key()
    path.write_bytes(old_key + b"\n")
    token = Fernet(old_key).encrypt(b"written before the upgrade")
    with override_settings(HOTLINE_KEY_FILE=path):
        assert keys.multifernet().decrypt(token) == b"written before the upgrade"
        assert keys.fernet_keys()[0] == ("f1", old_key)
    assert path.read_text().startswith("{")


def test_rotation_reencrypts_and_keeps_old_hashes_valid(tmp_path: Path) -> None:
    path = tmp_path / "hotline.keys"
    with override_settings(HOTLINE_KEY_FILE=path):
        token = keys.multifernet().encrypt(b"secret")
        old_hash = keys.keyed_hash("pin", "ABCDEFGH:123456")
        assert old_hash.startswith("h1$")
        keys.rotate()
        assert keys.fernet_keys()[0][0] == "f2" and keys.ring().hmac[0][0] == "h2"
        assert keys.verify_keyed_hash("pin", "ABCDEFGH:123456", old_hash)
        assert not keys.verify_keyed_hash("pin", "ABCDEFGH:654321", old_hash)
        assert not keys.is_current(old_hash)
        assert old_hash in keys.keyed_hashes("pin", "ABCDEFGH:123456")
        rotated = keys.multifernet().rotate(token)
        keys.retire()
        assert len(keys.fernet_keys()) == 1
        assert keys.multifernet().decrypt(rotated) == b"secret"
        with pytest.raises(Exception):  # noqa: B017 - InvalidToken: the old key is gone
            keys.multifernet().decrypt(token)


def test_purposes_and_days_give_different_hashes(tmp_path: Path) -> None:
    import datetime as dt

    with override_settings(HOTLINE_KEY_FILE=tmp_path / "k"):
        assert keys.keyed_hash("pin", "x") != keys.keyed_hash("link", "x")
        assert keys.daily_salt(dt.date(2026, 1, 1)) != keys.daily_salt(dt.date(2026, 1, 2))
        assert keys.daily_salt(dt.date(2026, 1, 1)) == keys.daily_salt(dt.date(2026, 1, 1))

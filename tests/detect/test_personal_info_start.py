"""Personal details' start-up: what is kept in the compiled-form cache gives what making it afresh gives, and
a warm start reads a phone number without importing phonenumbers (`hotline.detect.signals.personal_info`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.detect.signals import compiled
from hotline.detect.signals import personal_info as pi

ROOT = Path(__file__).resolve().parents[2]


def _fresh_cache(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(folder))
    monkeypatch.setattr(compiled, "_cache", None)


def test_kept_cambodian_source_is_the_metadata_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = pi._cambodian_source()
    assert pi._kh_metadata_key() is not None  # phonenumbers is installed as files
    _fresh_cache(monkeypatch, tmp_path)
    assert pi._kept_cambodian_source() == made  # made, and stored
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    key = pi._kh_metadata_key()
    assert key is not None and compiled.record(key) == made
    assert pi._kept_cambodian_source() == made  # read back
    assert pi._cambodian_pattern().pattern == made


def test_cache_off_still_gives_the_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", "")
    monkeypatch.setattr(compiled, "_cache", None)
    assert pi._kept_cambodian_source() == pi._cambodian_source()


_SCRIPT = """
import sys
from hotline.detect.signals.personal_info import find_personal_info, preload
preload()
found = find_personal_info("call me 012 345 678")
print(repr([(d.value, d.normalized) for d in found]), "phonenumbers" in sys.modules)
"""


def test_warm_start_reads_a_phone_without_importing_phonenumbers(tmp_path: Path) -> None:
    env = dict(os.environ, HOTLINE_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", _SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    found = "[('012 345 678', '+85512345678')]"
    assert runs[0] == found + " True"  # cold: the pattern is read from phonenumbers' metadata, and kept
    assert runs[1] == found + " False"

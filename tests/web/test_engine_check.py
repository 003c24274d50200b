"""A broken lexicon stops `manage.py check` (and so `hotline serve`), naming the file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

import hotline.detect
from hotline.detect import signals
from hotline.detect.signals import rules as rules_mod


def _clear() -> None:
    signals.default_scanner.cache_clear()
    rules_mod.load_ruleset.cache_clear()
    rules_mod.load_macros.cache_clear()


@pytest.fixture
def broken_lexicons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the packaged lexicons with one rule's weight out of range."""
    shutil.copytree(Path(hotline.detect.__file__).parent / "lexicons", tmp_path / "lexicons")
    path = tmp_path / "lexicons" / "en" / "grooming.json"
    data = json.loads(path.read_text("utf-8"))
    data["rules"][0]["weight"] = 7
    path.write_text(json.dumps(data), "utf-8")
    _clear()
    monkeypatch.setattr(rules_mod, "_lexicon_dir", lambda lang: tmp_path / "lexicons" / lang)
    yield path
    monkeypatch.undo()
    _clear()


def test_the_check_passes_on_the_packaged_data() -> None:
    call_command("check", verbosity=0)


def test_a_broken_lexicon_fails_the_check_and_names_the_file(broken_lexicons: Path) -> None:
    with pytest.raises(SystemCheckError) as caught:
        call_command("check", verbosity=0)
    text = str(caught.value)
    assert "hotline.E001" in text and "grooming.json" in text and "weight" in text

"""`hotline analyze --json` writes what `json.dumps` of the analysis writes, and leaves the process's garbage
collection as it found it."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.cli import main
from hotline.detect import analyze
from hotline.detect.chats import load
from tests.detect.test_risk import HARMFUL

synthetic = pytest.importorskip("hotline.detect.chats.synthetic")


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    start = datetime(2025, 3, 12, 19, 0)
    lines = HARMFUL["en_grooming"] + HARMFUL["en_sextortion"] + [("Kim \"K\"", "ok 😘 ស្រលាញ់")]
    path = tmp_path / "WhatsApp Chat with Mike.txt"
    path.write_bytes(synthetic.render("whatsapp", [(s, start + timedelta(minutes=i), t)
                                                    for i, (s, t) in enumerate(lines)]))
    return path


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_json_bytes(chat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(chat), "--json"]) == 0
    out = capsys.readouterr().out
    analysis = analyze(load(chat, unnamed_text=True))
    assert analysis.findings
    assert out == json.dumps({"file": str(chat), **analysis.to_dict()}, ensure_ascii=False) + "\n"


def test_several_files_one_line_each(chat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(chat.parent), "--json", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    analysis = analyze(load(chat, unnamed_text=True))
    assert out == json.dumps({"file": str(chat), **analysis.to_dict()}, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("young", [700, 0])  # Python's default, and collection switched off
def test_garbage_collection_left_as_it_was(chat: Path, thresholds: tuple[int, int, int], young: int,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    gc.set_threshold(young, *thresholds[1:])
    assert main(["analyze", str(chat), "--json"]) == 0
    assert gc.get_threshold() == (young, *thresholds[1:])
    assert gc.get_freeze_count() == 0  # what the chat left is old, not frozen (only at exit)

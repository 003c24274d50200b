"""`hotline analyze` through the real entry point, on generated exports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.cli import main
from tests.detect.test_risk import BENIGN, HARMFUL

synthetic = pytest.importorskip("hotline.detect.chats.synthetic")


def _export(tmp_path: Path, name: str, lines: list[tuple[str, str]], fmt: str = "whatsapp") -> Path:
    start = datetime(2025, 3, 12, 19, 0)
    data = synthetic.render(fmt, [(s, start + timedelta(minutes=i), t) for i, (s, t) in enumerate(lines)])
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_single_file_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _export(tmp_path, "WhatsApp Chat with Mike.txt", HARMFUL["en_grooming"])
    assert main(["analyze", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["format"] == "whatsapp" and d["message_count"] == len(HARMFUL["en_grooming"])
    assert d["risk"] in ("high", "critical") and d["signals"]["grooming"]
    assert d["participants"][0]["role"] == "suspected_offender"


def test_folder_gives_one_json_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _export(tmp_path, "a.txt", HARMFUL["km_sextortion"])
    _export(tmp_path, "b.json", BENIGN["friends_cafe"], fmt="telegram")
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Path(r["file"]).name for r in rows] == ["a.txt", "b.json"]
    assert rows[0]["signals"]["sextortion"] and rows[0]["risk"] == "critical"
    assert rows[1]["risk"] in ("none", "low", "medium") and rows[1]["format"] == "telegram"


def test_human_report_quotes_messages_and_advises(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = _export(tmp_path, "chat.txt", HARMFUL["en_sextortion"])
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Risk: CRITICAL" in out and "\033[" not in out
    assert "#0 X" in out and "I have your nude photos" in out
    assert "Do not pay" in out and "hotline" in out


def test_errors_are_one_line_and_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"messages": [', encoding="utf-8")
    assert main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hotline analyze: error:") and "\n" not in err and "Traceback" not in err
    assert main(["analyze", str(tmp_path / "missing.txt")]) == 2


def test_text_without_names_is_read_as_unattributed_messages(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A chat copied from a phone screen into a .txt has no sender names: it is analysed, no sender invented."""
    chat = tmp_path / "copied.txt"
    chat.write_text("hi hey\nhow old are you\nim 13\ndont tell your parents about me ok\n", encoding="utf-8")
    assert main(["analyze", str(chat), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["format"] == "plain" and row["message_count"] == 4
    assert all(p["name"] is None for p in row["participants"])
    damaged = tmp_path / "damaged.txt"
    damaged.write_text('{"messages": [', encoding="utf-8")
    assert main(["analyze", str(damaged)]) == 2


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _export(tmp_path, "good.txt", BENIGN["shop_phone"])
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    assert main(["analyze", str(tmp_path), "--json"]) == 2
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {Path(r["file"]).name for r in rows} == {"bad.json", "good.txt"}
    assert any("error" in r for r in rows) and any("risk" in r for r in rows)

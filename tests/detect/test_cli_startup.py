"""What `hotline analyze` loads at start: a WhatsApp text needs neither the zip reader nor the CSV/JSON Lines
parser, while a zip and a CSV file still read the same through the entry point; the garbage collector's
thresholds come back as they were after the command's modules loaded with few collections."""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hotline.cli import main

_CHAT = Path(__file__).resolve().parents[2] / "eval" / "chats" / "en-001.txt"


def test_a_whatsapp_text_loads_no_zip_reader_and_no_tabular_parser() -> None:
    if not _CHAT.is_file():
        pytest.skip(f"{_CHAT} is not in this checkout")
    code = ("import sys; from hotline.cli import main; main(['analyze', sys.argv[1], '--json']); "
            "print(sorted(m for m in sys.modules if m.startswith('hotline.detect.chats.')))")
    run = subprocess.run([sys.executable, "-c", code, str(_CHAT)], capture_output=True, text=True, check=True)
    out, loaded = run.stdout.rsplit("\n", 2)[0], run.stdout.rsplit("\n", 2)[1]
    assert json.loads(out)["format"] == "whatsapp"
    assert "hotline.detect.chats.whatsapp" in loaded
    assert "hotline.detect.chats.archive" not in loaded and "hotline.detect.chats.tabular" not in loaded


def test_a_zip_and_a_csv_still_read_through_the_entry_point(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    if not _CHAT.is_file():
        pytest.skip(f"{_CHAT} is not in this checkout")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("WhatsApp Chat with Dara.txt", _CHAT.read_bytes())
    (tmp_path / "chat.zip").write_bytes(buf.getvalue())
    (tmp_path / "chat.csv").write_text("sender,time,text\nDara,2025-03-12 19:00,hi\nSok,2025-03-12 19:01,hello\n",
                                       encoding="utf-8")
    assert main(["analyze", str(_CHAT), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["analyze", str(tmp_path / "chat.zip"), "--json"]) == 0
    zipped = json.loads(capsys.readouterr().out)
    assert zipped["format"] == "whatsapp" and zipped["message_count"] == plain["message_count"] > 10
    assert {k: v for k, v in zipped.items() if k not in ("file", "title")} == {
        k: v for k, v in plain.items() if k not in ("file", "title")}
    assert main(["analyze", str(tmp_path / "chat.csv"), "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["format"] == "csv" and table["message_count"] == 2


def test_the_collection_thresholds_come_back(capsys: pytest.CaptureFixture[str]) -> None:
    if not _CHAT.is_file():
        pytest.skip(f"{_CHAT} is not in this checkout")
    before = gc.get_threshold()
    try:
        gc.set_threshold(555, 7, 9)
        assert main(["analyze", str(_CHAT), "--json"]) == 0
        assert gc.get_threshold() == (555, 7, 9)
        with pytest.raises(SystemExit):
            main(["no-such-command"])
        assert gc.get_threshold() == (555, 7, 9)
    finally:
        gc.set_threshold(*before)
    capsys.readouterr()

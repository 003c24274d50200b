"""`hotline analyze` on HTML exports as people have them: a Telegram Desktop folder, its first page, its
zip, and Facebook's message_1.html."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.cli import main
from hotline.detect.chats import synthetic_html
from tests.detect.test_risk import BENIGN, HARMFUL

Item = tuple[str, datetime, str]


def _items(lines: list[tuple[str, str]]) -> list[Item]:
    start = datetime(2025, 3, 12, 19, 0)
    return [(s, start + timedelta(minutes=20 * i), t) for i, (s, t) in enumerate(lines)]


def _telegram_folder(root: Path, items: list[Item], per_page: int) -> Path:
    folder = root / "ChatExport_2025-03-14"
    (folder / "css").mkdir(parents=True)
    (folder / "js").mkdir()
    (folder / "css" / "style.css").write_text(".page_wrap{}")
    (folder / "js" / "script.js").write_text("function CheckLocation(){}")
    for n, page in enumerate(synthetic_html.telegram_pages(items, title="Mike", per_page=per_page), start=1):
        (folder / ("messages.html" if n == 1 else f"messages{n}.html")).write_bytes(page)
    return folder


@pytest.mark.parametrize("target", ["folder", "first page", "zip"])
def test_a_telegram_html_export_is_one_chat(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    lines = HARMFUL["en_grooming"]
    folder = _telegram_folder(tmp_path, _items(lines), per_page=3)
    assert (folder / "messages2.html").exists()
    path = {"folder": folder, "first page": folder / "messages.html"}.get(target)
    if path is None:
        path = tmp_path / "export.zip"
        path.write_bytes(synthetic_html.zip_of({str(p.relative_to(tmp_path)): p.read_bytes()
                                                for p in sorted(folder.rglob("*")) if p.is_file()}))
    assert main(["analyze", str(path), "--json"]) == 0
    (d,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert d["format"] == "telegram_html" and d["message_count"] == len(lines)
    assert d["risk"] in ("high", "critical") and d["signals"]["grooming"]


def test_a_folder_of_exports_reads_a_telegram_folder_as_one(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    _telegram_folder(tmp_path, _items(HARMFUL["en_grooming"]), per_page=3)
    thread = tmp_path / "messages" / "inbox" / "friends_1234"
    thread.mkdir(parents=True)
    (thread / "message_1.html").write_bytes(
        synthetic_html.facebook(_items(BENIGN["friends_cafe"]), title="Friends", layout="2019"))
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(Path(r["file"]).name, r["format"]) for r in rows] == [
        ("ChatExport_2025-03-14", "telegram_html"), ("friends_1234", "messenger_html")]
    assert rows[1]["risk"] in ("none", "low", "medium")

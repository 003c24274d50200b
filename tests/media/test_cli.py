"""The commands: check-photo, hash, match and hashlist, run in-process through `hotline.cli.main`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.cli import main
from hotline.detect.media import read_metadata
from tests.media.pictures import encode, exif_bytes, picture


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    (tmp_path / "gps.jpg").write_bytes(encode(picture(1), "JPEG", exif=exif_bytes(11.5564, 104.9282, owner="Sok")))
    (tmp_path / "other.png").write_bytes(encode(picture(2), "PNG"))
    (tmp_path / "resized.jpg").write_bytes(encode(picture(1).resize((320, 240)), "JPEG", quality=60))
    (tmp_path / "flat.png").write_bytes(encode(picture(1).point(lambda _: 128), "PNG"))
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def _json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_check_photo_json_and_strip(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = files / "clean.jpg"
    assert main(["check-photo", str(files / "gps.jpg"), "--json", "--strip", str(out_file)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["gps"] == {"latitude": 11.5564, "longitude": 104.9282}
    assert {w["code"] for w in result["warnings"]} >= {"gps", "person_name"}
    assert read_metadata(out_file.read_bytes()).gps is None


def test_check_photo_text_output(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-photo", str(files / "gps.jpg")]) == 0
    out = capsys.readouterr().out
    assert "GPS position: 11.556400, 104.928200" in out and "openstreetmap.org" in out


@pytest.mark.parametrize(("name", "message"), [("notes.txt", "not an image"), ("missing.jpg", "no such file")])
def test_check_photo_bad_files(files: Path, capsys: pytest.CaptureFixture[str], name: str, message: str) -> None:
    assert main(["check-photo", str(files / name)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_hash_json_lines(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["hash", "--json", str(files / "gps.jpg"), str(files / "notes.txt"), str(files / "flat.png")])
    captured = capsys.readouterr()
    assert status == 2  # one bad file, reported, the others still hashed
    lines = _json_lines(captured.out)
    assert [line["file"] for line in lines] == [str(files / "gps.jpg"), str(files / "flat.png")]
    assert set(lines[0]) == {"file", "pdq", "quality", "md5", "sha256"}
    assert isinstance(lines[0]["pdq"], str) and len(lines[0]["pdq"]) == 64
    assert lines[1]["pdq"] is None
    assert "notes.txt" in captured.err


def test_hashlist_add_match_export_import(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hashlist", "add", "evidence", str(files / "gps.jpg"), "--label", "case 1"]) == 0
    capsys.readouterr()
    assert main(["match", str(files / "resized.jpg"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["matches"][0]["list"] == "evidence" and result["matches"][0]["distance"] <= 31
    assert main(["match", str(files / "other.png")]) == 1
    assert "no match" in capsys.readouterr().out

    assert main(["hashlist", "export", "evidence", "--format", "csv"]) == 0
    exported = capsys.readouterr().out
    assert exported.startswith("pdq,label,source,quality\n") and "case 1" in exported
    (files / "copy.csv").write_text(exported)
    assert main(["hashlist", "import", str(files / "copy.csv"), "--name", "copy", "--threshold", "10"]) == 0
    capsys.readouterr()
    pdq = exported.splitlines()[1].split(",")[0]
    assert main(["match", pdq, "--list", "copy", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matches"][0]["threshold"] == 10


def test_match_rotated_copy_only_with_rotations(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    main(["hashlist", "add", "evidence", str(files / "other.png"), "--label", "x"])
    (files / "turned.png").write_bytes(encode(picture(2).transpose(Image.Transpose.ROTATE_90), "PNG"))
    assert main(["match", str(files / "turned.png")]) == 1
    assert main(["match", str(files / "turned.png"), "--rotations", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["matches"][0]["variant"] != "original"


def test_cli_errors_are_one_clear_line(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (files / "bad.csv").write_text("pdq,label\nnothex,x\n")
    assert main(["hashlist", "import", str(files / "bad.csv"), "--name", "x"]) == 2
    assert "line 2" in capsys.readouterr().err
    assert main(["match", "a" * 64, "--list", "nope"]) == 2
    assert "no hash list named 'nope'" in capsys.readouterr().err
    assert main(["hashlist", "add", "x", str(files / "flat.png"), "--label", "flat"]) == 2
    assert "quality" in capsys.readouterr().err

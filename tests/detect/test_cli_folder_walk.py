"""`hotline analyze FOLDER` lists a folder with `scandir`, sorted by name: the files, their order and what is
read as one chat are those of the plain way (`sorted(folder.iterdir())`, `Path.is_dir`, `Path.suffix`)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from hotline.cli import analyze
from hotline.detect.chats import export_parts
from hotline.detect.errors import InputError


def _plain_walk(folder: Path) -> Iterator[Path]:
    """The walk as it was written with `Path`s: the reference."""
    try:
        export_parts(folder)
    except InputError:
        pass
    else:
        yield folder
        return
    children = [c for c in sorted(folder.iterdir()) if not c.name.startswith(".")]
    if children and all(c.is_file() and c.suffix.lower() in analyze._SCREENSHOT_SUFFIXES for c in children):
        yield folder
        return
    for child in children:
        if child.is_dir():
            yield from _plain_walk(child)
        elif child.is_file() and child.suffix.lower() not in analyze._SKIP_SUFFIXES:
            yield child


def _tree(root: Path, seed: int) -> Path:
    """Files and folders whose names sort differently as bytes, by case, with dots, digits and non-ASCII."""
    rng = random.Random(seed)
    stems = ["a", "B", "b", "chat", "Chat", "10", "9", "_x", "z.z", "ខ្មែរ", "é", "e", "a b", "a-b", "a.", "..x", ".hidden"]
    suffixes = ["", ".txt", ".TXT", ".json", ".jpg", ".PNG", ".zip", ".css", ".tar.gz", ".html"]
    root.mkdir()
    for depth_folder in (root, root / "sub", root / "Sub" / "deeper"):
        depth_folder.mkdir(parents=True, exist_ok=True)
        for _ in range(40):
            name = rng.choice(stems) + rng.choice(suffixes)
            if name:
                (depth_folder / name).write_text("x", encoding="utf-8")
    shots = root / "shots"
    shots.mkdir()
    for name in ("2.png", "10.JPG", "1.jpeg", ".DS_Store"):
        (shots / name).write_bytes(b"\x89PNG")
    paged = root / "telegram"
    paged.mkdir()
    for name in ("messages.html", "messages2.html"):
        (paged / name).write_text("<html></html>", encoding="utf-8")
    return root


def test_the_walk_is_the_plain_one(tmp_path: Path) -> None:
    for seed in range(5):
        root = _tree(tmp_path / f"t{seed}", seed)
        walked = list(analyze._walk(root))
        assert walked == list(_plain_walk(root))
        assert root / "shots" in walked and root / "telegram" in walked  # each read as one chat
        assert [str(p) for p in walked] == [str(p) for p in _plain_walk(root)]  # the "file" field's text too


def test_screenshots_of_a_folder_in_name_order(tmp_path: Path) -> None:
    root = _tree(tmp_path / "t", 0)
    assert analyze._screenshots_in(root / "shots") == sorted(
        p for p in (root / "shots").iterdir() if not p.name.startswith("."))
    assert analyze._screenshots_in(root) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert analyze._screenshots_in(empty) == [] and list(analyze._walk(empty)) == []

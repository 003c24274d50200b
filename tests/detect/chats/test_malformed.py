"""Broken, truncated, hostile or wrong inputs: always one InputError with a message, never a traceback."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.detect import chats
from hotline.detect.chats import ZipLimits, synthetic
from hotline.detect.errors import ArchiveRejected, InputError, MalformedExport, UnsupportedFormat
from tests.detect.chats.factory import chat


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _messenger() -> bytes:
    return synthetic.render("messenger", chat())


def _telegram() -> bytes:
    return synthetic.render("telegram", chat())


WA = synthetic.render("whatsapp", chat())

#: (case id, input bytes, expected error class, expected `where` or None, words the message must contain)
CASES: list[tuple[str, bytes, type[InputError], str | None, str]] = [
    ("empty", b"", MalformedExport, None, "empty"),
    ("blank", b" \n\r\n\t", MalformedExport, None, "empty"),
    ("png renamed .txt", b"\x89PNG\r\n\x1a\n" + bytes(200), UnsupportedFormat, None, "PNG image"),
    ("jpeg", b"\xff\xd8\xff\xe0" + bytes(200), UnsupportedFormat, None, "JPEG"),
    ("pdf", b"%PDF-1.7\n%..." + bytes(50), UnsupportedFormat, None, "PDF"),
    ("binary junk", bytes(range(256)) * 4, UnsupportedFormat, None, ""),
    ("nul-laden junk", b"\x00\x01\x02\x03" * 300, UnsupportedFormat, None, "binary"),
    ("latin-1, not unicode", b"Dara: caf\xe9 ok\nSokha: \xe0 bient\xf4t\n", UnsupportedFormat, "byte 9", "Unicode"),
    ("messenger truncated", _messenger()[:300], MalformedExport, None, "cut off"),
    ("telegram truncated", _telegram()[:500], MalformedExport, None, "cut off"),
    ("messenger wrong shape", b'{"sender_name": "x", "messages": 5}', MalformedExport, "top level", "messages"),
    ("messenger no time", b'{"messages": [{"sender_name": "A", "content": "x"}]}', MalformedExport,
     "messages[0]", "timestamp_ms"),
    ("messenger bad item", b'{"messages": [{"sender_name": "A", "timestamp_ms": 1}, 7]}', MalformedExport,
     "messages[1]", "not an object"),
    ("telegram bad date", b'{"name": "x", "type": "personal_chat", "messages": [{"id": 1, "type": "message",'
     b' "date": "yesterday", "from": "A", "text": "x"}]}', MalformedExport, "messages[0]", "date"),
    ("telegram no chats", b'{"about": "x", "personal_information": {}, "chats": {"list": []}}',
     MalformedExport, "chats.list", "no chats"),
    ("json of no known kind", b'{"hello": "world"}', UnsupportedFormat, None, "JSON"),
    ("json list of numbers", b"[1, 2, 3]", UnsupportedFormat, None, "JSON"),
    ("deeply nested json", b'{"sender_name": "A", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     MalformedExport, None, "nested"),
    ("nested unknown json", b'{"messages": ' + b"[" * 100_000, UnsupportedFormat, None, "JSON"),
    ("jsonl broken row", b'{"sender": "A", "time": "2025-03-12T21:14:00", "text": "x"}\n{"sender": "B", "te',
     MalformedExport, "line 2", "JSON Lines"),
    ("csv bad time", b"sender,time,text\nA,2025-03-12T21:14:00,x\nB,not a time,y\n", MalformedExport, "line 3",
     "time"),
    ("line message before a date", b"[LINE] Chat history with A\n\n21:14\tA\thello\n", MalformedExport, "line 3",
     "date"),
    ("line quote never closed", b"[LINE] Chat history with A\n\nWed, 12/03/2025\n21:14\tA\t\"open\nmore\n",
     MalformedExport, None, "closed"),
    ("whatsapp dates contradict", b"13/01/2025, 10:00 - A: x\n01/13/2025, 10:00 - A: y\n", MalformedExport,
     "line 2", "date"),
    ("prose, no chat", b"Just some words without any speaker.\nAnd another line.\n", UnsupportedFormat, None,
     "not a chat export"),
    ("zip damaged", _zip({"_chat.txt": WA})[:60], MalformedExport, "zip", "damaged"),
    ("zip without chat", _zip({"photo.jpg": b"\xff\xd8\xff" + bytes(10)}), UnsupportedFormat, "zip", "no chat"),
    ("zip in a zip", _zip({"inner.zip": _zip({"_chat.txt": WA})}), ArchiveRejected, "inner.zip", "inside"),
    ("zip chat is a zip", _zip({"_chat.txt": _zip({"a.txt": b"x"})}), ArchiveRejected, "_chat.txt", "inside"),
    ("zip of an image", _zip({"_chat.txt": b"\x89PNG\r\n\x1a\n" + bytes(100)}), UnsupportedFormat, None, "PNG"),
]


@pytest.mark.parametrize(("data", "error", "where", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed(data: bytes, error: type[InputError], where: str | None, words: str) -> None:
    with pytest.raises(error) as e:
        chats.parse(data, "upload.txt")
    assert e.value.message and words.lower() in e.value.message.lower()
    if where is not None:
        assert e.value.where == where
    with pytest.raises(error):  # the filename is only a hint
        chats.parse(data)


@pytest.mark.parametrize(("data", "fmt"), [
    (WA, "telegram"), (WA, "messenger"), (WA, "jsonl"), (_messenger(), "whatsapp"), (_messenger(), "line"),
    (_telegram(), "csv"), (WA, "line"),
])
def test_forced_wrong_format_is_an_input_error(data: bytes, fmt: str) -> None:
    with pytest.raises(InputError):
        chats.parse(data, format=fmt)


def test_unknown_format_name() -> None:
    with pytest.raises(UnsupportedFormat, match="choose one of"):
        chats.parse(WA, format="signal")


# --- zip bounds -----------------------------------------------------------------------------------------------


def test_zip_bomb_by_ratio() -> None:
    bomb = _zip({"_chat.txt": b"0" * (20 << 20)})
    assert len(bomb) < 100_000
    with pytest.raises(ArchiveRejected, match="zip bomb") as e:
        chats.parse(bomb)
    assert e.value.where == "_chat.txt"


def test_zip_needing_a_newer_zip_version() -> None:
    """zipfile raises NotImplementedError (not BadZipFile) for a version it cannot extract."""
    data = bytearray(_zip({"_chat.txt": WA}))
    central = data.rindex(b"PK\x01\x02")
    data[central + 6:central + 8] = (64).to_bytes(2, "little")  # "version needed to extract": 6.4
    with pytest.raises(MalformedExport):
        chats.parse(bytes(data))


def test_zip_too_many_members() -> None:
    data = _zip({"_chat.txt": WA} | {f"IMG-{i}.jpg": b"x" for i in range(30)})
    assert chats.parse(data).format == "whatsapp"
    with pytest.raises(ArchiveRejected, match="31 files"):
        chats.parse(data, limits=ZipLimits(max_members=30))


def test_zip_too_large_in_total() -> None:
    data = _zip({"_chat.txt": WA, "VID-1.mp4": bytes(5000)}, zipfile.ZIP_STORED)
    with pytest.raises(ArchiveRejected, match="unpack"):
        chats.parse(data, limits=ZipLimits(max_total_bytes=4000))


def test_zip_chat_member_too_large() -> None:
    data = _zip({"_chat.txt": WA})
    with pytest.raises(ArchiveRejected, match="chat file"):
        chats.parse(data, limits=ZipLimits(max_member_bytes=len(WA) - 1))


def test_zip_that_lies_about_its_size() -> None:
    """A member whose header declares fewer bytes than it holds is refused, not read past its bound."""
    data = bytearray(_zip({"_chat.txt": WA}, zipfile.ZIP_STORED))
    # Shrink the declared size in the central directory (offset 24 of the record) to 10 bytes.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    with pytest.raises(InputError):
        chats.parse(bytes(data))


# --- load -------------------------------------------------------------------------------------------------------


def test_load_reads_and_bounds(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Dara.txt"
    path.write_bytes(WA)
    assert chats.load(path).format == "whatsapp"
    with pytest.raises(InputError, match="at most"):
        chats.load(path, max_bytes=100)


@pytest.mark.parametrize("make", [lambda p: p / "missing.txt", lambda p: p])
def test_load_unreadable(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    with pytest.raises(InputError):
        chats.load(make(tmp_path))


# --- never anything but InputError ------------------------------------------------------------------------------

SEEDS = [WA, _messenger(), _telegram(), synthetic.render("line", chat()), synthetic.render("csv", chat()),
         synthetic.render("jsonl", chat()), _zip({"_chat.txt": WA})]


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=2000))
def test_random_bytes_only_raise_input_error(data: bytes) -> None:
    try:
        chats.parse(data)
    except InputError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None, database=None)
@given(seed=st.sampled_from(SEEDS), cut=st.integers(0, 10_000), junk=st.binary(max_size=20), fmt=st.sampled_from(
    [None, *chats.FORMAT_NAMES]))
def test_damaged_exports_only_raise_input_error(seed: bytes, cut: int, junk: bytes, fmt: str | None) -> None:
    data = seed[: cut % (len(seed) + 1)] + junk + seed[cut % (len(seed) + 1) + len(junk):]
    try:
        chats.parse(data, format=fmt)
    except InputError as exc:
        assert str(exc)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=500))
def test_random_pasted_text_only_raises_input_error(text: str) -> None:
    try:
        conv = chats.parse_text(text)
    except InputError as exc:
        assert str(exc)
    else:
        assert all(m.index == i for i, m in enumerate(conv.messages))


def test_time_is_never_naive() -> None:
    for fmt in synthetic.FORMATS:
        conv = chats.parse(synthetic.render(fmt, [("A", datetime(2025, 3, 12, 9, 0), "x")]))
        assert all(m.time is None or m.time.tzinfo is not None for m in conv.messages)

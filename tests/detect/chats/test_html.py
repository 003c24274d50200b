"""HTML exports (Telegram Desktop, Facebook and Instagram): render in the apps' markup, parse back, compare."""

from __future__ import annotations

import contextlib
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hotline.detect import chats
from hotline.detect.chats import synthetic_html
from hotline.detect.chats.encoding import fix_mojibake
from hotline.detect.chats.html_page import PageLimits, read_page
from hotline.detect.chats.synthetic import DELETED, MEDIA
from hotline.detect.chats.synthetic_html import telegram_pages, zip_of
from hotline.detect.errors import InputError, MalformedExport, UnsupportedFormat
from tests.detect.chats.factory import PP, chat, floor

CASES = [(f, v) for f in synthetic_html.FORMATS for v in synthetic_html.VARIANTS[f]]
IG_HINT = "your_instagram_activity/messages/inbox/dara_1/message_1.html"


def _assert_same(conv: chats.Conversation, items: list[tuple[str, datetime, str]], step: timedelta) -> None:
    got = [(m.index, m.sender, m.text, bool(m.attachments)) for m in conv.messages]
    want = [(i, s, "" if x == MEDIA else x, x == MEDIA) for i, (s, _, x) in enumerate(items)]
    assert got == want
    for m, (_, t, _) in zip(conv.messages, items, strict=True):
        assert m.time is not None and m.time.tzinfo is not None
        assert m.time == floor(t, step), (m.index, m.time, t)


@pytest.mark.parametrize(("fmt", "variant"), CASES, ids=[f"{f}-{v}" for f, v in CASES])
def test_round_trip(fmt: str, variant: str) -> None:
    items = chat()
    data = synthetic_html.render(fmt, items, variant=variant, title="Dara")
    hint = IG_HINT if fmt == "instagram_html" else "message_1.html"
    assert chats.detect_format(data, hint) == fmt
    conv = chats.parse(data, hint)
    assert conv.format == fmt and conv.title == "Dara"
    _assert_same(conv, items, synthetic_html.time_resolution(fmt, variant))


def test_same_chat_same_messages_as_the_json_exports() -> None:
    from hotline.detect.chats import synthetic

    items = chat()
    want = [(m.sender, m.text, m.attachments) for m in chats.parse(synthetic.render("telegram", items)).messages]
    for fmt, variant in CASES:
        conv = chats.parse(synthetic_html.render(fmt, items, variant=variant))
        assert [(m.sender, m.text, bool(m.attachments)) for m in conv.messages] == \
            [(s, x, bool(a)) for s, x, a in want], (fmt, variant)
    tg = chats.parse(synthetic_html.render("telegram_html", items))
    assert [m.attachments for m in tg.messages] == [a for _, _, a in want]  # "image", as from the JSON


def test_telegram_joined_messages_inherit_the_sender_and_times_keep_the_offset() -> None:
    items = chat()
    html = synthetic_html.render("telegram_html", items).decode()
    assert "message default clearfix joined" in html  # Dara's two messages 200 s apart
    assert 'title="12.03.2025 21:14:05 UTC+07:00"' in html
    conv = chats.parse(html.encode())
    assert [m.sender for m in conv.messages] == [s for s, _, _ in items]
    # A time written in another offset is the same instant.
    moved = html.replace('title="12.03.2025 21:14:05 UTC+07:00"', 'title="12.03.2025 15:14:05 UTC+01:00"')
    assert chats.parse(moved.encode()).messages[0].time == items[0][1]
    utc = html.replace('title="12.03.2025 21:14:05 UTC+07:00"', 'title="12.03.2025 14:14:05 UTC"')
    assert chats.parse(utc.encode()).messages[0].time == items[0][1]


def test_telegram_service_lines_forwards_replies_and_calls() -> None:
    items = chat()[:5]
    pages = telegram_pages(items, title="Dara", forwards={2: "Unknown Channel"}, replies={3: 1},
                           services={4: "Dara pinned this message"})
    conv = chats.parse(pages[0])
    assert [m.text for m in conv.messages] == [x for _, _, x in items]  # forwarded and replied keep their text
    kinds = [(e.kind, e.after) for e in conv.events]
    assert ("call", 1) in kinds
    assert ("forward", 2) in kinds and ("pin", 4) in kinds
    forward = next(e for e in conv.events if e.kind == "forward")
    assert forward.text == "Dara forwarded a message from Unknown Channel"
    assert all(e.time is not None for e in conv.events)
    assert not any("March" in e.text for e in conv.events)  # date separators are not events


@pytest.mark.parametrize(("cls", "title", "kind"), [
    ('<a class="photo_wrap clearfix pull_left" href="photos/p.jpg"><img class="photo" src="t.jpg"/></a>', None,
     "image"),
    ('<a class="sticker_wrap clearfix pull_left" href="s.webp"><img class="sticker" src="s.png"/></a>', None,
     "sticker"),
    ('<div class="media clearfix pull_left media_voice_message"><div class="body"></div></div>', "Voice message",
     "audio"),
    ('<a class="media clearfix pull_left block_link media_video" href="v.mp4"><div class="body"></div></a>',
     "Video message", "video"),
    ('<div class="media clearfix pull_left media_photo"><div class="body"></div></div>', "Sticker", "sticker"),
    ('<a class="media clearfix pull_left block_link media_file" href="f.pdf"><div class="body"></div></a>',
     "File", "document"),
    ('<div class="media_poll"><div class="question bold">?</div></div>', None, "poll"),
])
def test_telegram_media_placeholders(cls: str, title: str | None, kind: str) -> None:
    inner = cls if title is None else cls.replace('<div class="body"></div>',
                                                  f'<div class="body"><div class="title bold">{title}</div></div>')
    page = telegram_pages([("Dara", chat()[0][1], "caption")], call_after_first=False)[0].decode()
    page = page.replace('<div class="text">', f'<div class="media_wrap clearfix">{inner}</div><div class="text">')
    (m,) = chats.parse(page.encode()).messages
    assert m.attachments == (kind,) and m.text == "caption"


def test_telegram_pages_as_a_folder_a_first_page_and_a_zip(tmp_path: Path) -> None:
    items = chat() * 3
    items = [(s, items[0][1] + timedelta(minutes=20 * i), x) for i, (s, _, x) in enumerate(items)]
    pages = telegram_pages(items, title="Dara", per_page=10)
    assert len(pages) == 3 and b"messages2.html" in pages[0]
    folder = tmp_path / "ChatExport_2025-03-14"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "style.css").write_text("body{}")
    for n, page in enumerate(pages, start=1):
        (folder / ("messages.html" if n == 1 else f"messages{n}.html")).write_bytes(page)
    step = timedelta(seconds=1)
    _assert_same(chats.load(folder), items, step)
    _assert_same(chats.load(folder / "messages.html"), items, step)
    assert len(chats.load(folder / "messages3.html").messages) == len(items) - 20  # one page when asked for one
    members = {f"ChatExport_2025-03-14/{'messages' if n == 1 else f'messages{n}'}.html": p
               for n, p in reversed(list(enumerate(pages, start=1)))}
    members["ChatExport_2025-03-14/photos/photo_1.jpg"] = b"\xff\xd8\xff" + bytes(50)
    members["ChatExport_2025-03-14/js/script.js"] = b"function CheckLocation(){}"
    data = zip_of(members)
    assert chats.detect_format(data) == "telegram_html"
    _assert_same(chats.parse(data), items, step)


def test_a_whole_account_telegram_zip_gives_its_longest_chat() -> None:
    items = chat()
    data = zip_of({
        "DataExport/export_results.html": b'<html><body><div class="page_wrap"></div></body></html>',
        "DataExport/chats/chat_001/messages.html": telegram_pages(items[:2], title="Short")[0],
        "DataExport/chats/chat_002/messages.html": telegram_pages(items, title="Dara")[0],
    })
    conv = chats.parse(data)
    assert conv.title == "Dara" and len(conv.messages) == len(items)


def test_a_folder_without_a_paged_export_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.html").write_text("<html><body>hi</body></html>")
    with pytest.raises(InputError, match=r"messages\.html"):
        chats.load(tmp_path)


@pytest.mark.parametrize("layout", synthetic_html.FACEBOOK_LAYOUTS)
def test_facebook_mojibake_khmer_reactions_and_unsent(layout: str) -> None:
    items = chat()[:4]
    items.insert(2, ("Sokha", items[1][1], DELETED))
    data = synthetic_html.facebook([("ដារ៉ា", t, x) if s == "Dara" else (s, t, x) for s, t, x in items],
                                   title="ដារ៉ា", layout=layout, mojibake=True, reaction_on=0)
    assert "សួស្តី".encode() not in data  # written as Facebook's mojibake
    conv = chats.parse(data, "message_1.html")
    assert conv.title == "ដារ៉ា"
    assert [(m.sender, m.text) for m in conv.messages] == \
        [("ដារ៉ា" if s == "Dara" else s, x) for s, _, x in items if x != DELETED]  # the ❤ is not text
    assert [(e.kind, e.after) for e in conv.events] == [("deleted", 2)]


def test_facebook_parts_as_a_folder_and_a_zip(tmp_path: Path) -> None:
    items = chat()
    thread = tmp_path / "your_facebook_activity" / "messages" / "inbox" / "dara_1234"
    thread.mkdir(parents=True)
    (thread / "message_1.html").write_bytes(synthetic_html.facebook(items[5:], title="Dara"))  # newest first
    (thread / "message_2.html").write_bytes(synthetic_html.facebook(items[:5], title="Dara"))
    _assert_same(chats.load(thread), items, timedelta(seconds=1))
    _assert_same(chats.load(thread / "message_1.html"), items, timedelta(seconds=1))
    data = zip_of({f"your_facebook_activity/messages/inbox/dara_1234/{p.name}": p.read_bytes()
                   for p in sorted(thread.iterdir())})
    _assert_same(chats.parse(data), items, timedelta(seconds=1))


def test_facebook_link_shares_are_a_line_of_their_own() -> None:
    data = synthetic_html.facebook(chat()[:1], layout="2019").decode()
    data = data.replace("<div>សួស្តី បង</div><div></div>",
                        '<div>សួស្តី បង</div><div><a href="https://example.com/x">https://example.com/x</a></div>')
    assert [m.text for m in chats.parse(data.encode()).messages] == ["សួស្តី បង\nhttps://example.com/x"]


def test_facebook_media_are_attachments_once_each() -> None:
    data = synthetic_html.facebook(chat()[:1], layout="2019").decode()
    media = ('<a href="messages/inbox/x/videos/1.mp4"><video src="messages/inbox/x/videos/1.mp4"></video></a>'
             '<audio src="messages/inbox/x/audio/2.aac"></audio><a href="messages/inbox/x/files/a.pdf">a.pdf</a>')
    data = data.replace("<div>សួស្តី បង</div><div></div>", f"<div>សួស្តី បង</div><div>{media}</div>")
    (m,) = chats.parse(data.encode()).messages
    assert m.attachments == ("video", "audio", "document") and m.text == "សួស្តី បង"


def test_instagram_is_told_from_its_paths() -> None:
    data = synthetic_html.facebook(chat(), layout="2025", instagram=True)
    assert chats.detect_format(data) == "instagram_html"  # media links under your_instagram_activity/
    assert chats.detect_format(synthetic_html.facebook(chat()[:1], layout="2025", instagram=True), IG_HINT) \
        == "instagram_html"


def test_facebook_time_in_another_language_is_unknown_not_guessed() -> None:
    data = synthetic_html.facebook(chat()[:2], layout="2025").decode()
    data = data.replace("Mar 12, 2025", "មីនា 12, 2025")
    conv = chats.parse(data.encode())
    assert [m.text for m in conv.messages] == [x for _, _, x in chat()[:2]]
    assert all(m.time is None for m in conv.messages)


@pytest.mark.parametrize(("html", "error", "words"), [
    ("<html><body><div class='_a6-g'>nothing here</div></body></html>", UnsupportedFormat, "layout"),
    ("<!DOCTYPE html><html><body><p>a blog post</p></body></html>", UnsupportedFormat, "HTML page"),
    ('<html><body><div class="page_wrap"><div class="message default clearfix" id="message1">'
     '<div class="body"><div class="from_name">A</div><div class="text">hi</div></div></div></div></body></html>',
     MalformedExport, "time"),
    ('<html><body><div class="page_wrap"><div class="message default clearfix joined" id="message1">'
     '<div class="body"><div class="pull_right date details" title="12.03.2025 21:14:05">21:14</div>'
     '<div class="text">hi</div></div></div></div></body></html>', MalformedExport, "sender"),
    ('<html><body><div class="page_wrap"><div class="message default clearfix" id="message1">'
     '<div class="body"><div class="pull_right date details" title="31.02.2025 21:14:05">21:14</div>'
     '<div class="from_name">A</div></div></div></div></body></html>', MalformedExport, "impossible"),
])
def test_broken_or_unknown_pages_get_a_clear_error(html: str, error: type[InputError], words: str) -> None:
    with pytest.raises(error, match=words):
        chats.parse(html.encode(), "messages.html")


def test_a_telegram_page_that_is_not_a_chat_says_which_page_to_send() -> None:
    index = ('<!DOCTYPE html><html><body><div class="page_wrap"><div class="page_body"><div class="sections">'
             '<a class="section block_link chats" href="lists/chats.html">Chats</a></div></div></div></body></html>')
    with pytest.raises(UnsupportedFormat, match=r"messages\.html"):
        chats.parse(index.encode(), "export_results.html")
    empty = synthetic_html.telegram_pages([], title="Dara")[0]
    assert chats.parse(empty).messages == []  # a chat with no messages is still a chat


def test_a_deeply_nested_page_is_refused_before_it_is_parsed() -> None:
    head = synthetic_html.render("telegram_html", chat()[:1]).decode()
    hostile = head.replace('<div class="text">', '<div class="text">' + "<div>" * 200_000)
    with pytest.raises(MalformedExport, match="deep"):
        chats.parse(hostile.encode())


def test_page_limits_bound_size_and_elements() -> None:
    with pytest.raises(MalformedExport, match="MiB"):
        read_page("<div>x</div>" * 200_000, "Telegram", PageLimits(max_chars=1 << 20))
    with pytest.raises(MalformedExport, match="elements"):
        read_page("<br>" * 5000, "Telegram", PageLimits(max_elements=1000))


def _zip_html(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


_NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Z")), min_size=1,
                 max_size=12).filter(lambda s: s.strip() == s and not s.startswith("@"))
_TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                 max_size=80).map(lambda s: s.strip()).filter(lambda s: bool(s) and s not in (MEDIA, DELETED))


@settings(max_examples=60, deadline=None, database=None)
@given(rows=st.lists(st.tuples(_NAMES, st.integers(0, 4000), _TEXTS), min_size=1, max_size=12),
       fmt=st.sampled_from(CASES))
def test_any_chat_round_trips(rows: list[tuple[str, int, str]], fmt: tuple[str, str]) -> None:
    """Any senders and texts (Khmer, emoji, markup characters, newlines) come back as written."""
    t0 = datetime(2025, 3, 12, 23, 50, tzinfo=PP)
    items, t = [], t0
    for sender, gap, text in rows:
        t += timedelta(seconds=gap)
        items.append((sender, t, text))
    name, variant = fmt
    if name != "telegram_html":  # text that reads as Facebook's mojibake is fixed, as in the JSON parser
        assume(all(fix_mojibake(x) == x and fix_mojibake(s) == s for s, _, x in items))
    data = synthetic_html.render(name, items, variant=variant, title="T")
    conv = chats.parse(_zip_html("message_1.html" if name != "telegram_html" else "messages.html", data))
    assert [(m.sender, m.text) for m in conv.messages] == [(s, x) for s, _, x in items]


_SEEDS = [synthetic_html.render(f, chat(), variant=v) for f, v in CASES]


@settings(max_examples=200, deadline=None, database=None)
@given(seed=st.sampled_from(_SEEDS), cut=st.integers(0, 20_000), junk=st.binary(max_size=30))
def test_damaged_pages_only_raise_input_error(seed: bytes, cut: int, junk: bytes) -> None:
    data = seed[:cut] + junk + seed[cut + len(junk):]
    with contextlib.suppress(InputError):
        chats.parse(data, "messages.html")

"""Bad input, everywhere: no form or endpoint answers 500, every 4xx says why in the page's language, and
a bad file never loses the rest of a report (issue 3, "Bad input"; DESIGN "What every piece of evidence
must survive").

HTML pages: the message is read from the page's error boxes (`alert-error`, `field-error`) and must be in
Khmer on /km/ and in English on /en/. The fuzzed text never contains Khmer script, so Khmer in a /km/
message comes from the site, not from an echo of what was sent. The API: JSON {"errors": {...}}.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pyotp
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from hotline.web import encryption
from hotline.web.reports import storage
from hotline.web.reports.models import Evidence, Report
from hotline.web.staff.models import SignInGuard, StaffSecondFactor

pytestmark = pytest.mark.django_db

LANGS = ("km", "en")
KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


# ---------------------------------------------------------------- what a 4xx must carry


class _ErrorText(HTMLParser):
    """The text inside the page's error boxes (class alert-error or field-error, or role alert)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
            return
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if "alert-error" in classes or "field-error" in classes or found.get("role") == "alert":
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1
            if not self.depth:
                self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def error_text(html: str) -> str:
    parser = _ErrorText()
    parser.feed(html)
    return "".join(parser.parts).strip()


def assert_page_message(response: Any, lang: str) -> str:
    """A 4xx HTML page whose error boxes say what is wrong, in the page's language."""
    assert 400 <= response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("text/html")
    text = error_text(response.content.decode())
    assert text, f"a {response.status_code} page without an error message"
    if lang == "km":
        assert KHMER.search(text), f"the message on a /km/ page is not in Khmer: {text[:300]!r}"
    else:
        assert re.search(r"[A-Za-z]{3}", text) and not KHMER.search(text), text[:300]
    return text


def assert_json_error(response: Any, lang: str | None = None) -> dict[str, str]:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert errors and all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
    if lang == "km":
        assert any(KHMER.search(v) for v in errors.values()), errors
    elif lang == "en":
        assert not any(KHMER.search(v) for v in errors.values()), errors
    return errors


# ---------------------------------------------------------------- inputs

#: Text that is never Khmer (see the module docstring) and never a lone surrogate (not encodable).
_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="".join(
    chr(c) for c in range(0x1780, 0x1800))), max_size=60)
SPECIALS = [
    "", " ", "\x00", "a\x00b", "\r\n\r\n", "\x1b[31m\x07", "\u202e\u200b\ufeff", "x" * 20_001, "%00", "%ff",
    "https://" + "a" * 2100 + ".com", "javascript:alert(1)", "http://[::1", "//evil.example", "http://",
    "-1", "1e309", "9" * 5000, "NaN", "0x10", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd",
    "{{ 7*7 }}", "\ud7ff\uffff", "😀" * 50,
]
_value = st.one_of(_text, st.sampled_from(SPECIALS))

REPORT_TEXT_FIELDS = ("urls", "description", "offender_name", "offender_profile_url", "offender_claimed_age",
                      "contact")
REPORT_CHOICES = {
    # A list: free text sent anyway is mapped to a code (or "other"), never kept or shown back.
    "offender_nationality": ["KH", "TH", "unknown", "other"],
    "category": ["grooming", "sextortion", "csam", "other"],
    "platform": ["facebook", "telegram", "whatsapp", "other"],
    "reporter_type": ["self", "on_behalf"],
    "victim_age_band": ["under_13", "13_15", "unknown"],
}


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


def jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (20, 120, 240)).save(buf, "JPEG")
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels and holds none (a decompression bomb's header)."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def zip_bomb(expanded_mb: int = 120) -> bytes:
    """A chat export zip whose chat expands ~1000x: small enough to accept, too big to unpack whole."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("WhatsApp Chat with Dara.txt", "w", force_zip64=True) as fh:
        block = b"0" * (1024 * 1024)
        for _ in range(expanded_mb):
            fh.write(block)
    return buf.getvalue()


def lying_zip() -> bytes:
    """A zip whose central directory claims a tiny chat that really inflates to 50 MB."""
    data = bytearray(zip_of([("_chat.txt", b"0" * (50 * 1024 * 1024))]))
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 10)  # uncompressed size in the central directory
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 10)  # and in the local header
    return bytes(data)


ANDROID_EXPORT = (
    b"01/03/2024, 20:01 - Dara: hi, you look mature for your age\n"
    b"01/03/2024, 20:02 - Sok: thanks\n"
    b"01/03/2024, 20:03 - Dara: don't tell your parents about our chat ok\n"
)
GOOD_NAME = "WhatsApp Chat with Dara.txt"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


# ---------------------------------------------------------------- the report form

def report_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "urls": "https://www.facebook.com/some.profile\nt.me/somechannel",
        "category": "grooming", "platform": "facebook",
        "description": "He asked my sister for photos.",
        "offender_name": "dara.k", "offender_profile_url": "https://www.facebook.com/dara.k",
        "offender_claimed_age": "17", "offender_nationality": "unknown",
        "reporter_type": "on_behalf", "victim_age_band": "13_15", "contact": "", "homepage": "",
    }
    data.update(overrides)
    return data


def assert_typed_values_kept(html: str, data: dict[str, Any]) -> None:
    for field in (*REPORT_TEXT_FIELDS, "homepage"):
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            assert escape(value) in html, f"{field} was lost: {value[:80]!r}"


@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(fields=st.fixed_dictionaries({}, optional={
    **{f: _value for f in (*REPORT_TEXT_FIELDS, "homepage")},
    **{f: st.one_of(st.sampled_from(choices), _value) for f, choices in REPORT_CHOICES.items()},
}), urlencoded=st.booleans())
def test_report_form_never_500_and_keeps_what_was_typed(client: Client, lang: str, fields: dict[str, str],
                                                        urlencoded: bool) -> None:
    before = Report.objects.count()
    if urlencoded:
        from urllib.parse import urlencode

        response = client.post(f"/{lang}/report/", urlencode(fields),
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(f"/{lang}/report/", fields)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        report = Report.objects.order_by("-pk").first()
        assert report is not None and Report.objects.count() == before + 1
        assert report.description == (fields.get("description") or "").strip()
        assert report.category == fields["category"] and report.language == lang
        return
    assert Report.objects.count() == before
    assert_page_message(response, lang)
    assert_typed_values_kept(response.content.decode(), fields)


REPORT_BAD_FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("nothing", {}),
    ("unknown category", {"category": "spam"}),
    ("unknown platform", {"platform": "myspace"}),
    ("unknown age band", {"victim_age_band": "ancient"}),
    ("unknown reporter", {"reporter_type": "robot"}),
    ("age not a number", {"offender_claimed_age": "twelve"}),
    ("age absurd", {"offender_claimed_age": "9" * 400}),
    ("age negative", {"offender_claimed_age": "-5"}),
    ("age float", {"offender_claimed_age": "1e309"}),
    ("honeypot filled", {"homepage": "http://spam.example"}),
    ("NUL in name", {"offender_name": "da\x00ra"}),
    ("NUL in link", {"urls": "https://example.com/\x00"}),
    ("huge description", {"description": "a" * 10_001}),
    ("huge contact", {"contact": "b" * 5000}),
    ("huge link", {"urls": "https://e.com/" + "c" * 3000}),
    ("21 links", {"urls": "\n".join(f"https://e.com/{i}" for i in range(21))}),
    ("5000 links", {"urls": "\n".join(f"https://e.com/{i}" for i in range(5000))}),
    ("not a link", {"urls": "javascript:alert(1)"}),
    ("broken IPv6 link", {"urls": "http://[::1"}),
    ("profile not a link", {"offender_profile_url": "not a link"}),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("case", "overrides"), REPORT_BAD_FIELDS, ids=[c[0] for c in REPORT_BAD_FIELDS])
def test_report_bad_field_is_a_clear_4xx(client: Client, lang: str, case: str, overrides: dict[str, Any]) -> None:
    data = report_data(**overrides) if overrides else {}
    response = client.post(f"/{lang}/report/", data)
    assert response.status_code == 400
    assert_page_message(response, lang)
    assert_typed_values_kept(response.content.decode(), data)
    assert Report.objects.count() == 0


def test_report_repeated_params_take_one_value(client: Client) -> None:
    body = ("category=grooming&category=csam&platform=facebook&platform=nope&description=one&description=two"
            "&reporter_type=self&victim_age_band=unknown")
    response = client.post("/en/report/", body, content_type="application/x-www-form-urlencoded")
    # Django takes the last value: "nope" is not a platform, so the form comes back with everything kept.
    assert response.status_code == 400
    assert_page_message(response, "en")
    assert "two" in response.content.decode()


@pytest.mark.parametrize("lang", LANGS)
def test_report_invalid_utf8_is_read_not_crashed_on(client: Client, lang: str) -> None:
    body = b"category=grooming&platform=facebook&description=caf%C3%A9%FF%FE%C3%28&urls=%E0%80%80"
    response = client.post(f"/{lang}/report/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert_page_message(response, lang)
    raw = (b"--BOUND\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\ngrooming\r\n"
           b"--BOUND\r\nContent-Disposition: form-data; name=\"platform\"\r\n\r\nfacebook\r\n"
           b"--BOUND\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n\xff\xfe\xc3(bad\r\n"
           b"--BOUND--\r\n")
    response = client.post(f"/{lang}/report/", raw, content_type="multipart/form-data; boundary=BOUND")
    assert response.status_code in (302, 400)


MALFORMED_BODIES: list[tuple[str, bytes, str]] = [
    ("multipart without boundary", b"--x\r\n\r\n", "multipart/form-data"),
    ("multipart wrong boundary", b"--other\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--other--",
     "multipart/form-data; boundary=BOUND"),
    ("multipart truncated", b"--BOUND\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n"
     b"Content-Type: text/plain\r\n\r\nhello", "multipart/form-data; boundary=BOUND"),
    ("multipart empty boundary", b"----\r\n", "multipart/form-data; boundary="),
    ("multipart junk", bytes(range(256)) * 4, "multipart/form-data; boundary=BOUND"),
    ("json to a form", b'{"category": "grooming"}', "application/json"),
    ("xml to a form", b"<report/>", "application/xml"),
    ("no content type", b"category=grooming", ""),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["report/", "report/status/", "check/chat/", "check/post/", "protect/",
                                  "protect/withdraw/"])
@pytest.mark.parametrize(("case", "body", "content_type"), MALFORMED_BODIES, ids=[m[0] for m in MALFORMED_BODIES])
def test_malformed_bodies_are_a_clear_4xx(client: Client, lang: str, path: str, case: str, body: bytes,
                                          content_type: str) -> None:
    response = client.generic("POST", f"/{lang}/{path}", body, content_type=content_type)
    assert_page_message(response, lang)


@pytest.mark.parametrize("path", ["report/", "check/chat/", "check/post/"])
def test_huge_declared_content_length(client: Client, path: str) -> None:
    """A client that announces 10 GB and sends a few bytes: refused or read as what it is, never a 500."""
    body = b"--BOUND\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--BOUND--\r\n"
    response = client.generic("POST", f"/km/{path}", b"", content_type="multipart/form-data; boundary=BOUND",
                              **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(10 * 1024 ** 3)})
    assert_page_message(response, "km")


# --- files: one bad file never loses the rest of the report -------------------------------------------

BAD_FILES: list[tuple[str, str, Any]] = [
    ("binary junk named .txt", "chat.txt", bytes(range(256)) * 40),
    ("pdf named .txt", "chat.txt", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
    ("truncated zip", "WhatsApp Chat.zip", "truncated-zip"),
    ("zip needing a newer zip version", "WhatsApp Chat.zip", "future-zip"),
    ("zip of no chat", "export.zip", "zip-no-chat"),
    ("empty file", "chat.txt", b""),
    ("0-byte image", "shot.png", b""),
    ("truncated png", "shot.png", "truncated-png"),
    ("png claiming 10^10 pixels", "shot.png", "pixel-bomb"),
    ("gif", "shot.gif", b"GIF89a" + b"\x00" * 40),
    ("heic photo", "IMG_0001.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64),
    ("NUL bytes named .json", "result.json", b"\x00" * 500),
]


def _materialise(content: Any) -> bytes:
    if content == "truncated-zip":
        return zip_of([(GOOD_NAME, ANDROID_EXPORT * 20)])[:90]
    if content == "zip-no-chat":
        return zip_of([("photo.jpg", jpeg())])
    if content == "future-zip":  # zipfile raises NotImplementedError for "version needed to extract" 6.4
        data = bytearray(zip_of([(GOOD_NAME, ANDROID_EXPORT)]))
        central = data.rindex(b"PK\x01\x02")
        data[central + 6:central + 8] = (64).to_bytes(2, "little")
        return bytes(data)
    if content == "truncated-png":
        return png()[:60]
    if content == "pixel-bomb":
        return png_header_only(100_000, 100_000)
    assert isinstance(content, bytes)
    return content


def receipt(client: Client, response: Any) -> Report:
    assert response.status_code == 302, response.status_code
    html = client.get(response["Location"]).content.decode()
    code = re.search(r"data-tracking-code>([A-Z0-9]{8})<", html)
    assert code, html[:1000]
    return Report.objects.get(tracking_code=code.group(1))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("case", "name", "content"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_keeps_the_rest_of_the_report(client: Client, lang: str, case: str, name: str,
                                               content: Any) -> None:
    data = report_data(description="Keep this description.", offender_name="keep.this.name")
    data["files"] = [SimpleUploadedFile(GOOD_NAME, ANDROID_EXPORT), SimpleUploadedFile(name, _materialise(content))]
    response = client.post(f"/{lang}/report/", data)
    html = response.content.decode()
    assert response.status_code == 400
    message = assert_page_message(response, lang)
    assert name[:100] in message  # the message says which file
    assert_typed_values_kept(html, data)
    assert GOOD_NAME in html  # the good file is held for the next try
    assert Report.objects.count() == 0
    data.pop("files")
    report = receipt(client, client.post(f"/{lang}/report/", data))
    assert report.description == "Keep this description." and report.offender_name == "keep.this.name"
    assert report.urls.count() == 2
    assert [storage.evidence_filename(e) for e in report.evidence.all()] == [GOOD_NAME]


ACCEPTED_ODD_FILES: list[tuple[str, str, Any, str]] = [
    # (case, name, content, the kind sniffed from the bytes)
    ("png named .json", "result.json", "png", "screenshot"),
    ("jpeg named .txt", "chat.txt", "jpeg", "screenshot"),
    ("path traversal name", "../../../etc/passwd", "chat", "chat"),
    ("windows traversal name", "..\\..\\Windows\\win.ini", "chat", "chat"),
    ("control chars in name", "chat\x1b[2J\x07.txt", "chat", "chat"),
    ("very long name", "n" * 1000 + ".txt", "chat", "chat"),
    ("khmer name", "ជជែក.txt", "chat", "chat"),
    ("utf-16 chat", "chat.txt", "utf16", "chat"),
    ("zip bomb", "WhatsApp Chat with Dara.zip", "bomb", "chat"),
    ("zip with a lying header", "WhatsApp Chat.zip", "lying-zip", "chat"),
]


@pytest.mark.parametrize(("case", "name", "content", "kind"), ACCEPTED_ODD_FILES,
                         ids=[a[0] for a in ACCEPTED_ODD_FILES])
def test_odd_but_acceptable_files_make_a_report(client: Client, bomb: bytes, case: str, name: str,
                                                content: str, kind: str) -> None:
    """Sniffed as evidence: the report is made; if its analysis cannot run, the evidence says so, the
    report stays (the test settings run the analysis task at once)."""
    raw = {
        "png": png(), "jpeg": jpeg(), "chat": ANDROID_EXPORT, "bomb": bomb,
        "utf16": ANDROID_EXPORT.decode().encode("utf-16"),
    }.get(content) or lying_zip()
    data = report_data()
    data["files"] = [SimpleUploadedFile(name, raw)]
    report = receipt(client, client.post("/km/report/", data))
    evidence = report.evidence.get()
    assert evidence.kind == kind
    stored = storage.evidence_filename(evidence)
    assert "/" not in stored and "\\" not in stored and stored.isprintable() and len(stored) <= 200
    assert evidence.analysis_status in (Evidence.Analysis.DONE, Evidence.Analysis.FAILED)
    if content in ("bomb", "lying-zip"):
        assert evidence.analysis_status == Evidence.Analysis.FAILED


def test_files_field_sent_as_text_or_too_many_files(client: Client) -> None:
    response = client.post("/en/report/", report_data(files="not a file"))
    assert response.status_code == 302  # a text value named "files" is simply not a file
    many = [SimpleUploadedFile(f"c{i}.txt", ANDROID_EXPORT) for i in range(11)]
    response = client.post("/km/report/", {**report_data(), "files": many})
    assert response.status_code == 400
    assert_page_message(response, "km")
    assert_typed_values_kept(response.content.decode(), report_data())


@override_settings(HOTLINE_MAX_UPLOAD_BYTES=4096)
@pytest.mark.parametrize("lang", LANGS)
def test_oversize_file_among_good_ones(client: Client, lang: str) -> None:
    data = report_data()
    data["files"] = [SimpleUploadedFile("big.txt", b"Dara: hello there\n" * 1000),
                     SimpleUploadedFile(GOOD_NAME, ANDROID_EXPORT)]
    response = client.post(f"/{lang}/report/", data)
    assert response.status_code == 400
    assert "big.txt" in assert_page_message(response, lang)
    assert GOOD_NAME in response.content.decode()
    data.pop("files")
    assert receipt(client, client.post(f"/{lang}/report/", data)).evidence.count() == 1


@pytest.mark.parametrize("lang", LANGS)
def test_missing_or_wrong_csrf_is_403(lang: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    for path in ("report/", "report/status/", "check/chat/", "check/post/", "protect/", "protect/withdraw/"):
        response = strict.post(f"/{lang}/{path}", {"csrfmiddlewaretoken": "wrong", **report_data()})
        assert response.status_code == 403, path
        assert_page_message(response, lang)
    assert Report.objects.count() == 0


# ---------------------------------------------------------------- status page

@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(code=_value, pin=_value, action=st.sampled_from(["", "lookup", "add", "leave", "junk"]))
def test_status_lookup_never_500(client: Client, lang: str, code: str, pin: str, action: str) -> None:
    response = client.post(f"/{lang}/report/status/", {"code": code, "pin": pin, "action": action})
    if action == "leave":
        assert response.status_code == 302
        return
    assert response.status_code in (400, 404)
    assert_page_message(response, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_add_information_with_bad_files_keeps_the_text(client: Client, lang: str) -> None:
    report = receipt(client, client.post(f"/{lang}/report/", report_data()))  # this session may see it
    bad = [SimpleUploadedFile("junk.txt", bytes(range(256)) * 10), SimpleUploadedFile("empty.png", b"")]
    response = client.post(f"/{lang}/report/status/", {"action": "add", "text": "More: he wrote again.",
                                                        "files": bad})
    assert response.status_code == 400
    assert "junk.txt" in assert_page_message(response, lang)
    assert "More: he wrote again." in response.content.decode()
    assert report.notes.count() == 0
    for text in ("", "\x00", "z" * 10_001):
        response = client.post(f"/{lang}/report/status/", {"action": "add", "text": text})
        assert response.status_code == 400
        assert_page_message(response, lang)
    response = client.post(f"/{lang}/report/status/", {"action": "add", "text": "ok", "files": [
        SimpleUploadedFile("c.txt", ANDROID_EXPORT)]})
    assert response.status_code == 200 and report.notes.count() == 1 and report.evidence.count() == 1


# ---------------------------------------------------------------- chat checker

CHECKER_BAD_FILES: list[tuple[str, str, Any]] = [
    ("binary junk named .txt", "chat.txt", bytes(range(256)) * 20),
    ("png named .json", "result.json", "png"),
    ("truncated zip", "WhatsApp Chat.zip", "truncated-zip"),
    ("zip of no chat", "export.zip", "zip-no-chat"),
    ("zip bomb", "WhatsApp Chat.zip", "bomb"),
    ("lying zip", "WhatsApp Chat.zip", "lying-zip"),
    ("empty file", "chat.txt", b""),
    ("truncated JSON", "result.json", b'{"messages": [{"from": "a", "text": '),
    ("deep JSON", "result.json", b"[" * 50_000 + b"]" * 50_000),
    ("JSON of the wrong shape", "result.json", b'{"messages": 5, "name": [1, {"x": null}]}'),
    ("html", "messages.html", b"<html><body><div>" * 2000),
    ("NUL bytes", "chat.txt", b"\x00" * 300),
    ("path traversal name", "../../../etc/passwd", b"\xff\xfe\x00\x00junk"),
]


def _checker_file(content: Any, bomb: bytes) -> bytes:
    if content == "png":
        return png()
    if content == "bomb":
        return bomb
    if content == "lying-zip":
        return lying_zip()
    return _materialise(content)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("case", "name", "content"), CHECKER_BAD_FILES, ids=[c[0] for c in CHECKER_BAD_FILES])
def test_chat_checker_bad_file_is_a_clear_4xx(client: Client, bomb: bytes, lang: str, case: str, name: str,
                                              content: Any) -> None:
    response = client.post(f"/{lang}/check/chat/", {
        "file": SimpleUploadedFile(name, _checker_file(content, bomb)), "text": "Keep me: pasted words"})
    assert response.status_code == 400
    assert_page_message(response, lang)
    assert "Keep me: pasted words" in response.content.decode()


@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(text=st.one_of(_value, st.lists(_value, max_size=30).map("\n".join)), action=st.sampled_from(
    ["", "check", "nonsense"]))
def test_chat_checker_any_text_never_500(client: Client, lang: str, text: str, action: str) -> None:
    response = client.post(f"/{lang}/check/chat/", {"text": text, "action": action})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_page_message(response, lang)


@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(payload=st.one_of(_value, st.binary(max_size=300).map(lambda b: __import__("base64").b64encode(b).decode())),
       filename=_value)
def test_report_this_with_junk_payload_never_500(client: Client, lang: str, payload: str, filename: str) -> None:
    response = client.post(f"/{lang}/check/chat/", {"action": "report", "payload": payload, "filename": filename})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert_page_message(response, lang)


# ---------------------------------------------------------------- post and photo checker

@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(text=_value)
def test_post_checker_any_text_never_500(client: Client, lang: str, text: str) -> None:
    response = client.post(f"/{lang}/check/post/", {"text": text})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_page_message(response, lang)


PHOTO_BAD_FILES: list[tuple[str, str, Any]] = [
    ("0-byte image", "photo.jpg", b""),
    ("text named .jpg", "photo.jpg", ANDROID_EXPORT),
    ("truncated jpeg", "photo.jpg", "truncated-jpeg"),
    ("truncated png", "photo.png", "truncated-png"),
    ("png claiming 10^10 pixels", "photo.png", "pixel-bomb"),
    ("zip named .png", "photo.png", "zip-no-chat"),
    ("svg", "photo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("pdf", "photo.pdf", b"%PDF-1.4\n%%EOF"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("action", ["photo", "strip"])
@pytest.mark.parametrize(("case", "name", "content"), PHOTO_BAD_FILES, ids=[p[0] for p in PHOTO_BAD_FILES])
def test_photo_checker_bad_file_is_a_clear_4xx(client: Client, lang: str, action: str, case: str, name: str,
                                               content: Any) -> None:
    data = jpeg()[:200] if content == "truncated-jpeg" else _materialise(content)
    response = client.post(f"/{lang}/check/post/", {"action": action, "photo": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    assert_page_message(response, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_photo_checker_odd_requests(client: Client, lang: str) -> None:
    for data in ({"action": "photo"}, {"action": "strip", "photo": "not a file"},
                 {"action": "photo", "photo": [SimpleUploadedFile("a.jpg", b"x"), SimpleUploadedFile("b.jpg", b"")]}):
        response = client.post(f"/{lang}/check/post/", data)
        assert response.status_code == 400
        assert_page_message(response, lang)
    # A real photo under a hostile name comes back with a safe download name.
    response = client.post(f"/{lang}/check/post/", {"action": "strip", "photo": SimpleUploadedFile(
        '../"evil\r\nSet-Cookie: x=1".jpg', jpeg())})
    assert response.status_code == 200
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9_-]+-clean\.jpg"', response["Content-Disposition"])


# ---------------------------------------------------------------- protect / withdraw

@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(pdq=st.one_of(_value, st.text("0123456789abcdefABCDEFxg", min_size=60, max_size=70)),
       quality=st.one_of(_value, st.integers(-10**30, 10**30).map(str)), consent=_value)
def test_protect_never_500(client: Client, lang: str, pdq: str, quality: str, consent: str) -> None:
    response = client.post(f"/{lang}/protect/", {"pdq": pdq, "quality": quality, "consent": consent})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_page_message(response, lang)


@pytest.mark.parametrize("lang", LANGS)
@FUZZ
@given(case_number=_value, pin=_value)
def test_withdraw_never_500(client: Client, lang: str, case_number: str, pin: str) -> None:
    response = client.post(f"/{lang}/protect/withdraw/", {"case_number": case_number, "pin": pin})
    assert response.status_code == 400
    assert_page_message(response, lang)


# ---------------------------------------------------------------- staff second factor

@FUZZ
@given(code=_value, next_url=st.one_of(_value, st.sampled_from(
    ["//evil.example", "https://evil.example/", "javascript:alert(1)", "/admin/\x00", "\\\\evil", "/%0d%0aX: y"])))
def test_second_factor_never_500(code: str, next_url: str) -> None:
    cache.clear()
    user = User.objects.filter(username="analyst").first() or User.objects.create_superuser(
        "analyst", "", "a long password 123")
    StaffSecondFactor.objects.get_or_create(user=user, defaults={
        "secret_encrypted": encryption.encrypt(pyotp.random_base32().encode()), "confirmed": True})
    SignInGuard.objects.filter(user=user).delete()  # each example starts unlocked
    client = Client()
    client.force_login(user)
    response = client.post(f"/admin-2fa/?next={quote(next_url)}", {"code": code, "next": next_url})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response["Location"].startswith("/") and not response["Location"].startswith("//")
    else:
        assert_page_message(response, "km")
    anonymous = Client().post("/admin-2fa/", {"code": code})
    assert anonymous.status_code == 302


# ---------------------------------------------------------------- pages that do not exist, wrong methods

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["nope/", "learn/nope/", "learn/../../etc/passwd/", "report/%00/",
                                  "check/chat/" + "a" * 3000 + "/"], ids=["nope", "learn", "traversal", "nul", "long"])
def test_unknown_pages_are_a_404_with_a_message(client: Client, lang: str, path: str) -> None:
    response = client.get(f"/{lang}/{path}")
    assert response.status_code == 404
    assert_page_message(response, lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["report/", "report/status/", "check/chat/", "check/post/", "protect/",
                                  "protect/withdraw/"])
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_a_405_with_a_message(client: Client, lang: str, path: str, method: str) -> None:
    response = client.generic(method, f"/{lang}/{path}", b"x=1")
    assert response.status_code == 405
    assert_page_message(response, lang)


def test_very_long_query_strings_and_repeated_params(client: Client) -> None:
    query = "&".join(["next=x"] * 900 + ["lang=" + "k" * 5000])
    for path in ("/km/", "/km/report/", "/en/report/status/", "/km/check/chat/", "/en/protect/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, path
    response = client.post("/km/report/", "&".join(f"f{i}=x" for i in range(1500)),
                           content_type="application/x-www-form-urlencoded")
    assert_page_message(response, "km")  # more fields than Django reads: refused, not crashed


@pytest.mark.parametrize("lang", LANGS)
def test_thanks_page_without_or_with_a_forged_receipt(client: Client, lang: str) -> None:
    assert client.get(f"/{lang}/report/thanks/").status_code == 200
    session = client.session
    session["report_receipt"] = "forged-token"
    session["report_access"] = "not an id"
    session["report_pending_evidence"] = ["no-such-token", 5, None]
    session["report_prefill"] = {"category": 7, "evidence_token": ["x"]}
    session.save()
    assert client.get(f"/{lang}/report/thanks/").status_code == 200
    assert client.get(f"/{lang}/report/status/").status_code == 200
    assert client.get(f"/{lang}/report/").status_code == 200
    response = client.post(f"/{lang}/report/", report_data())
    assert receipt(client, response).evidence.count() == 0


# ---------------------------------------------------------------- the API

def post_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **extra)


GOOD_REPORT: dict[str, Any] = {
    "category": "sextortion", "platform": "telegram", "urls": ["https://t.me/some_account"],
    "description": "Threatens to post photos unless paid.", "victim_age_band": "16_17",
    "offender": {"name": "some_account", "profile_url": "t.me/some_account", "claimed_age": 19,
                 "nationality": "unknown"},
}

API_BAD_BODIES: list[tuple[str, Any]] = [
    ("empty body", b""),
    ("invalid utf-8", b'{"category": "\xff\xfe"}'),
    ("utf-8 BOM", b"\xef\xbb\xbf" + json.dumps(GOOD_REPORT).encode()),
    ("utf-16", json.dumps(GOOD_REPORT).encode("utf-16")),
    ("truncated", json.dumps(GOOD_REPORT)[:40]),
    ("deeply nested list", "[" * 30_000 + "]" * 30_000),
    ("deeply nested object", '{"a":' * 10_000 + "1" + "}" * 10_000),
    ("deep inside a field", {**GOOD_REPORT, "offender": json.loads("[" * 500 + "]" * 500)}),
    ("list", [GOOD_REPORT]),
    ("number", 42),
    ("string", "report"),
    ("null", None),
    ("NaN", '{"category": NaN}'),
    ("Infinity age", json.dumps(GOOD_REPORT).replace("19", "Infinity")),
    ("huge integer", json.dumps(GOOD_REPORT).replace("19", "9" * 4000)),
    ("too many digits", json.dumps(GOOD_REPORT).replace("19", "9" * 5000)),
    ("float age", {**GOOD_REPORT, "offender": {"claimed_age": 19.5}}),
    ("bool age", {**GOOD_REPORT, "offender": {"claimed_age": True}}),
    ("unknown enum", {**GOOD_REPORT, "category": "spam", "platform": "myspace", "victim_age_band": "old"}),
    ("enum of wrong type", {**GOOD_REPORT, "category": ["grooming"], "platform": {"x": 1}}),
    ("urls not a list", {**GOOD_REPORT, "urls": {"a": "b"}}),
    ("urls of numbers", {**GOOD_REPORT, "urls": [1, 2.5, None, [], {}]}),
    ("5000 urls", {**GOOD_REPORT, "urls": ["https://e.com/"] * 5000}),
    ("NUL everywhere", {**GOOD_REPORT, "description": "a\x00b", "urls": ["https://e.com/\x00"],
                        "offender": {"name": "\x00", "nationality": "\x00"}}),
    ("huge description", {**GOOD_REPORT, "description": "d" * 10_001}),
    ("offender a list", {**GOOD_REPORT, "offender": ["name"]}),
    ("unknown fields", {**GOOD_REPORT, "x" * 500: 1, "offender": {"y" * 500: 2}}),
    ("duplicate keys", '{"category": "grooming", "category": 5, "platform": "facebook", "description": "x"}'),
    ("nothing useful", {"category": "grooming", "platform": "facebook"}),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("case", "body"), API_BAD_BODIES, ids=[b[0] for b in API_BAD_BODIES])
def test_api_report_bad_bodies_are_json_4xx(client: Client, lang: str, case: str, body: Any) -> None:
    response = post_json(client, "/api/v1/reports", body, HTTP_ACCEPT_LANGUAGE=lang)
    assert_json_error(response, lang)
    assert Report.objects.count() == 0


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/x-www-form-urlencoded", b"category=grooming&platform=facebook"),
    ("multipart/form-data; boundary=B", b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--B--"),
    ("text/plain", b"hello"),
    ("application/octet-stream", bytes(range(256))),
])
def test_api_report_wrong_content_types(client: Client, content_type: str, body: bytes) -> None:
    response = client.post("/api/v1/reports", body, content_type=content_type)
    assert_json_error(response)


@pytest.mark.parametrize("declared", [str(10 * 1024 ** 3), "-1", "abc", "1e3", " 12 "])
def test_api_odd_content_lengths(client: Client, declared: str) -> None:
    body = json.dumps(GOOD_REPORT).encode()
    response = client.generic("POST", "/api/v1/reports", b"", content_type="application/json",
                              **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": declared})
    assert response.status_code < 500
    if response.status_code != 201:
        assert_json_error(response)


@pytest.mark.parametrize("accept", ["km", "en", "", "*", "xx", "km;q=abc", "en-US,en;q=0.9", "a" * 5000,
                                    ";;;,,,q=", "\x00"])
def test_api_any_accept_language(client: Client, accept: str) -> None:
    response = post_json(client, "/api/v1/reports", {"category": "x"}, HTTP_ACCEPT_LANGUAGE=accept)
    assert_json_error(response)


@FUZZ
@given(code=st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
       pin=st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=300))
def test_api_status_lookup_never_500(client: Client, code: str, pin: str) -> None:
    response = client.get(f"/api/v1/reports/{quote(code, safe='')}", HTTP_X_REPORT_PIN=pin)
    assert_json_error(response)


@pytest.fixture
def api_key() -> str:
    from hotline.web.api.models import ApiKey

    return ApiKey.create("bad-input tests")[1]


ANALYZE_BAD: list[tuple[str, Any]] = [
    ("binary junk", bytes(range(256)) * 40),
    ("png", "png"),
    ("truncated zip", "truncated-zip"),
    ("zip bomb", "bomb"),
    ("lying zip", "lying-zip"),
    ("deep JSON", b"[" * 50_000 + b"]" * 50_000),
    ("wrong JSON shape", b'{"messages": {"a": [1, 2, {"b": null}]}, "participants": 7}'),
    ("NUL bytes", b"\x00" * 1000),
    ("invalid utf-8 text", b"01/03/2024, 20:01 - Dara: \xff\xfe\xc3(\n" * 3),
]


@pytest.mark.parametrize("how", ["raw", "multipart"])
@pytest.mark.parametrize(("case", "content"), ANALYZE_BAD, ids=[a[0] for a in ANALYZE_BAD])
def test_api_analyze_bad_exports_are_json_4xx(client: Client, api_key: str, bomb: bytes, how: str, case: str,
                                              content: Any) -> None:
    data = _checker_file(content, bomb)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key}", "HTTP_ACCEPT_LANGUAGE": "km"}
    if how == "raw":
        response = client.post("/api/v1/analyze?filename=../../x.json&format=", data,
                               content_type="application/octet-stream", **auth)
    else:
        response = client.post("/api/v1/analyze", {"file": SimpleUploadedFile("../x.zip", data)}, **auth)
    assert_json_error(response, "km")


def test_api_analyze_odd_requests(client: Client, api_key: str) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer"}, {"HTTP_AUTHORIZATION": "Bearer \x00"},
                    {"HTTP_X_API_KEY": "k" * 10_000}, {"HTTP_AUTHORIZATION": "Basic " + "a" * 500},
                    {"HTTP_X_API_KEY": "ÿ" * 20}):
        response = client.post("/api/v1/analyze", ANDROID_EXPORT, content_type="text/plain", **headers)
        assert response.status_code == 401
        assert_json_error(response)
    auth = {"HTTP_X_API_KEY": api_key}
    cases = [
        ("/api/v1/analyze", {"other": SimpleUploadedFile("a.txt", ANDROID_EXPORT)}, None),
        ("/api/v1/analyze", {"file": "not a file"}, None),
        ("/api/v1/analyze", b"", "text/plain"),
        ("/api/v1/analyze?format=whatsapp&format=nonsense", ANDROID_EXPORT, "text/plain"),
        ("/api/v1/analyze?format=" + "x" * 5000, ANDROID_EXPORT, "text/plain"),
        ("/api/v1/analyze?filename=%00", bytes(range(256)), "application/octet-stream"),
        ("/api/v1/analyze", b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxx",
         "multipart/form-data; boundary=B"),
        ("/api/v1/analyze", b"--x", "multipart/form-data"),
    ]
    for path, data, content_type in cases:
        if content_type is None:
            response = client.post(path, data, **auth)
        else:
            response = client.post(path, data, content_type=content_type, **auth)
        assert_json_error(response)


@override_settings(HOTLINE_MAX_UPLOAD_BYTES=2048)
def test_api_analyze_oversize(client: Client, api_key: str) -> None:
    big = ANDROID_EXPORT * 100
    auth = {"HTTP_X_API_KEY": api_key}
    assert client.post("/api/v1/analyze", big, content_type="text/plain", **auth).status_code == 413
    response = client.post("/api/v1/analyze", {"file": SimpleUploadedFile("c.txt", big)}, **auth)
    assert response.status_code == 413
    assert_json_error(response)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/reports"), ("PUT", "/api/v1/reports"), ("DELETE", "/api/v1/reports/ABCDEFGH"),
    ("GET", "/api/v1/analyze"), ("POST", "/api/v1/openapi.json"), ("GET", "/api/v1/nope"),
    ("GET", "/api/v1/" + "a/" * 2000), ("GET", "/api/v1/reports/%00/x"), ("GET", "/api/v2/reports"),
], ids=["get-reports", "put-reports", "delete-status", "get-analyze", "post-openapi", "unknown", "long", "nul",
        "v2"])
def test_api_wrong_methods_and_paths_are_json(client: Client, method: str, path: str) -> None:
    response = client.generic(method, path)
    if path.startswith("/api/v2"):
        assert response.status_code == 404
        return
    assert_json_error(response)


def test_api_report_survives_and_is_readable(client: Client) -> None:
    """The good path still works after all that: 201, and the status is readable with the PIN."""
    response = post_json(client, "/api/v1/reports", GOOD_REPORT)
    assert response.status_code == 201
    body = response.json()
    status = client.get(f"/api/v1/reports/{body['tracking_code']}", HTTP_X_REPORT_PIN=body["pin"])
    assert status.status_code == 200 and status.json()["status"] == "received"

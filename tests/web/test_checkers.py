"""The chat checker and the post-and-photo checker through Django's test client: answers for good input,
a clear message and a 4xx (never a 500) for bad input, nothing stored unless the visitor reports."""

from __future__ import annotations

import base64
import importlib
import io
import os
import re
from typing import Any

import piexif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from tests.web.test_public_pages import ensure_messages

pytestmark = pytest.mark.django_db

SEXTORTION_CHAT = """\
Dara: hi, you look nice in your profile photo
Sophea: thanks
Dara: send me a private photo, just for me. don't tell your parents
Sophea: ok I sent it, please delete it
Dara: now pay me $200 or I will send your photo to all your friends and family
Dara: you have 24 hours. if you tell anyone I will post it everywhere
"""

HARMLESS_CHAT = """\
Mom: are you coming home for dinner?
Vanna: yes, after football practice
Mom: ok, bring some bread please
Vanna: sure
"""


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    ensure_messages()


def gps_jpeg(lat: tuple[int, int, int] = (11, 33, 23), lon: tuple[int, int, int] = (104, 55, 41)) -> bytes:
    """A generated picture (no person) with GPS, capture time, camera model and owner name in its EXIF."""
    img = Image.new("RGB", (80, 60), (40, 120, 200))
    exif = {
        "0th": {piexif.ImageIFD.Make: b"TestPhone", piexif.ImageIFD.Model: b"Model 7",
                piexif.ImageIFD.Artist: b"Sokha Chan"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 10:20:30",
                 piexif.ExifIFD.CameraOwnerName: b"Sokha Chan"},
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: tuple((v, 1) for v in lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: tuple((v, 1) for v in lon),
        },
    }
    out = io.BytesIO()
    img.save(out, "JPEG", exif=piexif.dump(exif), quality=90)
    return out.getvalue()


def plain_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def _needs(module: str) -> None:
    """The engine part behind a test; imported for real (a missing part fails the test, never skips)."""
    importlib.import_module(module)


# ---------------------------------------------------------------- chat checker: bad input


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize(
    ("data", "expect"),
    [
        ({"text": ""}, {"en": "Choose a chat export file or paste the chat", "km": "សូមជ្រើសរើសឯកសារឆាត"}),
        ({"text": "   \n  "}, {"en": "Choose a chat export file or paste the chat", "km": "សូមជ្រើសរើសឯកសារឆាត"}),
        ({"text": "x" * 200_001}, {"en": "This text is too long", "km": "អត្ថបទនេះវែងពេក"}),
    ],
)
def test_chat_form_errors(client: Client, lang: str, data: dict[str, str], expect: dict[str, str]) -> None:
    response = client.post(f"/{lang}/check/chat/", data)
    assert response.status_code == 400
    assert expect[lang] in response.content.decode()


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("junk.bin", os.urandom(4096)),
        ("chat.txt", b"\x00\x01\x02\xff" * 500),
        ("result.json", b'{"messages": [{"from": "a", "text": '),
        ("export.zip", b"PK\x03\x04" + b"\x00" * 60),
        ("empty.txt", b""),
    ],
)
def test_chat_bad_files_answer_400_with_a_message(client: Client, name: str, payload: bytes) -> None:
    _needs("hotline.detect.chats")
    response = client.post("/en/check/chat/", {"file": SimpleUploadedFile(name, payload)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html or "field-error" in html


def test_chat_bad_file_keeps_the_pasted_text(client: Client) -> None:
    _needs("hotline.detect.chats")
    response = client.post(
        "/en/check/chat/", {"file": SimpleUploadedFile("x.bin", os.urandom(2000)), "text": "Keep me: hello"},
    )
    assert response.status_code == 400
    assert "Keep me: hello" in response.content.decode()


@override_settings(HOTLINE_MAX_UPLOAD_BYTES=64 * 1024)
def test_chat_file_over_the_limit_is_refused(client: Client) -> None:
    big = SimpleUploadedFile("chat.txt", b"A: hello\n" * 20_000)
    response = client.post("/km/check/chat/", {"file": big})
    assert response.status_code == 400
    assert "ឯកសារនេះធំពេក។ ទំហំអតិបរមាគឺ" in response.content.decode()


# ---------------------------------------------------------------- chat checker: answers


def test_sextortion_chat_gets_an_urgent_answer(client: Client) -> None:
    _needs("hotline.detect.analysis")
    response = client.post("/en/check/chat/", {"text": SEXTORTION_CHAT})
    assert response.status_code == 200
    html = response.content.decode()
    risk = re.search(r'data-risk="(\w+)"', html)
    assert risk and risk.group(1) in ("high", "critical")
    assert "Do not pay." in html and "Keep the evidence." in html and "Block the account." in html
    assert "pay me $200 or I will send your photo" in html, "the threatening message is quoted"
    assert "Report this" in html
    assert SEXTORTION_CHAT.splitlines()[0] in html, "the pasted text stays in the form"


def test_sextortion_chat_in_khmer(client: Client) -> None:
    _needs("hotline.detect.analysis")
    html = client.post("/km/check/chat/", {"text": SEXTORTION_CHAT}).content.decode()
    assert "កុំបង់លុយ" in html and "រក្សាទុកភស្តុតាង" in html
    assert re.search(r"សារទី [០-៩]+ · ពី Dara", html)


def test_harmless_chat_is_calm(client: Client) -> None:
    _needs("hotline.detect.analysis")
    html = client.post("/en/check/chat/", {"text": HARMLESS_CHAT}).content.decode()
    risk = re.search(r'data-risk="(\w+)"', html)
    assert risk and risk.group(1) in ("none", "low")
    assert "Do not pay." not in html


def test_report_this_prefills_a_report(client: Client) -> None:
    _needs("hotline.detect.analysis")
    _needs("hotline.web.reports.services")
    html = client.post("/en/check/chat/", {"text": SEXTORTION_CHAT}).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', html)
    assert payload
    response = client.post("/en/check/chat/", {
        "action": "report", "payload": payload.group(1), "filename": "pasted-chat.txt",
    })
    assert response.status_code == 302
    assert response["Location"] == "/en/report/"
    prefill = client.session["report_prefill"]
    assert prefill["category"] == "sextortion"
    assert prefill["evidence_token"]
    assert "risk" in prefill["description"]


@pytest.mark.parametrize("payload", ["", "not base64!!", base64.b64encode(os.urandom(300)).decode()])
def test_report_this_with_a_tampered_payload_is_400(client: Client, payload: str) -> None:
    response = client.post("/en/check/chat/", {"action": "report", "payload": payload})
    assert response.status_code in (400, 503)
    assert 'role="alert"' in response.content.decode()


def test_checking_a_chat_stores_nothing(client: Client, settings: Any) -> None:
    _needs("hotline.detect.analysis")
    from pathlib import Path

    root = Path(settings.HOTLINE_EVIDENCE_DIR).parent
    before = {p for p in root.rglob("*") if p.is_file()}
    client.post("/en/check/chat/", {"file": SimpleUploadedFile("chat.txt", SEXTORTION_CHAT.encode())})
    after = {p for p in root.rglob("*") if p.is_file() and not p.name.startswith("hotline.sqlite3")}
    assert after <= before


# ---------------------------------------------------------------- post checker


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write or paste the post you want to check."), ("y" * 10_001, "This text is too long")],
)
def test_post_form_errors(client: Client, text: str, message: str) -> None:
    response = client.post("/en/check/post/", {"action": "post", "text": text})
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("lang", ["en", "km"])
def test_post_with_a_phone_number_is_highlighted(client: Client, lang: str) -> None:
    _needs("hotline.detect.post")
    text = "Party at my house tonight! Call me on 012 345 678 for the address."
    response = client.post(f"/{lang}/check/post/", {"action": "post", "text": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<mark class="detail detail-phone"[^>]*>012 345 678', html)


def test_post_without_details_says_so(client: Client) -> None:
    _needs("hotline.detect.post")
    html = client.post("/en/check/post/", {"action": "post", "text": "What a lovely sunset today"}).content.decode()
    assert "We found no personal details in this post." in html
    assert "<mark" not in html


# ---------------------------------------------------------------- photo checker


def test_photo_with_gps_is_warned_about(client: Client) -> None:
    _needs("hotline.detect.media.metadata")
    response = client.post("/en/check/post/", {
        "action": "photo", "photo": SimpleUploadedFile("IMG_0001.jpg", gps_jpeg(), content_type="image/jpeg"),
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="gps-warning"' in html
    assert "latitude 11.55639" in html and "longitude 104.92806" in html
    assert "Sokha Chan" in html and "Model 7" in html and "2024" in html
    link = re.search(r'id="clean-download" href="data:image/jpeg;base64,([^"]+)" download="IMG_0001-clean.jpg"', html)
    assert link
    clean = base64.b64decode(link.group(1))
    exif = piexif.load(clean)
    assert not exif["GPS"] and not exif["0th"].get(piexif.ImageIFD.Artist)
    assert response["Cache-Control"].startswith("no-store")


def test_photo_without_metadata_is_calm(client: Client) -> None:
    _needs("hotline.detect.media.metadata")
    response = client.post("/km/check/post/", {"action": "photo", "photo": SimpleUploadedFile("a.png", plain_png())})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="gps-warning"' not in html
    assert "រកមិនឃើញទីតាំង (GPS)" in html


def test_strip_returns_the_clean_photo_as_a_download(client: Client) -> None:
    _needs("hotline.detect.media.metadata")
    response = client.post("/en/check/post/", {"action": "strip", "photo": SimpleUploadedFile("me.jpg", gps_jpeg())})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="me-clean.jpg"'
    assert piexif.load(response.content)["GPS"] == {}
    Image.open(io.BytesIO(response.content)).verify()


@pytest.mark.parametrize("action", ["photo", "strip"])
@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("notes.jpg", b"this is not a picture at all"),
        ("junk.png", os.urandom(5000)),
        ("half.jpg", b"\xff\xd8\xff\xe0" + os.urandom(100)),
        ("chat.txt", SEXTORTION_CHAT.encode()),
    ],
)
def test_non_images_get_a_clear_message(client: Client, action: str, name: str, payload: bytes) -> None:
    _needs("hotline.detect.media.metadata")
    response = client.post("/en/check/post/", {"action": action, "photo": SimpleUploadedFile(name, payload)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="photo-error"' in html


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "photo"}, "Choose a photo first."),
    ({"action": "photo", "photo": SimpleUploadedFile("e.jpg", b"")}, "The submitted file is empty."),
])
def test_photo_form_errors(client: Client, data: dict[str, object], message: str) -> None:
    response = client.post("/en/check/post/", data)
    assert response.status_code == 400
    assert message in response.content.decode()


@override_settings(HOTLINE_MAX_UPLOAD_BYTES=32 * 1024)
def test_photo_over_the_limit_is_refused(client: Client) -> None:
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * 100_000)
    response = client.post("/en/check/post/", {"action": "photo", "photo": big})
    assert response.status_code == 400
    assert "This file is too large. The limit is 32.0\xa0KB." in response.content.decode()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(client: Client, method: str) -> None:
    assert getattr(client, method)("/en/check/chat/").status_code == 405


# ---------------------------------------------------------------- uploads stay in memory


@pytest.mark.parametrize(("size", "limit", "kept"), [
    (6 * 1024 * 1024, 20 * 1024 * 1024, True),   # above Django's 5 MB spill-to-disk threshold
    (100, 20 * 1024 * 1024, True),
    (70_000, 64 * 1024, False),                   # over the bound: dropped and flagged
])
def test_uploads_are_held_in_memory_never_on_disk(size: int, limit: int, kept: bool) -> None:
    from django.core.files.uploadedfile import InMemoryUploadedFile
    from django.test import RequestFactory

    from hotline.web.uploads import BoundedMemoryUpload

    request = RequestFactory().post("/en/check/chat/", {"file": SimpleUploadedFile("a.txt", b"a" * size)})
    handler = BoundedMemoryUpload(request, limit)
    request.upload_handlers = [handler]
    upload = request.FILES.get("file")
    assert bool(handler.too_big) is (not kept)
    if kept:
        assert isinstance(upload, InMemoryUploadedFile)
        assert upload.size == size and upload.read() == b"a" * size
    else:
        assert upload is None


def test_pasted_chat_without_names_quotes_messages_without_a_sender(client: Client) -> None:
    """Copied from a phone screen: no "Name:" lines. No sender is made up from the first words."""
    _needs("hotline.detect.analysis")
    unnamed = "\n".join(line.split(": ", 1)[1] for line in SEXTORTION_CHAT.splitlines())
    html = client.post("/en/check/chat/", {"text": unnamed}).content.decode()
    risk = re.search(r'data-risk="(\w+)"', html)
    assert risk and risk.group(1) in ("high", "critical")
    assert re.search(r"Message \d+</p>", html) and "· from" not in html
    km = client.post("/km/check/chat/", {"text": unnamed}).content.decode()
    assert re.search(r"សារទី [០-៩]+</p>", km) and "· ពី" not in km

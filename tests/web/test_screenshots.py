"""Chat screenshots on the site: the public chat checker reads one or several, a report's screenshots are
read in the background analysis, and the analyst sees the recognised text beside the blurred picture."""

from __future__ import annotations

import struct
import zlib
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.detect.chats import synthetic_screenshots as synth
from hotline.detect.chats.assembly import DEFAULT_TZ
from hotline.detect.chats.screenshot import ocr
from hotline.detect.model import Conversation, Message
from tests.web.test_cases import make_user, report, signed_in
from tests.web.test_public_pages import ensure_messages

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not synth.fonts_available("noto"), reason="fonts-noto-core is not installed (make test)"),
    pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed: apt-get install tesseract-ocr "
                                                   "tesseract-ocr-eng tesseract-ocr-khm; pip install tesserocr"),
]


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    ensure_messages()


def _t(minute: int) -> datetime:
    return datetime(2025, 3, 8, 20, minute, tzinfo=DEFAULT_TZ)


SEXTORTION = Conversation("plain", [
    Message(0, "Dara", "I have the video of you from our call", _t(1)),
    Message(1, "Sophea", "please delete it", _t(2)),
    Message(2, "Dara", "pay me $200 or I will send it to your family and your school", _t(3)),
    Message(3, "Dara", "you have 24 hours. don't tell anyone", _t(4)),
    Message(4, "Sophea", "I don't have money", _t(5)),
    Message(5, "Dara", "then send more photos or everyone sees it", _t(6)),
    Message(6, "Sophea", "please stop", _t(7)),
    Message(7, "Dara", "tomorrow 8pm is your last chance", _t(8)),
])


def _shots(count: int = 2) -> list[bytes]:
    return [s.data for s in synth.screenshots(SEXTORTION, "Sophea", theme="messenger-light", width=720,
                                              count=count)]


def test_the_chat_checker_reads_several_screenshots(client: Client) -> None:
    files = [SimpleUploadedFile(f"Screenshot_{i}.jpg", data, content_type="image/jpeg")
             for i, data in enumerate(_shots())]
    response = client.post("/en/check/chat/", {"screenshots": files})
    html = response.content.decode()
    assert response.status_code == 200, html[-2000:]
    assert "sextortion" in html.lower()
    assert "pay me $200" in html  # the flagged message, as read from the picture


@pytest.mark.parametrize("payload", [b"\x89PNG\r\n\x1a\n not really", b"GIF89a" + b"\0" * 40, b"just text"])
def test_a_bad_screenshot_gets_a_400_with_a_reason(client: Client, payload: bytes) -> None:
    response = client.post("/en/check/chat/", {"screenshots": [SimpleUploadedFile("shot.png", payload)]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "not an image" in html or "damaged" in html
    khmer = client.post("/km/check/chat/", {"screenshots": [SimpleUploadedFile("shot.png", payload)]})
    assert khmer.status_code == 400 and "JPEG, PNG, WebP" in khmer.content.decode()


def test_a_50_megapixel_screenshot_is_refused_in_khmer_too(client: Client) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 5000, 10_000, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))
    for lang, words in (("en", "too large to read as a screenshot"), ("km", "មេហ្គាភីកសែល")):
        response = client.post(f"/{lang}/check/chat/", {"screenshots": [SimpleUploadedFile("big.png", png)]})
        assert response.status_code == 400
        assert words in response.content.decode()


def test_a_reports_screenshot_is_read_and_shown_beside_the_blurred_picture() -> None:
    r = report(files=[(_shots(1)[0], "Screenshot_2025-03-08.jpg")])
    evidence = r.evidence.get()
    assert evidence.analysis_status == "done", evidence.analysis_error
    assert evidence.risk in ("high", "critical")
    page = signed_in(make_user("analyst")).get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert 'class="obscured"' in page and "data-screenshot-text" in page
    assert "please delete it" in page

"""A file of 200,000 "[" (and other parser-breaking depth) is a clear 400 everywhere, never a 500."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db

DEEP = b"[" * 200_000


@pytest.mark.parametrize("name", ["deep.json", "deep.txt", "deep.csv"])
@pytest.mark.parametrize("lang", ["en", "km"])
def test_report_form_refuses_a_deep_file_with_a_message(name: str, lang: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(f"/{lang}/report/", {
        "category": "other", "platform": "other", "description": "x", "reporter_type": "self",
        "victim_age_band": "unknown", "files": SimpleUploadedFile(name, DEEP, content_type="application/json")})
    assert response.status_code == 400
    expected = "nested too deeply" if lang == "en" else "ជាន់គ្នាជ្រៅពេក"
    assert expected in response.content.decode()


def test_api_refuses_a_deep_body() -> None:
    client = Client(raise_request_exception=False)
    response = client.post("/api/v1/reports", DEEP[:60_000], content_type="application/json")
    assert response.status_code in (400, 413)
    assert "errors" in json.loads(response.content)


def test_chat_checker_refuses_a_deep_file() -> None:
    client = Client(raise_request_exception=False)
    response = client.post("/en/check/chat/", {"file": SimpleUploadedFile("deep.json", DEEP)})
    assert 400 <= response.status_code < 500


def test_web_zip_limits_are_tighter_than_the_command_line() -> None:
    """A zip of 1,500 small members is within the command line's bounds and refused on the site."""
    import io
    import zipfile

    from hotline.detect.chats import parse
    from hotline.web.uploads import WEB_ZIP_LIMITS

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("WhatsApp Chat with A.txt", "01/03/2024, 20:01 - A: hi\n01/03/2024, 20:02 - B: hello\n")
        for i in range(1_500):
            zf.writestr(f"media/{i}.txt", "x")
    data = buf.getvalue()
    assert parse(data, "chat.zip").messages  # the command line's defaults
    with pytest.raises(Exception, match="at most 1000"):
        parse(data, "chat.zip", limits=WEB_ZIP_LIMITS)
    client = Client(raise_request_exception=False)
    response = client.post("/en/check/chat/", {"file": SimpleUploadedFile("chat.zip", data)})
    assert response.status_code == 400

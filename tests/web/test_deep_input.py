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

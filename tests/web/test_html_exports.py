"""HTML chat exports in the product: the chat checker answers them, a report's background analysis reads
them, and a hostile page gets a message and a 400, never a 500."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.detect.chats import synthetic_html
from hotline.web import encryption
from hotline.web.reports import services
from hotline.web.sniffing import sniff
from tests.web.test_checkers import SEXTORTION_CHAT
from tests.web.test_public_pages import ensure_messages

pytestmark = pytest.mark.django_db

Item = tuple[str, datetime, str]


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    ensure_messages()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _items() -> list[Item]:
    start = datetime(2025, 3, 12, 19, 0)
    rows = [line.split(": ", 1) for line in SEXTORTION_CHAT.splitlines()]
    return [(s, start + timedelta(minutes=3 * i), t) for i, (s, t) in enumerate(rows)]


def _telegram_zip(per_page: int = 4) -> bytes:
    pages = synthetic_html.telegram_pages(_items(), title="Dara", per_page=per_page)
    members = {f"ChatExport_2025-03-12/{'messages' if n == 1 else f'messages{n}'}.html": page
               for n, page in enumerate(pages, start=1)}
    members["ChatExport_2025-03-12/css/style.css"] = b".page_wrap{}"
    return synthetic_html.zip_of(members)


def _risk(html: str) -> str:
    m = re.search(r'data-risk="(\w+)"', html)
    assert m, "the answer names a risk"
    return m.group(1)


@pytest.mark.parametrize(("name", "make"), [
    ("messages.html", lambda: synthetic_html.telegram_pages(_items(), title="Dara")[0]),
    ("Telegram export.zip", _telegram_zip),
    ("message_1.html", lambda: synthetic_html.facebook(_items(), title="Dara", layout="2025")),
    ("message_1.html", lambda: synthetic_html.facebook(_items(), title="Dara", layout="2019", mojibake=True)),
], ids=["telegram-page", "telegram-zip", "facebook-2025", "facebook-2019-mojibake"])
def test_the_chat_checker_reads_html_exports(client: Client, name: str, make: Any) -> None:
    response = client.post("/en/check/chat/", {"file": SimpleUploadedFile(name, make())})
    assert response.status_code == 200
    html = response.content.decode()
    assert _risk(html) in ("high", "critical")
    assert "pay me $200 or I will send your photo" in html, "the threatening message is quoted"


def test_a_hostile_html_page_is_a_400_with_a_message(client: Client) -> None:
    page = synthetic_html.telegram_pages(_items()[:1])[0].decode()
    hostile = page.replace('<div class="text">', '<div class="text">' + "<div>" * 100_000).encode()
    response = client.post("/en/check/chat/", {"file": SimpleUploadedFile("messages.html", hostile)})
    assert response.status_code == 400
    assert "deep" in response.content.decode()


@pytest.mark.parametrize(("name", "make", "fmt"), [
    ("Telegram export.zip", _telegram_zip, "telegram_html"),
    ("messages.html", lambda: synthetic_html.telegram_pages(_items(), title="Dara")[0], "telegram_html"),
    ("message_1.html", lambda: synthetic_html.facebook(_items(), title="Dara", layout="2023"), "messenger_html"),
])
def test_a_reports_html_export_is_analysed_in_the_background(name: str, make: Any, fmt: str) -> None:
    data = make()
    assert sniff(data).kind == "chat"
    receipt = services.create_report(category="other", platform="telegram", description="html",
                                     files=[(data, name)])
    evidence = receipt.report.evidence.get()
    assert evidence.analysis_status == "done", evidence.analysis_error
    stored = json.loads(encryption.decrypt(evidence.analysis_encrypted))
    assert stored["analysis"]["format"] == fmt
    assert stored["analysis"]["message_count"] == len(_items())
    assert evidence.risk in ("high", "critical")


def test_report_this_from_a_telegram_html_export_names_telegram(client: Client) -> None:
    page = synthetic_html.telegram_pages(_items(), title="Dara")[0]
    html = client.post("/en/check/chat/", {"file": SimpleUploadedFile("messages.html", page)}).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', html)
    assert payload
    response = client.post("/en/check/chat/", {
        "action": "report", "payload": payload.group(1), "filename": "messages.html"})
    assert response.status_code == 302
    assert client.session["report_prefill"]["platform"] == "telegram"


def test_the_report_form_lets_a_phone_pick_an_html_export(client: Client) -> None:
    html = client.get("/en/report/").content.decode()
    accept = re.search(r'type="file"[^>]*accept="([^"]+)"|accept="([^"]+)"[^>]*type="file"', html)
    assert accept and ".html" in (accept.group(1) or accept.group(2)).split(",")

"""The checkers in Debian's Chromium: a photo with GPS is warned about and comes back clean; a pasted
sextortion chat gets an urgent answer that quotes the threat. Screenshots of the Khmer result pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import exifread
import piexif
import pytest

from tests.web.test_checkers import SEXTORTION_CHAT, gps_jpeg
from tests.web.test_public_browser import KHMER_FAMILIES, no_sideways_scroll, rendering_fonts
from tests.web.test_public_pages import ensure_messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    ensure_messages()


def test_photo_checker_warns_about_gps_and_returns_a_clean_copy(
    live_server: Any, page: Any, screenshot: Any, tmp_path: Path,
) -> None:
    original = gps_jpeg()
    assert exifread.process_file(io.BytesIO(original), details=False).get("GPS GPSLatitude")
    page.goto(f"{live_server.url}/km/check/post/")
    page.set_input_files("#id_photo", files=[{"name": "IMG_2024.jpg", "mimeType": "image/jpeg", "buffer": original}])
    page.locator('button[name="action"][value="photo"]').click()
    warning = page.locator("#gps-warning")
    warning.wait_for()
    assert "11.55639" in warning.inner_text() and "104.92806" in warning.inner_text()
    assert "រូបថតនេះបង្ហាញទីកន្លែងដែលវាត្រូវបានថត" in warning.inner_text()
    assert page.locator('.facts [data-code="person_name"]').first.is_visible()
    assert no_sideways_scroll(page)
    screenshot("km-check-photo-result")

    with page.expect_download() as info:
        page.locator("#clean-download").click()
    download = info.value
    assert download.suggested_filename == "IMG_2024-clean.jpg"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    clean = saved.read_bytes()
    assert piexif.load(clean)["GPS"] == {}
    tags = exifread.process_file(io.BytesIO(clean), details=False)
    assert not any(name.startswith("GPS") for name in tags), tags.keys()

    # The second button strips without the check and answers with the file itself.
    page.set_input_files("#id_photo", files=[{"name": "b.jpg", "mimeType": "image/jpeg", "buffer": original}])
    with page.expect_download() as info:
        page.locator('button[name="action"][value="strip"]').click()
    stripped = Path(info.value.path()).read_bytes()
    assert piexif.load(stripped)["GPS"] == {}


def test_photo_checker_rejects_a_non_image(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/en/check/post/")
    page.set_input_files("#id_photo", files=[{"name": "x.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}])
    page.locator('button[name="action"][value="photo"]').click()
    error = page.locator("#photo-error")
    error.wait_for()
    assert error.inner_text().strip()


def test_chat_checker_on_a_sextortion_chat(live_server: Any, page: Any, screenshot: Any) -> None:
    page.goto(f"{live_server.url}/km/check/chat/")
    page.fill("#id_text", SEXTORTION_CHAT)
    page.locator('form[enctype] button[type="submit"]').click()
    answer = page.locator("#answer")
    answer.wait_for()
    assert answer.get_attribute("data-risk") in ("high", "critical")
    quotes = page.locator(".quote blockquote").all_inner_texts()
    assert any("pay me $200 or I will send your photo" in q for q in quotes), quotes
    assert page.locator(".steps-urgent li").count() == 5
    assert "កុំបង់លុយ" in page.locator(".steps-urgent").inner_text()
    assert rendering_fonts(page, ".risk-summary") & set(KHMER_FAMILIES)
    assert page.locator("#id_text").input_value() == SEXTORTION_CHAT, "the pasted chat stays in the box"
    assert no_sideways_scroll(page)
    screenshot("km-check-chat-result")
    page.set_viewport_size({"width": 360, "height": 740})
    assert no_sideways_scroll(page)
    screenshot("km-check-chat-result-360")


def test_post_checker_highlights_a_phone_number(live_server: Any, page: Any, screenshot: Any) -> None:
    page.goto(f"{live_server.url}/km/check/post/")
    page.fill("#id_text", "ខួបកំណើតខ្ញុំនៅផ្ទះ ផ្លូវ ២៧១ ភ្នំពេញ! ទូរស័ព្ទមក 012 345 678")
    page.locator('#post form button[type="submit"]').click()
    page.locator("#post-answer").wait_for()
    assert page.locator("mark.detail").count() >= 1
    screenshot("km-check-post-result")

"""The protect page in Debian's Chromium: a generated picture is fingerprinted by pdq.js in the page,
only the hash is sent, and the stored hash agrees with `pdqhash` on the same picture."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.detect.media import PdqHash, hash_image
from hotline.web.hashlists import services
from hotline.web.hashlists.models import HashEntry
from tests.media.pictures import encode, picture
from tests.web.test_hashlists import LOCALE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    import subprocess

    po, mo = LOCALE / "django.po", LOCALE / "django.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)


@pytest.mark.parametrize(
    ("fmt", "size", "mime"),
    [("PNG", (640, 480), "image/png"), ("JPEG", (1600, 1200), "image/jpeg")],
    ids=["png", "jpeg-2mp"],
)
def test_photo_is_hashed_in_the_browser_and_only_the_hash_is_sent(
    live_server: Any, page: Any, screenshot: Any, fmt: str, size: tuple[int, int], mime: str,
) -> None:
    services.INDEX.reset()
    data = encode(picture(41, size), fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    expected = hash_image(data, draft=False).pdq
    assert expected is not None

    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(f"{live_server.url}/km/protect/")
    assert page.locator("#protect-submit").is_disabled()
    page.set_input_files("#photo-picker", files=[{"name": "me.png", "mimeType": mime, "buffer": data}])
    page.locator("#protect-form[data-ready='1']").wait_for()
    page.locator("#id_consent").check()
    if fmt == "PNG":
        screenshot("km-protect-ready")
    page.locator("#protect-submit").click()
    page.locator("#case-number").wait_for()
    if fmt == "PNG":
        screenshot("km-protect-done")

    case_number = page.locator("#case-number").inner_text().strip()
    entry = HashEntry.objects.get(case_number=case_number)
    assert PdqHash.distance(entry.pdq, expected) <= 8  # same picture, browser decoder and scaling
    # Only the hash left the page: one small form post, no image bytes.
    assert len(posted) == 1 and len(posted[0]) < 1000
    assert "PNG" not in posted[0] and "JFIF" not in posted[0] and "me.png" not in posted[0]
    assert services.hash_and_match(data)[0].entry_id == entry.pk

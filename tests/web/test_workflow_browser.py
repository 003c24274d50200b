"""One analyst's whole flow in the real browser (Debian's Chromium through Playwright), in Khmer: sign in
with password and TOTP, take the next report, reveal its image, forward it (download the package and read
it), mark the content removed, and see the statistics chart change once the next snapshot is taken (the
staff page shows the last refresh until then)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from pypdf import PdfReader

from hotline.web import encryption
from hotline.web.cases.models import AuditEvent, Forwarding
from hotline.web.cases.tasks import refresh_statistics
from hotline.web.reports import services
from hotline.web.reports.models import Report
from hotline.web.staff.models import StaffSecondFactor
from hotline.web.staff.roles import ensure_groups
from tests.web.staff_sign_in import sign_in
from tests.web.test_cases import CHAT, encode, noise_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "គាត់គំរាមកំហែងថានឹងចែករំលែករូបភាព"
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def _analyst() -> tuple[User, str]:
    analysts, _supervisors = ensure_groups()
    user = User.objects.create_user("sokha.analyst", "", "a long password 123", is_staff=True)
    user.groups.add(analysts)
    user.user_permissions.add(Permission.objects.get(codename="reveal_evidence"))
    secret = pyotp.random_base32()
    StaffSecondFactor.objects.create(user=user, secret_encrypted=encryption.encrypt(secret.encode()), confirmed=True)
    return user, secret


def _removals(page: Any) -> str:
    """The "links taken down" total as shown (Khmer digits on the Khmer page), in ASCII digits."""
    return page.locator('[data-stat="removals"]').inner_text().strip().translate(KHMER_DIGITS)


def _removal_bars(page: Any) -> int:
    return page.locator('[data-chart="removals_by_month"] svg rect').count()


def test_take_reveal_forward_remove_then_statistics(live_server: Any, page: Any, screenshot: Any) -> None:
    cache.clear()
    user, secret = _analyst()
    top = services.create_report(
        category="sextortion", platform="facebook", victim_age_band="13_15", description=DESCRIPTION,
        urls=["https://facebook.com/p/999"], contact="contact-marker", language="km",
        files=[(CHAT, "chat.txt"), (encode(noise_image(5)), "shot.png")]).report
    services.create_report(category="other", platform="tiktok", urls=["https://example.com/low"])

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, f"{live_server.url}/km/staff/", "sokha.analyst", "a long password 123", secret)

    # The statistics as last refreshed: nothing taken down yet.
    page.goto(f"{live_server.url}/km/staff/statistics/")
    assert _removals(page) == "0"
    assert _removal_bars(page) == 0

    # Take next: the highest-risk report is now mine.
    page.goto(f"{live_server.url}/km/staff/")
    page.locator("[data-take-next]").click()
    page.wait_for_url(re.compile(rf"/km/staff/reports/{top.pk}/"))
    assert top.case.analyst_id == user.pk

    # Reveal the image (audited before it is shown).
    page.locator("[data-reveal]").click()
    page.wait_for_selector("img[data-revealed]")
    assert AuditEvent.objects.filter(user=user, action="reveal_image").count() == 1

    # Forward to the police, classified; then download the package and read it.
    forward = page.locator('form[action$="/forward/"]')
    forward.locator("#id_recipient").select_option("police")
    forward.locator("#id_recipient_name").fill("Anti-trafficking unit")
    forward.locator("#id_reference").fill("PN-77")
    forward.locator("#id_classification").select_option("baseline")
    forward.locator("button[type=submit]").click()
    page.wait_for_selector("[data-forwarding]")
    forwarding = Forwarding.objects.get(report=top)
    assert forwarding.classification == "baseline"
    screenshot("staff-forwarded")
    with page.expect_download() as download_info:
        page.locator(f'[data-forwarding="{forwarding.pk}"] a[data-package="zip"]').click()
    archive = zipfile.ZipFile(Path(download_info.value.path()))
    data = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith("package.json"))))
    assert data["report"]["tracking_code"] == top.tracking_code
    assert data["forwarding"]["classification"] == "baseline"
    assert data["report"]["incident_type"]["id"] == "sextortion"
    assert "contact-marker" not in json.dumps(data)
    pdf = archive.read(next(n for n in archive.namelist() if n.endswith("package.pdf")))
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert DESCRIPTION in text and "កញ្ចប់បញ្ជូនបន្ត" in text  # see test_forwarding_package.squeezed
    assert AuditEvent.objects.filter(user=user, action="download_package", report=top).count() == 1

    # Mark the content removed (the link is prefilled with the reported one).
    removal = page.locator('form[action$="/removal/"]')
    assert removal.locator("#id_url").input_value() == "https://facebook.com/p/999"
    removal.locator("button[type=submit]").click()
    page.wait_for_selector('[data-status="removed"]')
    assert Report.objects.get(pk=top.pk).status == "removed"

    # The staff statistics still show the last snapshot; the next one counts the removal.
    page.goto(f"{live_server.url}/km/staff/statistics/")
    assert _removal_bars(page) == 0
    refresh_statistics.enqueue()
    page.reload()
    assert _removals(page) == "1"
    assert _removal_bars(page) == 1
    screenshot("staff-statistics-after-removal")

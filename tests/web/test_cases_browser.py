"""An analyst in the real browser: sign in with password and TOTP, open the queue (Khmer) and a report's
analysis, with the screenshot blurred until revealed."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.contrib.auth.models import Permission, User

from hotline.web import encryption
from hotline.web.cases.models import AuditEvent
from hotline.web.reports import services
from hotline.web.staff.models import StaffSecondFactor
from hotline.web.staff.roles import ensure_groups
from tests.web.staff_sign_in import sign_in
from tests.web.test_cases import CHAT, encode, noise_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_signs_in_and_reads_the_analysis(live_server: Any, page: Any, screenshot: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    analysts, _supervisors = ensure_groups()
    user = User.objects.create_user("dara.analyst", "", "a long password 123", is_staff=True)
    user.groups.add(analysts)
    user.user_permissions.add(Permission.objects.get(codename="reveal_evidence"))  # given to this analyst
    secret = pyotp.random_base32()
    StaffSecondFactor.objects.create(user=user, secret_encrypted=encryption.encrypt(secret.encode()), confirmed=True)
    grooming = services.create_report(
        category="grooming", platform="whatsapp", victim_age_band="13_15", urls=["https://example.com/p/1"],
        offender_name="dara.k", description="He asks her to keep their chats secret.",
        files=[(CHAT, "chat.txt"), (encode(noise_image(4)), "shot.png")], language="km").report
    services.create_report(category="sextortion", platform="telegram", urls=["https://t.me/example_channel"])
    services.create_report(category="other", platform="tiktok", urls=["https://example.com/p/1"])

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, f"{live_server.url}/km/staff/", "dara.analyst", "a long password 123", secret)
    assert page.locator("html").get_attribute("lang") == "km"
    rows = page.locator("[data-report]")
    assert rows.count() == 3
    assert page.get_by_role("heading", name="របាយការណ៍ដែលត្រូវដោះស្រាយ").is_visible()
    screenshot("staff-queue")

    page.locator(f'[data-report="{grooming.tracking_code}"] a').click()
    page.wait_for_selector("[data-evidence]")
    assert page.locator("[data-link=same_url]").count() == 1
    image = page.locator("img[data-blurred]")
    assert "blur" in image.evaluate("el => getComputedStyle(el).filter")
    assert page.get_by_role("link", name="បង្ហាញឆាតទាំងមូល").is_visible()
    screenshot("staff-report")

    page.locator("[data-reveal]").click()
    page.wait_for_selector("img[data-revealed]")
    assert AuditEvent.objects.filter(user=user, action="reveal_image").count() == 1
    page.get_by_role("link", name="បង្ហាញឆាតទាំងមូល").click()
    page.wait_for_selector("ol.chat li")
    assert page.locator("ol.chat li").count() == 4
    assert AuditEvent.objects.filter(user=user, action="show_chat").count() == 1

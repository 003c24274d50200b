"""In the real browser: a supervisor issues an enrolment link, a new analyst opens it, chooses a password,
enrols a TOTP code, takes a report, and cannot reveal its image without the permission."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from hotline.web import encryption
from hotline.web.cases.models import AuditEvent, Case
from hotline.web.reports import services
from hotline.web.staff.models import StaffSecondFactor
from hotline.web.staff.roles import ensure_groups
from tests.web.staff_sign_in import sign_in
from tests.web.test_cases import encode, noise_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long password 123"


def test_supervisor_enrols_a_new_analyst_who_cannot_reveal_images(live_server: Any, browser: Any, page: Any,
                                                                   screenshot: Any) -> None:
    cache.clear()
    _analysts, supervisors = ensure_groups()
    boss = User.objects.create_user("sophea.supervisor", "", PASSWORD, is_staff=True)
    boss.groups.add(supervisors)
    boss_secret = pyotp.random_base32()
    StaffSecondFactor.objects.create(user=boss, secret_encrypted=encryption.encrypt(boss_secret.encode()),
                                     confirmed=True)
    report = services.create_report(category="sextortion", platform="facebook", urls=["https://example.com/p/9"],
                                    files=[(encode(noise_image(7)), "shot.png")], language="en").report

    # The supervisor signs in (password, then TOTP) and creates the analyst's account.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, f"{live_server.url}/en/staff/accounts/", "sophea.supervisor", PASSWORD, boss_secret)
    page.fill("input[name=username]", "dara.new")
    page.select_option("select[name=role]", "analyst")
    page.get_by_role("button", name="Create and issue an enrolment link").click()
    link = page.locator("[data-enrolment-link]").inner_text().strip()
    assert "/admin-2fa/enrol/" in link
    screenshot("staff-accounts-link")

    # The new analyst, in another browser, opens the link, chooses a password and enrols a code.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    analyst = context.new_page()
    analyst.set_default_timeout(20_000)
    analyst.goto(link)
    secret = analyst.locator("[data-totp-secret]").inner_text().strip()
    assert analyst.locator(".qr svg").count() == 1
    analyst.fill("input[name=password1]", PASSWORD)
    analyst.fill("input[name=password2]", PASSWORD)
    analyst.fill("input[name=code]", pyotp.TOTP(secret).now())
    analyst.get_by_role("button", name="Set up my account").click()
    analyst.wait_for_selector("[data-backup-codes] li")
    assert analyst.locator("[data-backup-codes] li").count() == 10
    analyst.goto(f"{live_server.url}/en/staff/")
    analyst.locator(f'[data-report="{report.tracking_code}"] a').click()
    analyst.wait_for_selector("[data-evidence]")
    analyst.locator("[data-take]").click()
    analyst.wait_for_selector("[data-take]")
    new = User.objects.get(username="dara.new")
    assert Case.objects.get(report=report).analyst == new
    assert analyst.locator("img[data-blurred]").count() == 1
    assert analyst.locator("[data-reveal]").count() == 0 and analyst.locator("[data-no-reveal]").is_visible()
    # Asking for the clear image anyway: refused, and the image stays blurred.
    token = analyst.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    refused = analyst.request.post(f"{live_server.url}/en/staff/evidence/{report.evidence.get().pk}/reveal/",
                                   form={"csrfmiddlewaretoken": token or ""},
                                   headers={"Referer": f"{live_server.url}/en/staff/"})
    assert refused.status == 403
    assert not AuditEvent.objects.filter(user=new, action="reveal_image").exists()
    context.close()
    # The link worked once.
    again = page.goto(link)
    assert again is not None and again.status == 404
    assert page.locator("h1").inner_text() == "តំណនេះមិនដំណើរការទេ"  # the supervisor's browser is in Khmer
    assert pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30))  # the factor is a real TOTP

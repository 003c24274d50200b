"""In the real browser: the quick-exit button (and Esc) leaves for a neutral page and takes the page
off the history; the public statistics built from 12 reports show "fewer than 5" where they must."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from hotline.web.cases import stats
from hotline.web.reports import services
from hotline.web.staff.roles import ensure_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def neutral(settings: Any, live_server: Any) -> str:
    """A neutral page on the test server itself (the tests have no network)."""
    settings.HOTLINE_QUICK_EXIT_URL = f"{live_server.url}/static/public/icons/hotline.svg"
    return str(settings.HOTLINE_QUICK_EXIT_URL)


@pytest.mark.parametrize("how", ["button", "escape"])
def test_quick_exit_leaves_and_replaces_the_history_entry(live_server: Any, page: Any, neutral: str,
                                                           how: str) -> None:
    page.goto(f"{live_server.url}/en/")
    page.goto(f"{live_server.url}/en/report/")
    assert page.locator("[data-quick-exit]").is_visible()
    if how == "button":
        page.locator("[data-quick-exit]").click()
    else:
        page.locator("body").press("Escape")
    page.wait_for_url(neutral)
    page.go_back()
    page.wait_for_load_state()
    assert not page.url.endswith("/en/report/")  # the report page was replaced, not left behind
    assert page.url.endswith("/en/")


def test_every_public_page_has_the_quick_exit(client: Any) -> None:
    for url in ("/en/", "/km/", "/en/report/", "/en/report/status/", "/en/check/chat/", "/en/statistics/"):
        response = client.get(url)
        if response.status_code == 404:
            continue
        body = response.content.decode()
        assert "data-quick-exit" in body and "quick-exit.js" in body, url
        assert "<script>" not in body  # no inline script: the strict CSP would block it


def test_public_statistics_from_twelve_reports(live_server: Any, page: Any, screenshot: Any) -> None:
    """12 reports: 9 on Facebook, 3 on TikTok; nationality 6 KH, 4 TH, 2 other; grooming 6, sextortion 3,
    sexting 3."""
    for i in range(12):
        services.create_report(
            category="grooming" if i < 6 else ("sextortion" if i < 9 else "sexting"), platform="facebook" if i < 9 else "tiktok",
            offender_nationality="KH" if i < 6 else ("TH" if i < 10 else "other"), description="report")
    services.create_report(category="csam", platform="website", description="demo", source="demo")
    _analysts, supervisors = ensure_groups()
    supervisor = User.objects.create_user("sup", "", "a long password 123", is_staff=True)
    supervisor.groups.add(supervisors)
    stats.publish(supervisor)

    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(f"{live_server.url}/en/statistics/")
    assert page.locator('[data-stat="total"]').inner_text() == "12"  # the demo report does not count

    def cell(section: str, label: str) -> str:
        row = page.locator(f'table[data-section="{section}"] tr', has=page.locator(f'th:text-is("{label}")'))
        return str(row.locator("td").inner_text())

    assert cell("platform", "TikTok") == "fewer than 5"
    assert cell("platform", "Facebook") == "5 or more"  # else 12 − 9 would give TikTok's 3
    assert cell("nationality", "Cambodia") == "6"
    assert cell("nationality", "Thailand") == "fewer than 5"
    assert cell("nationality", "Another country") == "fewer than 5"
    assert cell("category", "Online grooming") == "6"
    assert cell("category", "Sextortion (threats to share sexual images)") == "fewer than 5"
    assert not page.locator("td.num", has_text=re.compile(r"^[1-4]$")).count()
    screenshot("public-statistics-suppressed")
    page.goto(f"{live_server.url}/km/statistics/")
    assert page.locator("td.num", has_text="តិចជាង ៥").count() >= 3

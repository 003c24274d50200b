"""A report in Khmer, in the real browser: a WhatsApp export through to the tracking code and status page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hotline.web.reports.models import Report
from tests.web.test_reports import whatsapp_export

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_in_khmer_with_a_whatsapp_export(live_server: Any, page: Any, screenshot: Any,
                                                tmp_path: Path) -> None:
    from django.core.cache import cache

    cache.clear()
    export = tmp_path / "WhatsApp Chat with Dara.txt"
    export.write_bytes(whatsapp_export())
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/km/report/")
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.get_by_text("កុំបង្ហោះរូបភាពផ្លូវភេទរបស់កុមារជាដាច់ខាត").first.is_visible()
    # Nothing is wider than the 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("report-km-form")

    page.get_by_label("តំណទៅកាន់ខ្លឹមសារ ឬគណនីនោះ").fill("facebook.com/some.profile")
    page.get_by_label("តើមានរឿងអ្វីកើតឡើង?").select_option("grooming")
    page.get_by_label("តើវាកើតឡើងនៅឯណា?").select_option("whatsapp")
    page.get_by_label("ប្រាប់យើងពីអ្វីដែលបានកើតឡើង").fill("គាត់សុំឲ្យប្អូនស្រីខ្ញុំលាក់ការសន្ទនានេះ។")
    page.get_by_label("ឯកសារឆាតដែលបាននាំចេញ ឬរូបថតអេក្រង់នៃការសន្ទនា").set_input_files(str(export))
    page.get_by_label("ខ្ញុំរាយការណ៍ជំនួសអ្នកផ្សេង").check()
    page.get_by_label("ពី ១៣ ដល់ ១៥ ឆ្នាំ").check()
    # Keyboard: the submit button is reachable and activates with Enter.
    page.get_by_role("button", name="ផ្ញើរបាយការណ៍").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/km/report/thanks/$"))

    code = page.locator("[data-tracking-code]").inner_text().strip()
    pin = page.locator("[data-pin]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code) and re.fullmatch(r"\d{6}", pin)
    assert page.get_by_text("អរគុណ។ យើងបានទទួលរបាយការណ៍របស់អ្នកហើយ។").is_visible()
    screenshot("report-km-thanks")
    report = Report.objects.get(tracking_code=code)
    assert report.language == "km" and report.evidence.count() == 1

    # A fresh visitor (no session) follows the report with code and PIN.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/km/report/status/")
    page.get_by_label("លេខកូដតាមដាន").fill(code.lower())
    page.get_by_label("លេខសម្ងាត់ (PIN)").fill(pin)
    page.get_by_role("button", name="បង្ហាញវឌ្ឍនភាព").click()
    page.wait_for_selector("[data-status]")
    assert page.locator("[data-status]").get_attribute("data-status") == "received"
    assert page.get_by_text("បានទទួល", exact=True).first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("report-km-status")

"""Demo data for a fresh install: one analyst account (a one-time enrolment link, shown once: it sets the
password and the second factor) and a few reports. Never a superuser; never outside the embedded default.

Demo reports are marked `source="demo"`, use example.com/example.org links and describe nothing graphic.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from hotline.web.staff.accounts import DEMO_USERNAME, create_account

from .models import Report
from .services import create_report, set_status

#: A short, mild chat export so that the analysts' workspace has an analysis to show.
DEMO_CHAT = (
    b"01/03/2024, 20:01 - demo.account.1: hi, you look mature for your age\n"
    b"01/03/2024, 20:02 - Student: thanks\n"
    b"01/03/2024, 20:03 - demo.account.1: don't tell your parents about our chat ok\n"
    b"01/03/2024, 20:05 - demo.account.1: let's talk on another app, only us\n"
)

DEMO_REPORTS: tuple[dict[str, object], ...] = (
    {"category": "grooming", "platform": "messenger", "victim_age_band": "13_15",
     "urls": ["https://www.example.com/profile/demo.account.1"],
     "description": "An adult keeps messaging my classmate, asks her to keep it secret and to move to another app.",
     "offender_name": "demo.account.1", "offender_claimed_age": 16, "statuses": ["in_review"],
     "files": [(DEMO_CHAT, "WhatsApp Chat with demo.account.1.txt")]},
    {"category": "sextortion", "platform": "telegram", "victim_age_band": "16_17",
     "urls": ["https://t.example.org/demo_channel"],
     "description": "Someone threatens to share a photo unless money is sent.",
     "offender_name": "demo_channel", "statuses": ["in_review", "assessed", "forwarded"]},
    {"category": "csam", "platform": "website", "victim_age_band": "under_13",
     "urls": ["https://files.example.net/demo/abc"], "description": "A link shared in a group chat.",
     "statuses": ["assessed", "forwarded", "removed"]},
    {"category": "sexual_cyberbullying", "platform": "tiktok", "victim_age_band": "13_15",
     "urls": ["https://www.example.com/@demo.user/video/1"],
     "description": "Sexual comments posted under a student's video.", "statuses": []},
    # The same account as the first report: the case-work app links the two (same link, same account).
    {"category": "grooming", "platform": "messenger", "victim_age_band": "16_17",
     "urls": ["http://m.example.com/profile/demo.account.1/"], "offender_name": "@demo.account.1",
     "description": "The same account asked my friend for photos.", "statuses": []},
)


def ensure_demo_data() -> tuple[str, str] | None:
    """Create the demo analyst and reports unless they exist; returns (username, enrolment link token)
    when created. Only where the settings allow the demo (the embedded default): elsewhere it refuses."""
    if not settings.HOTLINE_DEMO_ALLOWED:
        raise ImproperlyConfigured("the demo account exists only on the embedded default (no DATABASE_URL)")
    users = get_user_model()
    if users.objects.filter(username=DEMO_USERNAME).exists():
        return None
    with transaction.atomic():
        _user, token = create_account(DEMO_USERNAME, "analyst")
        if not Report.objects.filter(source="demo").exists():
            for spec in DEMO_REPORTS:
                fields = {k: v for k, v in spec.items() if k != "statuses"}
                receipt = create_report(**fields, source="demo", language="en")  # type: ignore[arg-type]
                for status in spec["statuses"]:  # type: ignore[attr-defined]
                    set_status(receipt.report, status)
    return DEMO_USERNAME, token

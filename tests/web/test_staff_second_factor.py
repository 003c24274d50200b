"""Staff sign in with a second factor (TOTP) before the admin opens."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from hotline.web.staff.models import StaffSecondFactor

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    cache.clear()
    User.objects.create_superuser("analyst", "", "a long password 123")
    client = Client()
    assert client.login(username="analyst", password="a long password 123")
    return client


def test_admin_needs_the_second_factor_and_enrols_on_first_sign_in(staff_client: Client) -> None:
    response = staff_client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin-2fa/")
    page = staff_client.get(response["Location"]).content.decode()
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)  # type: ignore[union-attr]
    assert "<svg" in page
    stored = StaffSecondFactor.objects.get()
    assert secret.encode() not in bytes(stored.secret_encrypted)
    wrong = staff_client.post("/admin-2fa/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "1",
                                              "next": "/admin/"})
    assert wrong.status_code == 400
    assert staff_client.get("/admin/").status_code == 302
    code = pyotp.TOTP(secret).now()
    ok = staff_client.post("/admin-2fa/", {"code": code, "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert staff_client.get("/admin/").status_code == 200
    assert StaffSecondFactor.objects.get().confirmed
    # The analysts' queue opens, highest priority first, and a report's page shows no PIN hash.
    from hotline.web.reports import services

    receipt = services.create_report(category="csam", platform="website", urls=["https://example.com/a"],
                                     files=[(b"01/03/2024, 20:01 - A: hi\n", "c.txt")])
    queue = staff_client.get("/admin/reports/report/")
    assert queue.status_code == 200 and receipt.tracking_code in queue.content.decode()
    change = staff_client.get(f"/admin/reports/report/{receipt.report.pk}/change/")
    assert change.status_code == 200 and receipt.report.pin_hash not in change.content.decode()
    # The same code cannot be used again in another session.
    other = Client()
    other.login(username="analyst", password="a long password 123")
    page = other.get("/admin-2fa/").content.decode()
    assert "data-totp-secret" not in page  # enrolled: the secret is not shown again
    assert other.post("/admin-2fa/", {"code": code, "next": "/admin/"}).status_code == 400


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_next_cannot_leave_the_site(staff_client: Client, target: str) -> None:
    page = staff_client.get("/admin-2fa/").content.decode()
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)  # type: ignore[union-attr]
    ok = staff_client.post("/admin-2fa/", {"code": pyotp.TOTP(secret).now(), "next": target})
    assert ok["Location"] == "/admin/"


def test_public_pages_and_anonymous_admin_login_are_untouched() -> None:
    client = Client()
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/en/report/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_moving_the_second_factor_to_the_staff_app_keeps_enrolled_secrets() -> None:
    """An install enrolled before the move (model in `reports`) keeps its factors after `migrate`."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("reports", "0002_staffsecondfactor")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = MigrationExecutor(connection).loader.project_state(before).apps
    user = old_apps.get_model("auth", "User").objects.create(username="enrolled", is_staff=True)
    old_apps.get_model("reports", "StaffSecondFactor").objects.create(
        user_id=user.pk, secret_encrypted=b"token", confirmed=True, last_step=42)
    assert "reports_staffsecondfactor" in connection.introspection.table_names()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    moved = StaffSecondFactor.objects.get(user_id=user.pk)
    assert (bytes(moved.secret_encrypted), moved.confirmed, moved.last_step) == (b"token", True, 42)
    tables = connection.introspection.table_names()
    assert "staff_staffsecondfactor" in tables and "reports_staffsecondfactor" not in tables

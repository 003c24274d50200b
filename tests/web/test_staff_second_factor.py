"""Staff accounts: enrolment by a one-time link, the second factor after the password, lock-out of
password and code guesses, backup codes, and what a supervisor does to an account (audited)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import StringIO

import pyotp
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client, override_settings

from hotline.web.reports.demo import ensure_demo_data
from hotline.web.reports.models import Report
from hotline.web.staff import accounts
from hotline.web.staff.models import AccountEvent, StaffSecondFactor
from hotline.web.staff.roles import ensure_groups
from hotline.web.staff.second_factor import SESSION_KEY

pytestmark = pytest.mark.django_db

PASSWORD = "a long password 123"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def enrol(token: str, *, password: str = PASSWORD, client: Client | None = None) -> tuple[Client, str, list[str]]:
    """Open an enrolment link and complete it: (the signed-in client, the TOTP secret, the backup codes)."""
    client = client or Client()
    page = client.get(f"/admin-2fa/enrol/{token}/")
    assert page.status_code == 200
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page.content.decode()).group(1)  # type: ignore[union-attr]
    done = client.post(f"/admin-2fa/enrol/{token}/", {"password1": password, "password2": password,
                                                      "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.content.decode()[:500]
    codes = re.findall(r"<li>([A-Z0-9]{5}-[A-Z0-9]{5})</li>", done.content.decode())
    return client, secret, codes


def next_code(secret: str) -> str:
    """The code of the next time step: the current one was used up by the enrolment itself."""
    return pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30))


def supervisor_client() -> tuple[User, Client]:
    _analysts, supervisors = ensure_groups()
    boss = User.objects.create_user("boss", "", PASSWORD, is_staff=True)
    boss.groups.add(supervisors)
    client = Client()
    client.force_login(boss)
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return boss, client


def test_enrolment_link_sets_password_and_second_factor_once() -> None:
    user, token = accounts.create_account("dara", "analyst")
    assert not user.has_usable_password()
    client, secret, codes = enrol(token)
    assert len(codes) == accounts.BACKUP_CODES and len(set(codes)) == len(codes)
    assert client.get("/en/staff/").status_code == 200  # signed in, second factor passed
    stored = StaffSecondFactor.objects.get(user=user)
    assert stored.confirmed and secret.encode() not in bytes(stored.secret_encrypted)
    assert Client().get(f"/admin-2fa/enrol/{token}/").status_code == 404  # used: works once
    assert Client().get("/admin-2fa/enrol/not-a-token/").status_code == 404
    assert set(AccountEvent.objects.filter(account=user).values_list("action", flat=True)) == {
        "created", "link_issued", "enrolled"}


def test_enrolment_refuses_weak_passwords_and_wrong_codes() -> None:
    _user, token = accounts.create_account("sok", "analyst")
    client = Client()
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", client.get(f"/admin-2fa/enrol/{token}/").content.decode()
                       ).group(1)  # type: ignore[union-attr]
    weak = client.post(f"/admin-2fa/enrol/{token}/", {"password1": "12345678", "password2": "12345678",
                                                      "code": pyotp.TOTP(secret).now()})
    assert weak.status_code == 400 and "errorlist" in weak.content.decode()
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    bad_code = client.post(f"/admin-2fa/enrol/{token}/", {"password1": PASSWORD, "password2": PASSWORD, "code": wrong})
    assert bad_code.status_code == 400
    assert accounts.link_for(token) is not None  # still usable after a mistake


def test_without_a_link_nobody_enrols_at_sign_in() -> None:
    """The hole the password alone opened: a signed-in account without a factor is shown no secret."""
    User.objects.create_superuser("admin", "", PASSWORD)
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin-2fa/")
    page = client.get(response["Location"])
    assert page.status_code == 403 and "data-totp-secret" not in page.content.decode()
    assert "data-not-enrolled" in page.content.decode()
    assert not StaffSecondFactor.objects.exists()


def test_second_factor_after_the_password_and_a_code_works_once() -> None:
    _user, token = accounts.create_account("vanna", "analyst")
    _client, secret, _codes = enrol(token)
    client = Client()
    assert client.login(username="vanna", password=PASSWORD)
    assert client.get("/en/staff/")["Location"].startswith("/admin-2fa/?next=")
    code = next_code(secret)
    assert client.post("/admin-2fa/", {"code": code, "next": "/en/staff/"})["Location"] == "/en/staff/"
    assert client.get("/en/staff/").status_code == 200
    other = Client()
    assert other.login(username="vanna", password=PASSWORD)
    assert other.post("/admin-2fa/", {"code": code, "next": "/en/staff/"}).status_code == 400  # used already


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_next_cannot_leave_the_site(target: str) -> None:
    _user, token = accounts.create_account("nita", "analyst")
    _client, secret, _codes = enrol(token)
    client = Client()
    assert client.login(username="nita", password=PASSWORD)
    ok = client.post("/admin-2fa/", {"code": next_code(secret), "next": target})
    assert ok["Location"] == "/admin/"


def test_backup_code_signs_in_once() -> None:
    _user, token = accounts.create_account("lina", "analyst")
    _client, _secret, codes = enrol(token)
    client = Client()
    assert client.login(username="lina", password=PASSWORD)
    assert client.post("/admin-2fa/", {"code": codes[0].lower(), "next": "/en/staff/"}).status_code == 302
    again = Client()
    assert again.login(username="lina", password=PASSWORD)
    assert again.post("/admin-2fa/", {"code": codes[0], "next": "/en/staff/"}).status_code == 400


def test_wrong_codes_lock_the_account_whoever_tries() -> None:
    user, token = accounts.create_account("rith", "analyst")
    _client, secret, _codes = enrol(token)
    client = Client()
    assert client.login(username="rith", password=PASSWORD)
    right = next_code(secret)
    wrong = "000000" if right != "000000" else "111111"
    answers = [client.post("/admin-2fa/", {"code": wrong}).status_code for _ in range(accounts.MAX_CODE_FAILURES)]
    assert answers == [400] * (accounts.MAX_CODE_FAILURES - 1) + [429]
    # Locked: the session is signed out, and the right password and code do not help for a while.
    assert client.post("/admin-2fa/", {"code": right})["Location"].startswith("/admin/login/")
    assert not Client().login(username="rith", password=PASSWORD)
    assert accounts.locked(user)
    assert "locked" in AccountEvent.objects.filter(account=user).values_list("action", flat=True)


def test_wrong_passwords_lock_the_account_and_a_locked_account_looks_like_a_wrong_password() -> None:
    user, token = accounts.create_account("chan", "analyst")
    enrol(token)
    for _ in range(accounts.MAX_PASSWORD_FAILURES):
        assert not Client().login(username="chan", password="not the password")
    assert accounts.locked(user)
    assert not Client().login(username="chan", password=PASSWORD)
    def errornote(password: str) -> str:
        page = Client().post("/admin/login/?next=/admin/", {"username": "chan", "password": password})
        return re.search(r'<p class="errornote">(.*?)</p>', page.content.decode(), re.S).group(1)  # type: ignore[union-attr]

    assert errornote(PASSWORD) == errornote("not the password")  # locked looks like a wrong password
    accounts.unlock(user, None)
    assert Client().login(username="chan", password=PASSWORD)


def test_a_supervisor_issues_links_resets_and_disables_accounts_audited() -> None:
    boss, client = supervisor_client()
    created = client.post("/en/staff/accounts/", {"username": "mony", "role": "analyst"})
    assert created.status_code == 200
    link = re.search(r"data-enrolment-link>https?://[^/]+(/admin-2fa/enrol/[^<]+/)<", created.content.decode())
    assert link is not None
    mony = User.objects.get(username="mony")
    assert mony.is_staff and not mony.is_superuser and mony.groups.filter(name="Analysts").exists()
    token = link.group(1).rsplit("/", 2)[1]
    enrol(token)
    reset = client.post(f"/en/staff/accounts/{mony.pk}/reset/")
    assert reset.status_code == 200 and not StaffSecondFactor.objects.filter(user=mony).exists()
    assert client.post(f"/en/staff/accounts/{mony.pk}/disable/").status_code == 200
    assert not Client().login(username="mony", password=PASSWORD)
    assert client.post(f"/en/staff/accounts/{boss.pk}/disable/").status_code == 403  # not oneself
    events = list(AccountEvent.objects.filter(account=mony).values_list("action", "actor"))
    assert ("factor_reset", boss.pk) in events and ("disabled", boss.pk) in events
    # An analyst cannot manage accounts.
    assert client.post(f"/en/staff/accounts/{mony.pk}/enable/").status_code == 200
    analyst = Client()
    analyst.force_login(User.objects.get(pk=mony.pk))
    session = analyst.session
    session[SESSION_KEY] = True
    session.save()
    assert analyst.get("/en/staff/accounts/").status_code == 403


def test_command_line_prints_a_link_for_the_first_supervisor() -> None:
    out = StringIO()
    call_command("enrolment_link", "first", "--create", "supervisor", "--site", "https://h.example", stdout=out)
    token = re.search(r"https://h\.example/admin-2fa/enrol/([^/]+)/", out.getvalue()).group(1)  # type: ignore[union-attr]
    enrol(token)
    assert User.objects.get(username="first").groups.filter(name="Supervisors").exists()


@override_settings(HOTLINE_DEMO_ALLOWED=True)
def test_demo_account_is_an_analyst_with_an_enrolment_link() -> None:
    created = ensure_demo_data()
    assert created is not None
    user = User.objects.get(username=created[0])
    assert not user.is_superuser and user.groups.filter(name="Analysts").exists()
    assert not user.has_usable_password()
    assert ensure_demo_data() is None  # once
    enrol(created[1])
    with override_settings(HOTLINE_DEMO_ALLOWED=False):
        assert not Client().login(username=created[0], password=PASSWORD)  # production refuses it
        with pytest.raises(ImproperlyConfigured):
            ensure_demo_data()
    assert Report.objects.filter(source="demo").exists()


@pytest.mark.django_db(transaction=True)
def test_moving_the_second_factor_to_the_staff_app_keeps_enrolled_secrets() -> None:
    """An install enrolled before the move (model in `reports`) keeps its factors after `migrate`."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("reports", "0002_staffsecondfactor")]
    executor = MigrationExecutor(connection)
    emit_pre_migrate_signal(0, False, connection.alias)  # as `migrate` does (the queue tally's triggers go)
    executor.migrate(before)
    old_apps = MigrationExecutor(connection).loader.project_state(before).apps
    user = old_apps.get_model("auth", "User").objects.create(username="enrolled", is_staff=True)
    old_apps.get_model("reports", "StaffSecondFactor").objects.create(
        user_id=user.pk, secret_encrypted=b"token", confirmed=True, last_step=42)
    assert "reports_staffsecondfactor" in connection.introspection.table_names()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    emit_post_migrate_signal(0, False, connection.alias)  # (and come back)
    moved = StaffSecondFactor.objects.get(user_id=user.pk)
    assert (bytes(moved.secret_encrypted), moved.confirmed, moved.last_step) == (b"token", True, 42)
    tables = connection.introspection.table_names()
    assert "staff_staffsecondfactor" in tables and "reports_staffsecondfactor" not in tables

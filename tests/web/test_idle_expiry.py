"""A staff session's expiry moves on with use, but the session is written at most once a minute."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.web.staff.idle_expiry import MOVED_KEY
from tests.web.test_cases import make_user, signed_in

pytestmark = pytest.mark.django_db


def _expiry(key: str) -> object:
    return Session.objects.get(session_key=key).expire_date


def _writes(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries
            if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_the_expiry_moves_on_once_a_minute_not_on_every_page() -> None:
    client = signed_in(make_user("sokha"))
    client.get("/en/staff/")  # the first page marks when the expiry moved
    key = client.session.session_key
    moved = _expiry(key)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/en/staff/").status_code == 200
    assert _writes(captured) == []  # a second page within the minute writes nothing
    assert _expiry(key) == moved

    session = client.session  # a minute and more later ...
    session[MOVED_KEY] = int(session[MOVED_KEY]) - 61
    session.save()
    before = _expiry(key)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/en/staff/").status_code == 200
    assert _writes(captured)  # ... the next page moves the expiry on
    assert _expiry(key) >= before


def test_nobody_signed_in_gets_no_session_row() -> None:
    from django.test import Client

    client = Client()
    assert client.get("/en/").status_code == 200
    assert not Session.objects.exists()

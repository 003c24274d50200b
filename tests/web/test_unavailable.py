"""A database that is gone for a moment answers 503 with what to do, never a 500."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.test import RequestFactory
from django.utils import translation

from hotline.web.public.unavailable import RETRY_AFTER, DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


def _answer(path: str, exception: Exception, lang: str = "en") -> object:
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    with translation.override(lang):
        return middleware.process_exception(RequestFactory().post(path), exception)


def test_installed_after_the_language_is_chosen() -> None:
    chain = settings.MIDDLEWARE
    assert chain.index("hotline.web.public.unavailable.DatabaseUnavailableMiddleware") > chain.index(
        "django.middleware.locale.LocaleMiddleware")


@pytest.mark.parametrize("exception", [OperationalError("the connection is closed"),
                                       InterfaceError("connection already closed"),
                                       OperationalError("database is locked")])
def test_a_page_gets_a_503_in_its_language(exception: Exception) -> None:
    response = _answer("/km/report/", exception, "km")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    page = response.content.decode()
    assert "អ្វីដែលអ្នកបានផ្ញើមិនត្រូវបានរក្សាទុកទេ" in page  # nothing was saved: send it again
    assert "connection" not in page  # the database's own words stay out of the page


def test_the_api_gets_its_json_shape() -> None:
    response = _answer("/api/v1/reports", OperationalError("terminating connection due to administrator command"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert "send it again" in json.loads(response.content)["errors"]["service"]


@pytest.mark.parametrize("exception", [ValueError("a bug"), ProgrammingError("syntax error"),
                                       OperationalError("no such table: reports_report")])
def test_other_errors_are_left_to_the_error_handling(exception: Exception) -> None:
    assert _answer("/en/report/", exception) is None

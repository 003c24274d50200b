"""The partner API against its own OpenAPI schema, with schemathesis, in-process (the Django WSGI app, no
network): requests that follow the schema and requests that break it. Whatever comes in, the answer is
never a 5xx, an error is JSON {"errors": {field: message}}, and a 2xx matches the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.generation import GenerationMode  # noqa: E402

pytestmark = pytest.mark.django_db

OPERATIONS = ["POST /reports", "GET /reports/{tracking_code}", "POST /analyze", "POST /hashes/match"]
#: Operations that need the API key (sent in some of the generated requests, not in others).
KEYED = {"POST /analyze", "POST /hashes/match"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_schema() -> Iterator[Any]:
    """The schema, served by the app itself. Like Django's test client, requests must not close the test's
    database connection (PostgreSQL), so the per-request connection clean-up is off meanwhile."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_key() -> str:
    from hotline.web.api.models import ApiKey

    return ApiKey.create("schemathesis")[1]


def _check(case: Any, response: Any) -> None:
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    assert response.headers["content-type"][0].startswith("application/json"), response.headers
    body = response.json()
    if response.status_code >= 400:
        errors = body["errors"]
        assert errors and all(isinstance(v, str) and v for v in errors.values()), body
    else:
        case.operation.validate_response(response)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("label", OPERATIONS)
@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_api_follows_its_schema_and_never_fails(api_schema: Any, api_key: str, label: str, mode: Any,
                                                data: Any) -> None:
    operation = api_schema.find_operation_by_label(label)
    case = data.draw(operation.as_strategy(generation_mode=mode))
    headers = {"Authorization": f"Bearer {api_key}"} if label in KEYED and data.draw(st.booleans()) else {}
    response = case.call(headers=headers)
    _check(case, response)

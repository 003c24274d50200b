"""The partner API v1: reports in, status out, analysis behind a key; every error JSON and 4xx."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from hotline.web.api.models import ApiKey, hash_key
from hotline.web.reports.models import Report

pytestmark = pytest.mark.django_db

GOOD: dict[str, Any] = {
    "category": "sextortion",
    "platform": "telegram",
    "urls": ["https://t.me/some_account"],
    "description": "Threatens to post photos unless paid.",
    "victim_age_band": "16_17",
    "offender": {"name": "some_account", "profile_url": "t.me/some_account", "claimed_age": 19,
                 "nationality": "unknown"},
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


def post_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **extra)


def test_create_report_and_read_its_status(client: Client) -> None:
    response = post_json(client, "/api/v1/reports", GOOD)
    assert response.status_code == 201, response.content
    body = response.json()
    code, pin = body["tracking_code"], body["pin"]
    report = Report.objects.get(tracking_code=code)
    assert report.source == "api" and report.offender_claimed_age == 19
    assert report.offender_profile_url == "https://t.me/some_account"
    assert pin not in report.pin_hash
    status = client.get(f"/api/v1/reports/{code}", HTTP_X_REPORT_PIN=pin)
    assert status.status_code == 200
    assert status.json()["status"] == "received"
    assert status.json()["history"][0]["status"] == "received"
    assert status.json()["links"] == 1


def test_wrong_pin_gets_the_same_answer_as_an_unknown_code(client: Client) -> None:
    body = post_json(client, "/api/v1/reports", GOOD).json()
    wrong = client.get(f"/api/v1/reports/{body['tracking_code']}", HTTP_X_REPORT_PIN="000000x")
    unknown = client.get("/api/v1/reports/ZZZZZZZZ", HTTP_X_REPORT_PIN=body["pin"])
    missing = client.get(f"/api/v1/reports/{body['tracking_code']}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.content == unknown.content == missing.content


BAD: list[tuple[str, Any, str]] = [
    ("malformed json", '{"category": "grooming",', "body"),
    ("not utf-8", b"\xff\xfe\x00{", "body"),
    ("a list", [1, 2], "body"),
    ("a string", '"hello"', "body"),
    ("missing category", {k: v for k, v in GOOD.items() if k != "category"}, "category"),
    ("unknown category", {**GOOD, "category": "spam"}, "category"),
    ("category wrong type", {**GOOD, "category": 3}, "category"),
    ("unknown platform", {**GOOD, "platform": "myspace"}, "platform"),
    ("unknown age band", {**GOOD, "victim_age_band": "12"}, "victim_age_band"),
    ("bad url", {**GOOD, "urls": ["not a url"]}, "urls[0]"),
    ("url wrong type", {**GOOD, "urls": [42]}, "urls[0]"),
    ("urls wrong type", {**GOOD, "urls": {"a": 1}}, "urls"),
    ("too many urls", {**GOOD, "urls": [f"https://e.com/{i}" for i in range(21)]}, "urls"),
    ("description wrong type", {**GOOD, "description": ["x"]}, "description"),
    ("description too long", {**GOOD, "description": "x" * 10_001}, "description"),
    ("offender wrong type", {**GOOD, "offender": "bob"}, "offender"),
    ("claimed age string", {**GOOD, "offender": {"claimed_age": "19"}}, "offender.claimed_age"),
    ("claimed age bool", {**GOOD, "offender": {"claimed_age": True}}, "offender.claimed_age"),
    ("claimed age negative", {**GOOD, "offender": {"claimed_age": -1}}, "offender.claimed_age"),
    ("offender bad url", {**GOOD, "offender": {"profile_url": "javascript:x"}}, "offender.profile_url"),
    ("unknown field", {**GOOD, "ip": "1.2.3.4"}, "ip"),
    ("nothing to go on", {"category": "other", "platform": "other"}, "urls"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_reports_are_400_with_json_errors(client: Client, case: str, body: Any, field: str) -> None:
    response = post_json(client, "/api/v1/reports", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert errors.get(field)
    assert Report.objects.count() == 0


def test_errors_follow_accept_language(client: Client) -> None:
    response = post_json(client, "/api/v1/reports", {**GOOD, "category": "spam"}, HTTP_ACCEPT_LANGUAGE="km")
    assert "ត្រូវតែជាមួយក្នុងចំណោម" in response.json()["errors"]["category"]


def test_huge_body_is_413_not_500(client: Client) -> None:
    response = post_json(client, "/api/v1/reports", {**GOOD, "description": "x" * 200_000})
    assert response.status_code == 413
    assert "errors" in response.json()


def test_wrong_method_and_unknown_path_are_json(client: Client) -> None:
    assert client.get("/api/v1/reports").status_code == 405
    assert client.get("/api/v1/reports").json()["errors"]
    assert client.get("/api/v1/nothing/here").status_code == 404
    assert client.get("/api/v1/nothing/here").json()["errors"]


def test_api_is_csrf_exempt() -> None:
    strict = Client(enforce_csrf_checks=True)
    assert post_json(strict, "/api/v1/reports", GOOD).status_code == 201


# --- analyze: behind an API key ------------------------------------------------------------------------

@pytest.fixture
def api_key() -> str:
    out = StringIO()
    call_command("create_api_key", "Test partner", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    stored = ApiKey.objects.get(name="Test partner")
    assert stored.key_hash == hash_key(key) and key not in stored.key_hash
    return key


def test_analyze_needs_a_key(client: Client) -> None:
    response = client.post("/api/v1/analyze", data=b"hello", content_type="text/plain")
    assert response.status_code == 401 and response.json()["errors"]["auth"]
    bad = client.post("/api/v1/analyze", data=b"hello", content_type="text/plain",
                      HTTP_AUTHORIZATION="Bearer hl_wrong")
    assert bad.status_code == 401


def test_create_api_key_refuses_a_duplicate_name(api_key: str) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", "Test partner", stdout=StringIO())


EXPORT = (
    b"01/03/2024, 20:01 - Dara: hi, you look mature for your age\n"
    b"01/03/2024, 20:02 - Sok: thanks\n"
)


@pytest.mark.parametrize("how", ["raw-bearer", "multipart-x-api-key"])
def test_analyze_returns_the_engines_json(client: Client, api_key: str, how: str) -> None:
    pytest.importorskip("hotline.detect.analysis")
    if how == "raw-bearer":
        response = client.post("/api/v1/analyze?filename=chat.txt", data=EXPORT, content_type="text/plain",
                               HTTP_AUTHORIZATION=f"Bearer {api_key}")
    else:
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post("/api/v1/analyze", {"file": SimpleUploadedFile("chat.txt", EXPORT)},
                               HTTP_X_API_KEY=api_key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message_count"] == 2 and body["risk"] in {"none", "low", "medium", "high", "critical"}


@pytest.mark.parametrize("payload", [b"\x00\x01\x02 not an export", b"{\"truncated\": [", b"PK\x03\x04broken"])
def test_analyze_bad_export_is_400_with_the_engines_message(client: Client, api_key: str,
                                                              payload: bytes) -> None:
    pytest.importorskip("hotline.detect.analysis")
    response = client.post("/api/v1/analyze", data=payload, content_type="application/octet-stream",
                           HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.status_code == 400
    assert response.json()["errors"]["file"]


def test_analyze_empty_and_oversize(client: Client, api_key: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    empty = client.post("/api/v1/analyze", data=b"", content_type="text/plain", HTTP_X_API_KEY=api_key)
    assert empty.status_code == 400
    with override_settings(HOTLINE_MAX_UPLOAD_BYTES=100):
        big = client.post("/api/v1/analyze", data=b"x" * 1000, content_type="text/plain", HTTP_X_API_KEY=api_key)
        assert big.status_code == 413 and big.json()["errors"]["file"]
        big = client.post("/api/v1/analyze", {"file": SimpleUploadedFile("c.txt", b"x" * 1000)},
                          HTTP_X_API_KEY=api_key)
        assert big.status_code == 413 and big.json()["errors"]["file"]
    no_file = client.post("/api/v1/analyze", {"other": "x"}, HTTP_X_API_KEY=api_key)
    assert no_file.status_code == 400


# --- the schema ------------------------------------------------------------------------------------

def test_openapi_schema_lists_every_path(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.1")
    assert set(schema["paths"]) == {"/reports", "/reports/{tracking_code}", "/analyze", "/hashes/match",
                                    "/openapi.json"}
    new_report = schema["components"]["schemas"]["NewReport"]
    assert "moew_chat" in new_report["properties"]["platform"]["enum"]
    assert "child_solicitation" in new_report["properties"]["category"]["enum"]
    assert set(new_report["properties"]["victim_age_band"]["enum"]) == {
        "under_13", "13_15", "16_17", "adult", "unknown"}
    # Every $ref points at a defined schema.
    refs = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].rsplit("/", 1)[-1])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    assert refs <= set(schema["components"]["schemas"])


# --- no input gives a 500 ------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_field_values = st.one_of(_json, st.sampled_from(["grooming", "csam", "whatsapp", "13_15", "t.me/x", "\x00"]))
_reports = st.fixed_dictionaries({}, optional={
    "category": _field_values, "platform": _field_values, "urls": _field_values, "description": _field_values,
    "victim_age_band": _field_values, "offender": st.dictionaries(
        st.sampled_from(["name", "profile_url", "claimed_age", "nationality", "x"]), _field_values, max_size=4),
})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(_reports, _json))
def test_any_json_gets_201_or_a_json_4xx(client: Client, body: Any) -> None:
    response = post_json(client, "/api/v1/reports", body)
    assert response.status_code in (201, 400, 413), response.content
    assert response["Content-Type"] == "application/json"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(max_size=40).filter(lambda s: "/" not in s and "?" not in s and "#" not in s),
       pin=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2000), max_size=20))
def test_any_status_lookup_is_404_not_500(client: Client, code: str, pin: str) -> None:
    from urllib.parse import quote

    response = client.get(f"/api/v1/reports/{quote(code)}", HTTP_X_REPORT_PIN=pin)
    assert response.status_code in (404, 400)


@pytest.mark.parametrize(("sent", "stored", "warned"), [
    ("KH", "KH", False), ("unknown", "unknown", False), ("Cambodian", "KH", True),
    ("my uncle, teacher at Kampot High School", "other", True),
])
def test_nationality_is_a_code_and_free_text_is_mapped_with_a_warning(client: Client, sent: str, stored: str,
                                                                      warned: bool) -> None:
    response = post_json(client, "/api/v1/reports", {**GOOD, "offender": {"nationality": sent}})
    assert response.status_code == 201
    body = response.json()
    assert ("warnings" in body) is warned
    if warned:
        assert f'"{stored}"' in body["warnings"]["offender.nationality"]
    report = Report.objects.get(tracking_code=body["tracking_code"])
    assert report.offender_nationality == stored
    assert "no-store" in response["Cache-Control"]

"""Rate limits shared by every worker (the database cache here), keyed by the client address HMAC'd
with a daily salt (the address is stored nowhere), X-Forwarded-For believed only from listed proxies,
configurable with HOTLINE_RATE_LIMITS; and no tracking code in any log line."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from hotline.web import keys, logfilters, ratelimits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.mark.parametrize(("text", "expected"), [
    ("report=10/3600,lookup=20/600", {"report": (10, 3600), "lookup": (20, 600)}),
    (" report = 3/60 ", {"report": (3, 60)}),
    ("", {}),
    ("off", None),
    ("OFF", None),
])
def test_parse_limits(text: str, expected: Any) -> None:
    assert ratelimits.parse_limits(text) == expected


@pytest.mark.parametrize("bad", ["report=10", "report=x/60", "=3/60", "report=3/0"])
def test_bad_limits_are_refused_with_the_part(bad: str) -> None:
    with pytest.raises(ValueError, match="HOTLINE_RATE_LIMITS"):
        ratelimits.parse_limits(bad)


def _request(remote: str, forwarded: str = "") -> Any:
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "client"), [
    ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),                       # no proxy listed: header ignored
    (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),           # not from the proxy: ignored
    (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1", "198.51.100.1"),
    (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.7", "198.51.100.1"),  # spoofed first hop
    (["10.0.0.2", "::1"], "::1", "2001:db8::5", "2001:db8::5"),
])
def test_client_address_behind_listed_proxies_only(proxies: list[str], remote: str, forwarded: str,
                                                   client: str) -> None:
    with override_settings(HOTLINE_TRUSTED_PROXIES=proxies):
        assert ratelimits.client_address(_request(remote, forwarded)) == client


def test_reporters_behind_one_proxy_do_not_share_a_limit() -> None:
    with override_settings(HOTLINE_TRUSTED_PROXIES=["10.0.0.1"], HOTLINE_RATE_LIMITS="report=2/600"):
        for _ in range(2):
            assert ratelimits.hit(_request("10.0.0.1", "198.51.100.1"), "report")
        assert not ratelimits.hit(_request("10.0.0.1", "198.51.100.1"), "report")
        assert ratelimits.hit(_request("10.0.0.1", "198.51.100.2"), "report")


def test_counters_are_shared_and_keep_no_address() -> None:
    """Two cache connections (as two workers have) count into one row of the database cache table,
    whose key holds the address only as an HMAC with today's salt."""
    with override_settings(HOTLINE_RATE_LIMITS="lookup=3/600"):
        worker_a, worker_b = caches.create_connection("default"), caches.create_connection("default")
        request = _request("198.51.100.77")
        for worker in (worker_a, worker_b, worker_a):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(ratelimits, "cache", worker)
                assert ratelimits.hit(request, "lookup")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ratelimits, "cache", worker_b)
            assert not ratelimits.hit(request, "lookup")
    table = caches["default"]._table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(table)}")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all("198.51.100.77" not in key for key in stored)


def test_the_salt_changes_daily_so_keys_do_not_link_across_days(monkeypatch: pytest.MonkeyPatch) -> None:
    request = _request("198.51.100.5")
    monkeypatch.setattr(keys, "daily_salt", lambda day=None: keys.ring().salt_seed + b"day1")
    first = ratelimits.client_key(request, "report")
    monkeypatch.setattr(keys, "daily_salt", lambda day=None: keys.ring().salt_seed + b"day2")
    assert ratelimits.client_key(request, "report") != first
    assert keys.daily_salt != dt.date  # the real function takes a day (see test_keys)


def test_off_lifts_every_limit() -> None:
    with override_settings(HOTLINE_RATE_LIMITS="off"):
        assert all(ratelimits.hit(_request("198.51.100.9"), "report") for _ in range(50))


def test_the_web_form_answers_429_past_the_limit(client: Client) -> None:
    with override_settings(HOTLINE_RATE_LIMITS="report=1/3600"):
        data = {"category": "other", "platform": "other", "description": "x", "reporter_type": "self",
                "victim_age_band": "unknown"}
        assert client.post("/en/report/", data).status_code == 302
        assert client.post("/en/report/", data).status_code == 429


# --- no tracking code in a log line -------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "clean"), [
    ("Not Found: /api/v1/reports/ABCD2345", "Not Found: /api/v1/reports/[code]"),
    ("Not Found: /api/v1/reports/abcd2345?x=1", "Not Found: /api/v1/reports/[code]?x=1"),
    ("lookup of ABCD2345 failed", "lookup of [code] failed"),
    ("evidence 12: analysis failed (AttributeError)", "evidence 12: analysis failed (AttributeError)"),
])
def test_redact(line: str, clean: str) -> None:
    assert logfilters.redact(line) == clean


def test_a_wrong_code_is_not_logged(client: Client) -> None:
    """Through the site's own logging configuration: Django logs the 404, the handler redacts it."""
    handler = next(h for h in logging.getLogger("django").handlers if h.name == "console"
                   or isinstance(h, logging.StreamHandler))
    out = io.StringIO()
    old = handler.setStream(out)  # type: ignore[attr-defined]
    try:
        response = client.get("/api/v1/reports/QWER2345", HTTP_X_REPORT_PIN="123456")
    finally:
        handler.setStream(old)  # type: ignore[attr-defined]
    assert response.status_code in (404, 429)
    assert "QWER2345" not in out.getvalue()
    if response.status_code == 404:
        assert "/api/v1/reports/[code]" in out.getvalue()


def test_the_checkers_and_the_stash_have_limits(client: Client) -> None:
    with override_settings(HOTLINE_RATE_LIMITS="check=2/600,stash=1/600"):
        for _ in range(2):
            assert client.post("/en/check/post/", {"text": "hello"}).status_code == 200
        assert client.post("/en/check/post/", {"text": "hello"}).status_code == 429
        assert client.post("/en/check/chat/", {"text": "A: hi\nB: hello"}).status_code == 429  # one bucket
        client.post("/en/check/chat/", {"action": "report", "payload": "x"})
        assert client.post("/en/check/chat/", {"action": "report", "payload": "x"}).status_code == 429

"""POST /api/v1/hashes/match: a partner's PDQ and MD5 hashes against the hash lists, behind a key,
audited without the partner's hashes; through Django's test client on the real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from hotline.detect.media import PdqHash, hash_image
from hotline.web.api.hashmatch import MAX_HASHES
from hotline.web.api.models import ApiKey
from hotline.web.cases.models import AuditEvent
from hotline.web.hashlists import services
from hotline.web.hashlists.models import HashList
from tests.media.pictures import encode, picture

pytestmark = pytest.mark.django_db

PHOTO = encode(picture(31, (640, 480)), "JPEG", quality=90)
OTHER = encode(picture(7, (640, 480)), "JPEG", quality=90)
URL = "/api/v1/hashes/match"


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    cache.clear()
    services.INDEX.reset()
    yield
    cache.clear()
    services.INDEX.reset()


@pytest.fixture
def key() -> str:
    return ApiKey.create("partner-platform")[1]


@pytest.fixture
def bank() -> dict[str, Any]:
    """A bank holding one evidence image (PDQ and MD5 known) and a partner's low-quality entry."""
    entry = services.add_evidence_image("hotline-assessed", PHOTO, label="sextortion", reference="7KQ2MZ4H")
    low = services.add_hash("hotline-assessed", _flip(hash_image(OTHER).pdq or "", 3), quality=20,
                            label="too plain")
    return {"entry": entry, "low": low, "hashes": hash_image(PHOTO)}


def _flip(pdq: str, bits: int) -> str:
    return f"{int(pdq, 16) ^ ((1 << bits) - 1):064x}"


def _post(client: Client, body: Any, key: str | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_pdq_within_threshold_and_md5_exact_match(client: Client, key: str, bank: dict[str, Any]) -> None:
    near = _flip(bank["hashes"].pdq, 10)
    far = _flip(bank["hashes"].pdq, PdqHash.MATCH_THRESHOLD + 1)
    response = _post(client, {"hashes": [
        {"type": "pdq", "hash": near.upper()},
        {"type": "pdq", "hash": far},
        {"type": "md5", "hash": bank["hashes"].md5},
        {"type": "md5", "hash": "0" * 32},
    ]}, key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hashes"] == 4 and body["matched"] == 2
    first, second, exact, none = body["results"]
    assert first["hash"] == near and first["usable"] is True
    assert [(m["entry"], m["distance"], m["threshold"], m["list"]) for m in first["matches"]] == [
        (bank["entry"].pk, 10, PdqHash.MATCH_THRESHOLD, "hotline-assessed")]
    assert second["matches"] == [] and none["matches"] == []
    assert [(m["entry"], m["distance"]) for m in exact["matches"]] == [(bank["entry"].pk, 0)]
    assert "7KQ2MZ4H" not in response.content.decode()  # our reference names a report: never shown


def test_a_list_threshold_decides(client: Client, key: str, bank: dict[str, Any]) -> None:
    HashList.objects.filter(name="hotline-assessed").update(threshold=8)
    at_nine = _flip(bank["hashes"].pdq, 9)
    assert _post(client, {"hashes": [{"type": "pdq", "hash": at_nine}]}, key).json()["matched"] == 0
    HashList.objects.filter(name="hotline-assessed").update(threshold=9)
    assert _post(client, {"hashes": [{"type": "pdq", "hash": at_nine}]}, key).json()["matched"] == 1


def test_quality_rules(client: Client, key: str, bank: dict[str, Any]) -> None:
    """A low-quality entry never matches; a query that says its own quality is too low is not matched."""
    other = hash_image(OTHER).pdq or ""
    body = _post(client, {"hashes": [{"type": "pdq", "hash": other},
                                     {"type": "pdq", "hash": bank["hashes"].pdq, "quality": 10}]}, key).json()
    assert body["results"][0]["matches"] == []
    assert body["results"][1] == {"type": "pdq", "hash": bank["hashes"].pdq, "usable": False, "matches": []}
    assert body["matched"] == 0


def test_each_query_is_audited_without_the_hashes(client: Client, key: str, bank: dict[str, Any]) -> None:
    miss = "ab" * 32
    _post(client, {"hashes": [{"type": "pdq", "hash": bank["hashes"].pdq}, {"type": "pdq", "hash": miss}]}, key)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PARTNER_HASH_QUERY)
    assert event.user is None
    assert event.detail == f"key partner-platform: 2 hashes, 1 matched (entries {bank['entry'].pk})"
    assert miss not in event.detail and bank["hashes"].pdq not in event.detail


def test_a_key_is_required(client: Client, bank: dict[str, Any]) -> None:
    body = {"hashes": [{"type": "md5", "hash": bank["hashes"].md5}]}
    for key in (None, "hl_not-a-key"):
        response = _post(client, body, key)
        assert response.status_code == 401 and "auth" in response.json()["errors"]
    inactive = ApiKey.create("old-partner")
    ApiKey.objects.filter(pk=inactive[0].pk).update(active=False)
    assert _post(client, body, inactive[1]).status_code == 401
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PARTNER_HASH_QUERY).exists()


@pytest.mark.parametrize(("body", "field"), [
    ("not json", "body"),
    ([], "body"),
    ({}, "hashes"),
    ({"hashes": []}, "hashes"),
    ({"hashes": [{"type": "md5", "hash": "0" * 32}] * (MAX_HASHES + 1)}, "hashes"),
    ({"hashes": [{"type": "sha1", "hash": "0" * 40}]}, "hashes[0].type"),
    ({"hashes": [{"type": "pdq", "hash": "0" * 32}]}, "hashes[0].hash"),
    ({"hashes": [{"type": "md5", "hash": "z" * 32}]}, "hashes[0].hash"),
    ({"hashes": [{"type": "md5", "hash": 12}]}, "hashes[0].hash"),
    ({"hashes": [{"type": "pdq", "hash": "0" * 64, "quality": 101}]}, "hashes[0].quality"),
    ({"hashes": [{"type": "md5", "hash": "0" * 32, "quality": 90}]}, "hashes[0].quality"),
    ({"hashes": ["0" * 32]}, "hashes[0]"),
    ({"hashes": [{"type": "md5", "hash": "0" * 32, "extra": 1}]}, "hashes[0].extra"),
    ({"hashes": [{"type": "md5", "hash": "0" * 32}], "more": 1}, "more"),
])
def test_bad_queries_are_400_by_field(client: Client, key: str, body: Any, field: str) -> None:
    response = _post(client, body, key)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()


def test_a_large_body_is_413(client: Client, key: str) -> None:
    response = _post(client, {"hashes": [{"type": "md5", "hash": "0" * 32, "pad": "x" * 40_000}]}, key)
    assert response.status_code == 413


@override_settings(HOTLINE_RATE_LIMITS={"api_hash_match": (2, 3600)})
def test_rate_limited(client: Client, key: str) -> None:
    body = {"hashes": [{"type": "md5", "hash": "0" * 32}]}
    assert [_post(client, body, key).status_code for _ in range(3)] == [200, 200, 429]


def test_in_the_schema(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/hashes/match"]["post"]
    assert operation["security"] and "401" in operation["responses"]
    assert schema["components"]["schemas"]["HashQuery"]["properties"]["hashes"]["maxItems"] == MAX_HASHES


def test_errors_in_khmer(client: Client, key: str) -> None:
    response = client.post(URL, data=json.dumps({"hashes": []}), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == 400
    message = response.json()["errors"]["hashes"]
    assert any("\u1780" <= ch <= "\u17ff" for ch in message), message

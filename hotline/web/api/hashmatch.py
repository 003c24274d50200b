"""A partner's hash query (`POST /api/v1/hashes/match`): read it, match it against the hash lists, answer.

The body is `{"hashes": [{"type": "pdq" | "md5", "hash": "<hex>", "quality": 0-100}]}` (at most
`MAX_HASHES`). PDQ is matched by the hash lists' index (`hashlists.services.match_pdqs`) within each
list's threshold, never against entries below `PdqHash.MIN_QUALITY`; a PDQ query whose own stated quality
is below that minimum is answered without matching (`"usable": false`), as ThreatExchange's tools do.
MD5 is exact, against the entries whose MD5 is known. Problems are collected by path ("hashes[2].hash"),
as in `payloads`.

What is kept: the audit log gets the key's name, how many hashes, how many matched and which of our
entries; the partner's hashes are neither stored nor logged (a hash that matches nothing says something
about the partner's content and nothing we need).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from hotline.detect.errors import InputError
from hotline.detect.media.hashes import Md5Hash, PdqHash
from hotline.web.hashlists.services import Match, match_md5s, match_pdqs

#: Hashes in one query; more is a 400 (split the batch).
MAX_HASHES = 100
TYPES = ("pdq", "md5")
_FIELDS = {"type", "hash", "quality"}


@dataclass(frozen=True)
class HashQuery:
    type: str
    hash: str
    quality: int | None = None

    @property
    def usable(self) -> bool:
        return self.type != "pdq" or self.quality is None or PdqHash.usable(self.quality)


def parse_query(payload: Any) -> tuple[list[HashQuery], dict[str, str]]:
    """The hashes asked about, or the errors by field path."""
    if not isinstance(payload, dict):
        return [], {"body": _("The body must be a JSON object.")}
    errors: dict[str, str] = {}
    for name in sorted(set(payload) - {"hashes"}):
        errors[str(name)[:100]] = _("Unknown field.")
    items = payload.get("hashes")
    if not isinstance(items, list) or not items:
        errors["hashes"] = _("Required: a list of 1 to %(n)d hashes.") % {"n": MAX_HASHES}
        return [], errors
    if len(items) > MAX_HASHES:
        errors["hashes"] = _("Too many hashes: at most %(n)d in one request.") % {"n": MAX_HASHES}
        return [], errors
    queries = []
    for position, item in enumerate(items):
        query = _item(item, f"hashes[{position}]", errors)
        if query is not None:
            queries.append(query)
    return queries, errors


def _item(item: Any, path: str, errors: dict[str, str]) -> HashQuery | None:
    if not isinstance(item, dict):
        errors[path] = _("Must be an object with a type and a hash.")
        return None
    for name in sorted(set(item) - _FIELDS):
        errors[f"{path}.{str(name)[:100]}"] = _("Unknown field.")
    kind, value, quality = item.get("type"), item.get("hash"), item.get("quality")
    if kind not in TYPES:
        errors[f"{path}.type"] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(TYPES)}
        return None
    if not isinstance(value, str):
        errors[f"{path}.hash"] = _("Must be a string.")
        return None
    try:
        value = PdqHash.validate(value) if kind == "pdq" else Md5Hash.validate(value)
    except InputError:
        errors[f"{path}.hash"] = (_("A PDQ hash is 64 hexadecimal digits.") if kind == "pdq"
                                  else _("An MD5 hash is 32 hexadecimal digits."))
        return None
    if quality is not None and (kind != "pdq" or isinstance(quality, bool) or not isinstance(quality, int)
                                or not 0 <= quality <= 100):
        errors[f"{path}.quality"] = _("Only for PDQ: a whole number from 0 to 100.")
        return None
    return HashQuery(kind, value, quality)


def answer(queries: list[HashQuery]) -> list[dict[str, Any]]:
    """One result per query, in its order: its matches, nearest first."""
    pdqs = [q.hash for q in queries if q.type == "pdq" and q.usable]
    md5s = [q.hash for q in queries if q.type == "md5"]
    found = {"pdq": iter(match_pdqs(pdqs)), "md5": iter(match_md5s(md5s))}
    results = []
    for q in queries:
        matches: list[Match] = next(found[q.type]) if q.usable else []
        results.append({"type": q.type, "hash": q.hash, "usable": q.usable,
                        "matches": [_match(m) for m in matches]})
    return results


def _match(m: Match) -> dict[str, Any]:
    """What a partner sees of a match: never our `reference` (it names a report)."""
    return {"list": m.list_name, "kind": m.list_kind, "entry": m.entry_id, "distance": m.distance,
            "threshold": m.threshold, "label": m.label, "source": m.source}

"""Hash-list logic for the web side: match evidence images, add hashes, the self-protection list.

The reports app calls `hash_and_match(data)` on every evidence image. Matching uses one PDQ index over
every list's entries (FAISS, see `hotline.detect.media.index`), kept in memory per process and
persisted beside the database (`DATA_DIR/hashlists/web.index.*`). Each process checks a cheap signature
(entry count and largest id) before a query and reloads or rebuilds when another process changed the
lists; its own changes are applied to the index incrementally.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from hotline.detect.errors import InputError
from hotline.detect.media.hashes import Md5Hash, PdqHash, hash_image
from hotline.detect.media.index import DefaultPdqIndex, PdqIndex
from hotline.web.trackingcodes import (
    check_pin,
    hash_pin,
    new_pin,
    new_tracking_code,
    normalize_code,
    normalize_pin,
)

from .models import HashEntry, HashList

DO_NOT_SHARE = "do-not-share"
#: Wrong PINs before a self-protection entry can only be withdrawn by asking the hotline.
MAX_PIN_ATTEMPTS = 10


@dataclass(frozen=True)
class Match:
    """An evidence image's PDQ hash within a list's threshold of a stored entry."""

    list_name: str
    list_kind: str
    entry_id: int
    distance: int
    threshold: int
    label: str
    source: str
    reference: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name, "kind": self.list_kind, "entry": self.entry_id, "distance": self.distance,
            "threshold": self.threshold, "label": self.label, "source": self.source, "reference": self.reference,
        }


class WithdrawRefused(InputError):
    """The case number and PIN do not open a self-protection entry. `reason`: unknown, wrong_pin, locked."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# ---------------------------------------------------------------- the index


class _IndexCache:
    """One process's index over all entries, with the signature of the rows it was built from."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.signature: tuple[int, int, str] | None = None
        self.index: PdqIndex | None = None

    @staticmethod
    def stem() -> Path:
        return Path(settings.DATA_DIR) / "hashlists" / "web.index"

    @staticmethod
    def current_signature() -> tuple[int, int, str]:
        """(entries, largest id, latest time added): changes whenever a row is added or removed."""
        agg = HashEntry.objects.aggregate(n=Count("id"), top=Max("id"), latest=Max("added"))
        latest = agg["latest"].isoformat() if agg["latest"] else "-"
        return int(agg["n"] or 0), int(agg["top"] or 0), latest

    def _save(self) -> None:
        assert self.index is not None and self.signature is not None
        stem = self.stem()
        self.index.save(stem)
        stem.with_name(stem.name + ".signature").write_text(" ".join(str(x) for x in self.signature))

    def _load_or_build(self, signature: tuple[int, int, str]) -> PdqIndex:
        stem = self.stem()
        try:
            saved = stem.with_name(stem.name + ".signature").read_text()
            if saved == " ".join(str(x) for x in signature):
                return DefaultPdqIndex.load(stem)
        except Exception:  # a missing or damaged file is rebuilt from the database, not trusted
            pass
        rows = HashEntry.objects.values_list("id", "pdq").order_by("id").iterator(chunk_size=10_000)
        ids, hashes = [], []
        for entry_id, pdq in rows:
            ids.append(entry_id)
            hashes.append(pdq)
        index = DefaultPdqIndex.build(hashes, ids)
        self.index, self.signature = index, signature
        self._save()
        return index

    def get(self) -> PdqIndex:
        signature = self.current_signature()
        with self.lock:
            if self.index is None or self.signature != signature:
                self.index = self._load_or_build(signature)
                self.signature = signature
            return self.index

    def added(self, entry: HashEntry) -> None:
        """Apply our own insert incrementally (when the index was current just before it)."""
        with self.lock:
            if self.index is None or self.signature is None:
                return
            count, top, _ = self.signature
            now = self.current_signature()
            if entry.pk <= top or now[:2] != (count + 1, entry.pk):
                self.index = None  # someone else changed the lists too: rebuild on next use
                return
            self.index.add([entry.pdq], [entry.pk])
            self.signature = now
            self._save()

    def removed(self, entry_id: int) -> None:
        with self.lock:
            if self.index is None or self.signature is None:
                return
            signature = self.current_signature()
            if self.index.remove([entry_id]) and signature[0] == self.signature[0] - 1:
                self.signature = signature
                self._save()
            else:
                self.index = None

    def reset(self) -> None:
        with self.lock:
            self.index, self.signature = None, None


INDEX = _IndexCache()


# ---------------------------------------------------------------- matching


def match_pdq(pdq: str) -> list[Match]:
    """Every entry of every list within that list's threshold of `pdq`, nearest first."""
    return match_pdqs([pdq])[0]


def match_pdqs(hashes: list[str]) -> list[list[Match]]:
    """`match_pdq` for many hashes at once: one index scan and one read of the entries for all of them.
    Entries whose known quality is below `PdqHash.MIN_QUALITY` never match."""
    queries = [PdqHash.validate(pdq) for pdq in hashes]
    lists = {hl.pk: hl for hl in HashList.objects.all()}
    if not lists or not queries:
        return [[] for _ in queries]
    widest = max(hl.threshold for hl in lists.values())
    found = INDEX.get().query_many(queries, widest)
    entries = HashEntry.objects.in_bulk({hit.id for hits in found for hit in hits})
    results = []
    for hits in found:
        matches = []
        for hit in hits:
            entry = entries.get(hit.id)
            if entry is None:
                continue
            hash_list = lists[entry.hash_list_id]
            if hit.distance > hash_list.threshold:
                continue
            if entry.quality is not None and not PdqHash.usable(entry.quality):
                continue
            matches.append(_match(hash_list, entry, hit.distance))
        results.append(matches)
    return results


def match_md5s(hashes: list[str]) -> list[list[Match]]:
    """Entries whose MD5 (known for images the hotline hashed itself) equals each hash: exact, distance 0."""
    queries = [Md5Hash.validate(md5) for md5 in hashes]
    by_md5: dict[str, list[Match]] = {}
    for entry in HashEntry.objects.filter(md5__in=set(queries)).select_related("hash_list").order_by("id"):
        by_md5.setdefault(entry.md5, []).append(_match(entry.hash_list, entry, 0))
    return [list(by_md5.get(md5, [])) for md5 in queries]


def _match(hash_list: HashList, entry: HashEntry, distance: int) -> Match:
    return Match(hash_list.name, hash_list.kind, entry.pk, distance, hash_list.threshold, entry.label,
                 entry.source, entry.reference)


def hash_and_match(data: bytes) -> list[Match]:
    """Hash one image (bounded decoding; ImageRejected if it is not a usable image) and match it.
    A picture too plain for PDQ (quality < 50) matches nothing."""
    hashes = hash_image(data)
    if hashes.pdq is None:
        return []
    return match_pdq(hashes.pdq)


# ---------------------------------------------------------------- adding


def get_list(name: str, *, kind: str = HashList.Kind.BANK, source: str = "") -> HashList:
    hash_list, _ = HashList.objects.get_or_create(name=name, defaults={"kind": kind, "source": source})
    return hash_list


def add_hash(list_name: str, pdq: str, *, label: str = "", source: str = "", reference: str = "",
             quality: int | None = None, md5: str = "") -> HashEntry:
    """Add one hash to a bank (created if new); an identical hash already in the list is returned as is.
    `md5` is the file's MD5 when known (an image the hotline hashed), so exact queries find it too."""
    hash_list = get_list(list_name)
    value = PdqHash.validate(pdq)
    existing = hash_list.entries.filter(pdq=value).first()
    if existing is not None:
        return existing
    entry = HashEntry.objects.create(hash_list=hash_list, pdq=value, quality=quality, label=label[:200],
                                     source=source[:200], reference=reference[:64],
                                     md5=Md5Hash.validate(md5) if md5 else "")
    transaction.on_commit(lambda: INDEX.added(entry))
    return entry


def add_evidence_image(list_name: str, data: bytes, *, label: str, reference: str = "") -> HashEntry:
    """Add an assessed evidence image's hash to a bank, so later copies of it match."""
    hashes = hash_image(data)
    if hashes.pdq is None:
        raise InputError(f"the picture's quality is {hashes.quality}, below {PdqHash.MIN_QUALITY}: it would never match")
    return add_hash(list_name, hashes.pdq, label=label, reference=reference, quality=hashes.quality,
                    source="hotline", md5=hashes.md5)


# ---------------------------------------------------------------- self-protection


@dataclass(frozen=True)
class Protection:
    """What the young person takes away: shown once, never stored in the clear (the PIN is hashed)."""

    case_number: str
    pin: str


def protect(pdq: str, quality: int) -> Protection:
    """Put a hash computed in the browser on the do-not-share list, with a new case number and PIN."""
    value = PdqHash.validate(pdq)
    if not PdqHash.usable(quality):
        raise InputError("this photo is too plain to be recognised by its hash; it cannot be protected this way")
    hash_list = get_list(DO_NOT_SHARE, kind=HashList.Kind.DO_NOT_SHARE, source="self-protection")
    pin = new_pin()
    for _attempt in range(5):
        case_number = new_tracking_code()
        try:
            with transaction.atomic():
                entry = HashEntry.objects.create(
                    hash_list=hash_list, pdq=value, quality=quality, label="self-protection",
                    source="self-protection", case_number=case_number, pin_hash=hash_pin(pin, case_number),
                )
            break
        except IntegrityError:  # a case number already taken: draw another
            continue
    else:  # pragma: no cover - 31^8 codes
        raise RuntimeError("could not draw a free case number")
    transaction.on_commit(lambda: INDEX.added(entry))
    return Protection(case_number, pin)


def withdraw(case_number: str, pin: str) -> None:
    """Remove a self-protection hash, given its case number and PIN. WithdrawRefused otherwise."""
    code, secret = normalize_code(case_number), normalize_pin(pin)
    refused: WithdrawRefused | None = None
    with transaction.atomic():
        entry = (HashEntry.objects.select_for_update()
                 .filter(case_number=code, hash_list__kind=HashList.Kind.DO_NOT_SHARE).first())
        if entry is None:
            check_pin(secret, None, code)  # the same work as a wrong PIN
            refused = WithdrawRefused("no protected photo has this case number", reason="unknown")
        elif entry.failed_attempts >= MAX_PIN_ATTEMPTS:
            refused = WithdrawRefused("too many wrong PINs: contact the hotline", reason="locked")
        elif not secret or not check_pin(secret, entry.pin_hash, code):
            entry.failed_attempts += 1
            entry.save(update_fields=["failed_attempts"])  # committed: the refusal is raised after the block
            refused = WithdrawRefused("the PIN does not match this case number", reason="wrong_pin")
        else:
            entry_id = entry.pk
            entry.delete()
    if refused is not None:
        raise refused
    INDEX.removed(entry_id)

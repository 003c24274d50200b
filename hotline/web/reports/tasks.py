"""Background work on evidence: analyse chat exports with the engine, hash images against the hash lists.

Runs through Django's tasks interface (the database backend and `db_worker` by default). A failure marks
the evidence "could not be analysed" with a reason and never touches the report itself. Nothing here logs
the content of a file: only its id and the kind of failure.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django_tasks import task

from hotline.detect.analysis import analyze
from hotline.detect.chats import parse
from hotline.detect.errors import InputError
from hotline.detect.media.hashes import hash_image
from hotline.web import encryption
from hotline.web.hashlists.services import match_pdq
from hotline.web.uploads import WEB_ZIP_LIMITS

from .models import RISK_RANK, Evidence
from .priority import recompute_priority
from .screenshots import read_chat
from .signals import evidence_analysed
from .storage import evidence_filename, read_evidence

log = logging.getLogger(__name__)

#: Images inside a chat export zip that are hashed against the hash lists (bounds against zip bombs).
MAX_ZIP_MEMBERS_SCANNED = 5000
MAX_ZIP_IMAGE_BYTES = 20 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic")


def _hash_and_match(data: bytes) -> tuple[tuple[str, int] | None, list[Any]]:
    """((PDQ, quality) or None when too plain to match, hash-list matches) for one image, hashed once."""
    hashes = hash_image(data)
    if hashes.pdq is None:
        return None, []
    return (hashes.pdq, hashes.quality), list(match_pdq(hashes.pdq))


def _after_analysis(evidence: Evidence, image_hashes: list[tuple[str, int]], matches: list[Any]) -> None:
    """Tell the apps above (case work keeps the image hashes and links reports with the same image).
    A failing receiver is logged (ids only) and never undoes the analysis."""
    try:
        with transaction.atomic():
            evidence_analysed.send(sender=Evidence, evidence=evidence, image_hashes=image_hashes,
                                   hash_matches=matches)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the whole analysis is written again, not just the linking
    except Exception as exc:
        log.warning("evidence %s: linking failed (%s)", evidence.pk, type(exc).__name__)


def _zip_images(data: bytes) -> Iterator[bytes]:
    """Images inside a chat export zip, one at a time, within per-image and total bounds."""
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for count, info in enumerate(zf.infolist()):
                if count >= MAX_ZIP_MEMBERS_SCANNED or total > MAX_ZIP_TOTAL_BYTES:
                    return
                if not info.filename.lower().endswith(_IMAGE_SUFFIXES) or not 0 < info.file_size <= MAX_ZIP_IMAGE_BYTES:
                    continue
                with zf.open(info) as fh:
                    chunk = fh.read(MAX_ZIP_IMAGE_BYTES + 1)  # bounded even if the header lies
                total += len(chunk)
                if len(chunk) <= MAX_ZIP_IMAGE_BYTES:
                    yield chunk
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return


def analyse(evidence: Evidence) -> None:
    """Analyse one piece of evidence and store the result (encrypted) on it."""

    result: dict[str, Any] = {}
    status, error, risk = Evidence.Analysis.DONE, "", ""
    matches: list[Any] = []
    image_hashes: list[tuple[str, int]] = []
    try:
        data = read_evidence(evidence)
    except (OSError, encryption.InvalidToken) as exc:
        log.warning("evidence %s: stored file unreadable (%s)", evidence.pk, type(exc).__name__)
        data, status, error = b"", Evidence.Analysis.FAILED, "file_unreadable"
    if data and evidence.kind == Evidence.Kind.CHAT:
        try:
            analysis = analyze(parse(data, evidence_filename(evidence), limits=WEB_ZIP_LIMITS, unnamed_text=True))
            result["analysis"] = analysis.to_dict()
            risk = str(analysis.risk)
        except InputError as exc:
            status, error = Evidence.Analysis.FAILED, "unreadable_export"
            result["error"] = str(exc)
        except Exception as exc:  # the engine must never lose a report: record and carry on
            log.warning("evidence %s: analysis failed (%s)", evidence.pk, type(exc).__name__)
            status, error = Evidence.Analysis.FAILED, "analysis_error"
        images: Iterable[bytes] = _zip_images(data) if evidence.content_type == "application/zip" else ()
    else:
        images = [data] if data else []
        if data and evidence.kind == Evidence.Kind.SCREENSHOT:
            try:
                read = read_chat(data, evidence.pk)  # None when the picture shows no chat
            except Exception as exc:  # reading a picture must never lose the report
                log.warning("evidence %s: screenshot reading failed (%s)", evidence.pk, type(exc).__name__)
                read = None
            if read is not None:
                result["analysis"] = {**read["analysis"], "screenshot_text": read["messages"]}
                risk = str(read["analysis"].get("risk", ""))
    for image in images:
        try:
            found = _hash_and_match(image)
        except Exception as exc:  # a bad image inside an export must not stop the rest
            log.warning("evidence %s: hashing failed (%s)", evidence.pk, type(exc).__name__)
            continue
        pdq, found_matches = found
        if pdq is not None:
            image_hashes.append(pdq)
        matches.extend(m.to_dict() if hasattr(m, "to_dict") else m for m in found_matches)
    if matches:
        result["hash_matches"] = matches
        risk = "critical"
    if risk and risk not in RISK_RANK:
        risk = ""
    with transaction.atomic():
        evidence.analysis_status = status
        evidence.analysis_error = error
        evidence.risk = risk
        evidence.hash_matches = len(matches)
        evidence.analysis_encrypted = encryption.encrypt(json.dumps(result, default=str).encode()) if result else None
        evidence.save(update_fields=[
            "analysis_status", "analysis_error", "risk", "hash_matches", "analysis_encrypted",
        ])
        recompute_priority(evidence.report)
        _after_analysis(evidence, image_hashes, matches)
        if transaction.get_rollback():
            # A receiver's error left this transaction unable to commit (the connection dropped while it
            # ran): the block would roll back silently and the task look done. Fail it to be run again.
            raise OperationalError("the analysis could not be written")


@task()
def analyse_evidence(evidence_id: int) -> str:
    """Task entry point: analyse evidence `evidence_id`; returns its analysis status."""
    evidence = Evidence.objects.select_related("report").filter(pk=evidence_id).first()
    if evidence is None:
        return "missing"
    try:
        analyse(evidence)  # no transaction around it: only its final write takes the write lock
    except (OperationalError, InterfaceError):
        # The database went away (a restart, a dropped connection) or stayed locked: nothing about this
        # evidence is wrong, so it is not marked failed; the worker runs the task again once the
        # database answers (hotline.cli.taskworker). Its result is one row, overwritten: stored once.
        raise
    except Exception as exc:  # last line of defence: the evidence says so, the report stays
        log.warning("evidence %s: analysis task failed (%s)", evidence_id, type(exc).__name__)
        Evidence.objects.filter(pk=evidence_id).update(
            analysis_status=Evidence.Analysis.FAILED, analysis_error="analysis_error",
        )
        return Evidence.Analysis.FAILED
    return evidence.analysis_status

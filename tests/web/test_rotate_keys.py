"""`hotline rotate-keys`: new keys in front, every encrypted field and evidence file re-encrypted, link
keys re-hashed, old Fernet keys retired; the data still reads back and duplicates are still found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from hotline.web import keys
from hotline.web.cases.models import LinkKey, ReportLink
from hotline.web.reports import services
from hotline.web.reports.models import Report
from hotline.web.reports.storage import read_evidence

pytestmark = pytest.mark.django_db

CHAT = b"01/03/2024, 20:01 - Dara: hi\n01/03/2024, 20:02 - Sok: hello\n"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_rotate_then_retire_keeps_everything_readable(settings: Any, tmp_path: Path) -> None:
    settings.HOTLINE_KEY_FILE = tmp_path / "keys" / "hotline.keys"  # a key file and evidence of its own
    settings.HOTLINE_EVIDENCE_DIR = tmp_path / "evidence"
    receipt = services.create_report(category="grooming", platform="facebook", description="before rotation",
                                     offender_name="dara.k", urls=["https://example.com/p/1"],
                                     files=[(CHAT, "chat.txt")])
    first = receipt.report
    old_token = _raw("reports_report", "description", first.pk)
    old_key_id = keys.ring().fernet[0][0]
    call_command("rotate_keys", "--retire")
    assert keys.ring().fernet[0][0] != old_key_id and len(keys.ring().fernet) == 1
    assert _raw("reports_report", "description", first.pk) != old_token  # re-encrypted with the new key
    report = Report.objects.get(pk=first.pk)
    assert report.description == "before rotation" and report.offender_name == "dara.k"
    assert read_evidence(report.evidence.get()) == CHAT
    assert all(k.startswith(keys.ring().hmac[0][0] + "$") for k in LinkKey.objects.values_list("key", flat=True))
    second = services.create_report(category="grooming", platform="facebook", description="after",
                                    urls=["https://www.example.com/p/1/"]).report
    from hotline.web.cases import linking

    linking.link_by_keys(second)
    assert ReportLink.objects.filter(report=first, other=second).exists()
    # A PIN hashed before the rotation still opens its report (its key id is kept).
    assert services.find_report(receipt.tracking_code, receipt.pin) is not None

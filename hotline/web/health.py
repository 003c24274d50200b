"""`/healthz`: can this instance take reports right now? For a process manager or a load balancer.

Three cheap checks: the database answers; the oldest task waiting in the queue is not older than
`HOTLINE_HEALTH_MAX_QUEUE_LAG` seconds (a worker is alive and keeping up); the disk holding the evidence
has at least `HOTLINE_HEALTH_MIN_FREE_MB` free. 200 when all pass, 503 naming what failed; the body holds
figures only (no data, no paths), and the page is neither cached nor rate limited.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult

DEFAULT_MAX_QUEUE_LAG = 600.0
DEFAULT_MIN_FREE_MB = 256


def _existing(path: Path) -> Path:
    """The evidence folder, or its nearest existing parent before the first upload creates it."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_queue() -> dict[str, Any]:
    limit = float(getattr(settings, "HOTLINE_HEALTH_MAX_QUEUE_LAG", DEFAULT_MAX_QUEUE_LAG))
    try:
        waiting = DBTaskResult.objects.ready()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        count = waiting.count()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"ok": lag <= limit, "waiting": count, "lag_seconds": round(lag, 1), "max_lag_seconds": limit}


def check_disk() -> dict[str, Any]:
    minimum = int(getattr(settings, "HOTLINE_HEALTH_MIN_FREE_MB", DEFAULT_MIN_FREE_MB))
    free_mb = shutil.disk_usage(_existing(Path(settings.HOTLINE_EVIDENCE_DIR))).free // (1024 * 1024)
    return {"ok": free_mb >= minimum, "free_mb": free_mb, "min_free_mb": minimum}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = check_database()
    checks = {"database": database,
              "queue": check_queue() if database["ok"] else {"ok": False, "error": "no database"},
              "disk": check_disk()}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", **checks}, status=200 if healthy else 503)

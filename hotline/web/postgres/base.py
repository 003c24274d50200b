"""Django's PostgreSQL backend, except that opening a connection waits for the server for up to
`HOTLINE_DB_CONNECT_WAIT` seconds (10) when it is refused, shutting down or starting up: a restart or
a fail-over then makes requests wait a few seconds instead of answering 500. A connection that drops
mid-request still fails that request (its transaction is rolled back); the next request reconnects (the
settings turn on Django's connection health checks).

`DATABASE_URL=postgres://…` selects this backend (settings.common); nothing else changes.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import OperationalError

DEFAULT_WAIT_SECONDS = 10.0


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        wait = float(getattr(settings, "HOTLINE_DB_CONNECT_WAIT", DEFAULT_WAIT_SECONDS))
        deadline = time.monotonic() + wait
        pause = 0.1
        while True:
            try:
                return super().get_new_connection(conn_params)
            except OperationalError:
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(1.0, pause * 2)

"""`hotline rotate-keys`: put new keys in front, re-encrypt every encrypted field and evidence file with
the new Fernet key, re-hash the duplicate-link keys, and (with --retire) drop the old Fernet keys.

The site keeps serving throughout: every worker re-reads the key file when it changes, the old keys
still decrypt until they are retired, and each row is rewritten on its own. Run it again to resume after
an interruption (with --no-new-key, so that it does not add yet another key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.web import keys
from hotline.web.keyrotation import rotate_everything
from hotline.web.reports.models import Report

from ... import linking


class Command(BaseCommand):
    help = "Rotate the encryption and keyed-hash keys and re-encrypt the data with the new key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-new-key", action="store_true",
                            help="re-encrypt with the newest key in the file without adding one (resume)")
        parser.add_argument("--retire", action="store_true",
                            help="after re-encrypting, drop every Fernet key but the newest")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_new_key"]:
            ring = keys.rotate()
            self.stdout.write(f"new keys: {ring.fernet[0][0]}, {ring.hmac[0][0]} (in {keys.key_path()})")
        counts = rotate_everything()
        for what, n in counts.items():
            self.stdout.write(f"re-encrypted {n} {what}")
        rehashed = 0
        for report in Report.objects.order_by("pk").iterator():
            linking.refresh_keys(report)
            rehashed += 1
        self.stdout.write(f"re-hashed the link keys of {rehashed} reports")
        if options["retire"]:
            ring = keys.retire()
            self.stdout.write(f"old Fernet keys retired; in use: {ring.fernet[0][0]}")

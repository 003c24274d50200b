"""`hotline manage apply_retention [--dry-run] [--schedule]`: delete what the retention period allows
(see `hotline.web.cases.retention`); --schedule also queues the daily task."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from hotline.web.cases import retention


class Command(BaseCommand):
    help = "Delete evidence files and reporters' contacts of cases closed longer than HOTLINE_RETENTION_DAYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count the reports it would touch")
        parser.add_argument("--schedule", action="store_true", help="also queue the daily retention task")

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = retention.apply(dry_run=options["dry_run"])
        verb = "would touch" if options["dry_run"] else "deleted the evidence and contact of"
        self.stdout.write(f"retention ({settings.HOTLINE_RETENTION_DAYS} days): {verb} {outcome.reports} "
                          f"closed reports ({outcome.files} files, {outcome.contacts} contacts)")
        if options["schedule"]:
            self.stdout.write("daily task: " + retention.schedule_daily())

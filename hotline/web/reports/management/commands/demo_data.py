"""`hotline manage demo_data`: the same as `hotline demo`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hotline.web.reports.demo import ensure_demo_data


class Command(BaseCommand):
    help = "Create the demo analyst account (enrolment link printed once) and a few demo reports."

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_demo_data()
        if created is None:
            self.stdout.write("Demo data already present.")
        else:
            self.stdout.write(f"Demo analyst {created[0]}: set the password and the second factor at "
                              f"/admin-2fa/enrol/{created[1]}/ (shown once)")

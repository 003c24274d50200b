"""`manage.py staff_groups [--analyst USER]... [--supervisor USER]...`: create the two staff groups and
put existing users in them (they become staff, so that they can sign in with their second factor)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.web.staff.roles import ensure_groups


class Command(BaseCommand):
    help = "Create the Analysts and Supervisors groups and add users to them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--analyst", action="append", default=[], metavar="USERNAME")
        parser.add_argument("--supervisor", action="append", default=[], metavar="USERNAME")

    def handle(self, *args: Any, **options: Any) -> None:
        analysts, supervisors = ensure_groups()
        users = get_user_model()
        for group, names in ((analysts, options["analyst"]), (supervisors, options["supervisor"])):
            for name in names:
                user = users.objects.filter(username=name).first()
                if user is None:
                    raise CommandError(f"no user named {name!r}")
                user.is_staff = True
                user.save(update_fields=["is_staff"])
                user.groups.add(group)
                self.stdout.write(f"{name}: {group.name}")
        self.stdout.write("groups ready: Analysts, Supervisors")

"""`hotline manage enrolment_link USER [--create analyst|supervisor] [--site URL]`: print a one-time link
with which USER sets a password and enrols the second factor (the first supervisor starts here)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from hotline.web.staff import accounts


class Command(BaseCommand):
    help = "Print a one-time enrolment link for a staff account (optionally creating the account)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--create", choices=("analyst", "supervisor"),
                            help="create the account with this role first")
        parser.add_argument("--site", default="", help="the site's address, e.g. https://hotline.example.org")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["username"]
        user = get_user_model().objects.filter(username=name).first()
        if options["create"]:
            if user is not None:
                raise CommandError(f"a user named {name!r} exists already")
            user, token = accounts.create_account(name, options["create"])
        elif user is None:
            raise CommandError(f"no user named {name!r} (use --create analyst|supervisor)")
        else:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            token = accounts.issue_link(user)
        path = reverse("staff-enrol", args=[token])
        self.stdout.write(f"{name}: {options['site'].rstrip('/')}{path}")
        self.stdout.write("The link works once, for three days; give it to this person only.")

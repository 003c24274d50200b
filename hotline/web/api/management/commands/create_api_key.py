"""`hotline manage create_api_key NAME`: a key for a partner, printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.web.api.models import ApiKey


class Command(BaseCommand):
    help = "Create an API key for a partner (printed once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="who the key is for, e.g. the partner's name")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("NAME must be 1 to 100 characters")
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(f"a key named {name!r} already exists")
        _row, raw = ApiKey.create(name)
        self.stdout.write(f"API key for {name} (shown once, keep it secret):\n{raw}")

"""Account events are read-only in the admin (nobody edits history)."""

from __future__ import annotations

from django.contrib import admin

from hotline.web.historyadmin import HistoryAdmin

from .models import AccountEvent


@admin.register(AccountEvent)
class AccountEventAdmin(HistoryAdmin):
    list_display = ("at", "account", "action", "actor")
    list_filter = ("action",)
    date_hierarchy = "at"

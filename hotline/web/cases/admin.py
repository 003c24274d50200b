"""The audit log is read-only in the admin (nobody edits history); links and records are listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent, Case, Forwarding, PublishedStatistics, Removal, ReportLink


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "report", "evidence", "detail")
    list_filter = ("action", "user")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportLink)
class ReportLinkAdmin(admin.ModelAdmin):
    list_display = ("report", "other", "reason", "detail", "active", "created_by", "created_at")
    list_filter = ("reason", "active")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("report", "analyst", "assigned_at", "linked_priority")


admin.site.register(Forwarding)
admin.site.register(Removal)
admin.site.register(PublishedStatistics)

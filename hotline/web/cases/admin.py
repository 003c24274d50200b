"""The admin: the audit log read-only (nobody edits history); links and records listed; reports with
their metadata and status only (their content is read in the workspace, where reading is audited). A
status set here goes through case work: the reporter's status record and the audit entry are written."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from hotline.web.historyadmin import HistoryAdmin
from hotline.web.reports.models import Evidence, Report

from . import services
from .models import AuditEvent, Case, Forwarding, PublishedStatistics, Removal, ReportLink


@admin.register(AuditEvent)
class AuditEventAdmin(HistoryAdmin):
    list_display = ("at", "user", "action", "report", "evidence", "detail")
    list_filter = ("action", "user")
    date_hierarchy = "at"


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


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ("kind", "content_type", "size", "analysis_status", "risk", "hash_matches", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("tracking_code", "priority", "risk", "category", "platform", "victim_age_band", "status",
                    "source", "created_at")
    list_filter = ("status", "category", "platform", "risk", "victim_age_band", "source")
    search_fields = ("tracking_code",)
    ordering = ("-priority", "created_at")
    fields = ("tracking_code", "status", "category", "platform", "victim_age_band", "risk", "priority",
              "source", "language", "created_at", "updated_at")
    readonly_fields = tuple(f for f in fields if f != "status")
    inlines = (EvidenceInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Report, form: Any, change: bool) -> None:
        if not (change and "status" in form.changed_data):
            return
        status, obj.status = obj.status, form.initial["status"]
        try:
            services.change_status(obj, status, request.user)
        except services.ActionRefused:
            self.message_user(request, _("This status cannot be set here."), level=messages.ERROR)

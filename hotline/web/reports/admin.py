"""Analysts' view of the queue (highest priority first). Evidence content is never shown here: only its
sniffed type, size and analysis state; the case-work app shows content, blurred and audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models

from .models import Evidence, Report, ReportURL, StatusChange

#: Links typed without a scheme are https (Django 6's default, set now).
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"},
}


class ReportURLInline(admin.TabularInline):
    model = ReportURL
    extra = 0
    formfield_overrides = URL_FIELDS


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ("kind", "content_type", "size", "sha256", "analysis_status", "analysis_error", "risk",
              "hash_matches", "created_at")
    readonly_fields = fields


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("tracking_code", "priority", "risk", "category", "platform", "victim_age_band", "status",
                    "source", "created_at")
    list_filter = ("status", "category", "platform", "risk", "victim_age_band", "source")
    search_fields = ("tracking_code", "urls__url", "offender_name")
    ordering = ("-priority", "created_at")
    exclude = ("pin_hash",)
    readonly_fields = ("tracking_code", "risk", "priority", "created_at", "updated_at", "language", "source")
    inlines = (ReportURLInline, EvidenceInline, StatusChangeInline)
    formfield_overrides = URL_FIELDS

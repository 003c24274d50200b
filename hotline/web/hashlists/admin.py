"""Supervisors manage hash lists in the admin; self-protection entries show no more than a case number."""

from __future__ import annotations

from django.contrib import admin

from .models import HashEntry, HashList


@admin.register(HashList)
class HashListAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "source", "threshold", "created")
    list_filter = ("kind",)


@admin.register(HashEntry)
class HashEntryAdmin(admin.ModelAdmin):
    list_display = ("hash_list", "pdq", "quality", "label", "source", "reference", "case_number", "added")
    list_filter = ("hash_list",)
    search_fields = ("pdq", "label", "reference", "case_number")
    exclude = ("pin_hash",)
    readonly_fields = ("case_number", "failed_attempts")

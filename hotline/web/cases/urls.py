"""Mounted inside i18n_patterns at the site root: staff pages under /<lang>/staff/, the public
statistics at /<lang>/statistics/."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "cases"
urlpatterns: list[URLPattern] = [
    path("staff/", views.queue, name="queue"),
    path("staff/next/", views.take_next, name="take_next"),
    path("staff/reports/<int:pk>/", views.report_detail, name="report"),
    path("staff/reports/<int:pk>/<slug:action>/", views.report_action, name="action"),
    path("staff/reports/<int:pk>/links/<int:link_id>/unlink/", views.unlink, name="unlink"),
    path("staff/forwardings/<int:pk>/package.<slug:kind>", views.forwarding_package, name="package"),
    path("staff/evidence/<int:pk>/chat/", views.evidence_chat, name="chat"),
    path("staff/evidence/<int:pk>/image/", views.evidence_image, name="image"),
    path("staff/evidence/<int:pk>/reveal/", views.evidence_reveal, name="reveal"),
    path("staff/audit/", views.audit_log, name="audit"),
    path("staff/statistics/", views.statistics_page, name="stats"),
    path("staff/statistics.csv", views.statistics_csv, name="stats_csv"),
    path("staff/statistics/publish/", views.statistics_publish, name="stats_publish"),
    path("statistics/", views.public_statistics, name="public_stats"),
]

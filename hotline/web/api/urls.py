from django.urls import path, re_path

from . import views

app_name = "api"
urlpatterns = [
    path("reports", views.reports, name="reports"),
    path("reports/<str:tracking_code>", views.report_status, name="report-status"),
    path("analyze", views.analyze, name="analyze"),
    path("hashes/match", views.match_hashes, name="hashes-match"),
    path("openapi.json", views.openapi, name="openapi"),
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found),  # any path, newlines too
]

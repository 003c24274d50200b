"""Under /<lang>/protect/: the self-protection page and its withdraw page."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "hashlists"
urlpatterns = [
    path("", views.protect, name="protect"),
    path("withdraw/", views.withdraw, name="withdraw"),
]

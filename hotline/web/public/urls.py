"""Public URLs, mounted inside i18n_patterns: /km/… and /en/…."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "public"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("learn/<slug:page>/", views.learn, name="learn"),
    path("check/chat/", views.check_chat, name="check_chat"),
    path("check/post/", views.check_post, name="check_post"),
]

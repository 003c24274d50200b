"""Mounted inside i18n_patterns: the supervisors' account pages under /<lang>/staff/accounts/ (behind the
second factor, like every /<lang>/staff/ page)."""

from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("staff/accounts/", views.account_list, name="accounts"),
    path("staff/accounts/<int:pk>/<slug:action>/", views.account_action, name="account-action"),
]

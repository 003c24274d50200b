"""What the staff app does when Django signs someone in or refuses them, and after `migrate`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from . import accounts
from .roles import ensure_groups


@receiver(user_login_failed, dispatch_uid="staff.count_wrong_password")
def wrong_password(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username")
    if not isinstance(username, str):
        return
    user = get_user_model().objects.filter(username=username, is_staff=True).first()
    if user is not None:
        accounts.count_failure(user, "password")


@receiver(user_logged_in, dispatch_uid="staff.clear_wrong_passwords")
def signed_in(sender: Any, user: Any, request: Any = None, **kwargs: Any) -> None:
    accounts.clear_failures(user, "password")


@receiver(post_migrate, dispatch_uid="staff.groups")
def groups_up_to_date(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    """The role groups follow `roles` after every migrate (the permissions exist by then)."""
    if app_config is not None and app_config.label == "staff":
        ensure_groups()

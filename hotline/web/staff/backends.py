"""Password sign-in with a per-account lock-out: Django's model backend, refusing a locked account.

Wrong passwords are counted per account (`accounts.count_failure`, from Django's `user_login_failed`
signal, see `receivers`); a locked account is refused as a wrong password is, so the answer tells nothing.
The demo account is refused wherever the settings do not allow the demo (production).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from . import accounts


class GuardedModelBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not accounts.refused(user)

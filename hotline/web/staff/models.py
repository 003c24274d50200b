"""What the staff app stores: one TOTP secret per staff member, encrypted with the evidence key."""

from __future__ import annotations

from django.db import models


class StaffSecondFactor(models.Model):
    """A staff member's TOTP secret (encrypted with the evidence key); `confirmed` once a code matched."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="second_factor")
    secret_encrypted = models.BinaryField()
    confirmed = models.BooleanField(default=False)
    #: The last TOTP time step accepted, so that a code cannot be used twice.
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"second factor of user {self.user_id}"

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


class EnrolmentLink(models.Model):
    """A one-time link a supervisor (or the command line) issues so that one person sets a password and
    enrols a second factor. Only the token's hash is stored; a link is used once and expires."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"enrolment link for user {self.user_id}"


class BackupCode(models.Model):
    """One of the codes shown once at enrolment, for a lost phone: kept as a keyed hash, used once."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backup code of user {self.user_id}"


class SignInGuard(models.Model):
    """Wrong passwords and codes counted per account (no address is stored); too many lock the account
    for a while, whoever tries."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="sign_in_guard")
    password_failures = models.PositiveIntegerField(default=0)
    code_failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in guard of user {self.user_id}"


class AccountEvent(models.Model):
    """What was done to a staff account, by whom and when (never a secret or a code)."""

    class Action(models.TextChoices):
        CREATED = "created", "account created"
        LINK_ISSUED = "link_issued", "enrolment link issued"
        ENROLLED = "enrolled", "second factor enrolled"
        FACTOR_RESET = "factor_reset", "second factor reset"
        DISABLED = "disabled", "account disabled"
        ENABLED = "enabled", "account enabled"
        LOCKED = "locked", "locked after wrong guesses"
        UNLOCKED = "unlocked", "unlocked"
        BACKUP_CODE_USED = "backup_code_used", "backup code used"

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    account = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="account_events")
    action = models.CharField(max_length=32, choices=Action.choices)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.action} on user {self.account_id}"


class StaffRole(models.Model):
    """Holds the permissions that belong to a role rather than to a stored thing (it has no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (("reveal_evidence", "Can see evidence images unblurred"),
                       ("manage_staff", "Can issue enrolment links, disable accounts and reset second factors"))

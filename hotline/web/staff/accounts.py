"""Staff accounts, as supervisors manage them: create, issue a one-time enrolment link, enrol, reset the
second factor, disable, unlock; wrong passwords and codes counted per account with a lock-out; backup
codes. Every change writes an AccountEvent (who did what to which account; never a secret).

    create_account(username, role, by) -> (user, token)     a staff account with no password yet
    issue_link(user, by) -> token                           a new link (older unused ones stop working)
    link_for(token) -> EnrolmentLink | None                 a valid, unused, unexpired link
    enrol(link, password, code, secret) -> backup codes     password set, factor confirmed, link used
    reset_factor(user, by) -> token / disable / enable / unlock
    locked(user) / count_failure(user, kind) / clear_failures(user, kind)
    use_backup_code(user, code) -> bool
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from hotline.web import encryption

from .models import AccountEvent, BackupCode, EnrolmentLink, SignInGuard, StaffSecondFactor
from .roles import ANALYSTS, SUPERVISORS, ensure_groups

#: How long an enrolment link works.
LINK_LIFETIME = dt.timedelta(hours=72)
#: Wrong passwords, and wrong second-factor codes, before an account is locked; and for how long.
MAX_PASSWORD_FAILURES = 10
MAX_CODE_FAILURES = 5
LOCK_DURATION = dt.timedelta(minutes=15)
BACKUP_CODES = 10
#: The demo analyst (`hotline serve --demo`): refused by the sign-in wherever the settings forbid the demo.
DEMO_USERNAME = "demo-analyst"
_BACKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

Action = AccountEvent.Action


def record(account: Any, action: str, by: Any = None) -> None:
    AccountEvent.objects.create(account=account, action=action,
                                actor=by if by is not None and by.is_authenticated else None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_link(user: Any, by: Any = None) -> str:
    """A new one-time enrolment link token for `user`; links issued before for them stop working."""
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    EnrolmentLink.objects.create(user=user, token_hash=_token_hash(token), issued_by=by,
                                 expires_at=now + LINK_LIFETIME)
    record(user, Action.LINK_ISSUED, by)
    return token


@transaction.atomic
def create_account(username: str, role: str, by: Any = None) -> tuple[Any, str]:
    """A staff account in the role's group, with no usable password until it enrols; its link token."""
    analysts, supervisors = ensure_groups()
    user = get_user_model().objects.create_user(username=username, is_staff=True)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(supervisors if role == "supervisor" else analysts)
    record(user, Action.CREATED, by)
    return user, issue_link(user, by)


def link_for(token: str) -> EnrolmentLink | None:
    """The link for `token` while it may be used (not used, not expired, account active); else None."""
    if not token or len(token) > 100:
        return None
    link = (EnrolmentLink.objects.select_related("user")
            .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()).first())
    if link is None or not link.user.is_active:
        return None
    return link


def pending_secret(link: EnrolmentLink) -> str:
    """The secret this link enrols: made when the link is first opened, kept encrypted until confirmed."""
    factor = StaffSecondFactor.objects.filter(user=link.user).first()
    if factor is None or factor.confirmed:
        StaffSecondFactor.objects.filter(user=link.user).delete()
        factor = StaffSecondFactor.objects.create(
            user=link.user, secret_encrypted=encryption.encrypt(pyotp.random_base32().encode()))
    return encryption.decrypt(factor.secret_encrypted).decode()


def _new_backup_code() -> str:
    raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _backup_hash(user: Any, code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return salted_hmac("hotline.staff.backup-code", f"{user.pk}:{cleaned}", algorithm="sha256").hexdigest()


def new_backup_codes(user: Any) -> list[str]:
    """Fresh backup codes for `user` (older ones stop working); shown once, kept as keyed hashes."""
    codes = [_new_backup_code() for _ in range(BACKUP_CODES)]
    with transaction.atomic():
        BackupCode.objects.filter(user=user).delete()
        BackupCode.objects.bulk_create([BackupCode(user=user, code_hash=_backup_hash(user, c)) for c in codes])
    return codes


def use_backup_code(user: Any, code: str) -> bool:
    """True (once) for an unused backup code of `user`."""
    used = BackupCode.objects.filter(user=user, code_hash=_backup_hash(user, code), used_at__isnull=True
                                     ).update(used_at=timezone.now())
    if used:
        record(user, Action.BACKUP_CODE_USED, user)
    return bool(used)


@transaction.atomic
def enrol(link: EnrolmentLink, password: str) -> list[str]:
    """After the page checked the password and a code from the new factor: set the password, confirm the
    factor, use up the link; returns the backup codes to show once."""
    user = link.user
    user.set_password(password)
    user.save(update_fields=["password"])
    StaffSecondFactor.objects.filter(user=user).update(confirmed=True)
    EnrolmentLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    clear_failures(user)
    record(user, Action.ENROLLED, user)
    return new_backup_codes(user)


@transaction.atomic
def reset_factor(user: Any, by: Any) -> str:
    """Forget the account's second factor and backup codes; it enrols again with the returned link."""
    StaffSecondFactor.objects.filter(user=user).delete()
    BackupCode.objects.filter(user=user).delete()
    record(user, Action.FACTOR_RESET, by)
    return issue_link(user, by)


def set_active(user: Any, active: bool, by: Any) -> None:
    """Disable (or enable again) an account: a disabled one cannot sign in, and its links stop working."""
    type(user).objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    record(user, Action.ENABLED if active else Action.DISABLED, by)


# ---------------------------------------------------------------- guesses and lock-out


def refused(user: Any) -> bool:
    """Locked after wrong guesses, or the demo account where the demo is not allowed."""
    if user.get_username() == DEMO_USERNAME and not settings.HOTLINE_DEMO_ALLOWED:
        return True
    return locked(user)


def locked(user: Any) -> bool:
    guard = SignInGuard.objects.filter(user=user).first()
    return bool(guard and guard.locked_until and guard.locked_until > timezone.now())


def count_failure(user: Any, kind: str) -> bool:
    """Count one wrong password ("password") or code ("code"); True when this locked the account."""
    field, limit = (("password_failures", MAX_PASSWORD_FAILURES) if kind == "password"
                    else ("code_failures", MAX_CODE_FAILURES))
    with transaction.atomic():
        guard, _created = SignInGuard.objects.select_for_update().get_or_create(user=user)
        count = getattr(guard, field) + 1
        if count < limit:
            setattr(guard, field, count)
            guard.save(update_fields=[field])
            return False
        setattr(guard, field, 0)
        guard.locked_until = timezone.now() + LOCK_DURATION
        guard.save(update_fields=[field, "locked_until"])
    record(user, Action.LOCKED)
    return True


def clear_failures(user: Any, kind: str = "") -> None:
    fields = {"password": ["password_failures"], "code": ["code_failures"]}.get(
        kind, ["password_failures", "code_failures"])
    SignInGuard.objects.filter(user=user).update(**dict.fromkeys(fields, 0))


def unlock(user: Any, by: Any) -> None:
    SignInGuard.objects.filter(user=user).update(password_failures=0, code_failures=0, locked_until=None)
    record(user, Action.UNLOCKED, by)


def staff_accounts() -> Any:
    """Staff accounts for the supervisors' page, with their role groups."""
    return get_user_model().objects.filter(is_staff=True).prefetch_related("groups").order_by("username")


def role_of(user: Any) -> str:
    names = {g.name for g in user.groups.all()}
    return "supervisor" if SUPERVISORS in names else "analyst" if ANALYSTS in names else ""

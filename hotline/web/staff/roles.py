"""The staff roles as Django groups, and the checks the pages make of them.

Analysts work cases: take reports, read their analyses, change the status of, forward and record removal
of the reports they are working on. Supervisors also assign, act on any report, publish statistics,
manage hash lists, reveal evidence images and manage staff accounts. Revealing an image is a permission
of its own (`staff.reveal_evidence`), which an administrator may also give to one analyst.

Permissions are named as strings (app.codename), so that this app needs none of the apps that declare
them. Analysts get no permission on reports in the admin: they read reports in the workspace, audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

ANALYSTS = "Analysts"
SUPERVISORS = "Supervisors"

WORK = "cases.work_cases"
SUPERVISE = "cases.supervise_cases"
REVEAL = "staff.reveal_evidence"
MANAGE_STAFF = "staff.manage_staff"

_ANALYST_PERMS = (WORK,)
_SUPERVISOR_PERMS = (*_ANALYST_PERMS, SUPERVISE, REVEAL, MANAGE_STAFF, "cases.view_auditevent",
                     "staff.view_accountevent", "reports.change_report", "hashlists.view_hashlist",
                     "hashlists.add_hashentry", "hashlists.view_hashentry", "hashlists.delete_hashentry",
                     "auth.view_user")


def can_work(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(WORK))


def can_supervise(user: Any) -> bool:
    return bool(can_work(user) and user.has_perm(SUPERVISE))


def can_reveal(user: Any) -> bool:
    return bool(can_work(user) and user.has_perm(REVEAL))


def can_manage_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(MANAGE_STAFF))


def _perms(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app, codename = name.split(".", 1)
        perm = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        if perm is not None:
            found.append(perm)
    return found


def ensure_groups() -> tuple[Group, Group]:
    """Create (or bring up to date) the Analysts and Supervisors groups; returns them."""
    analysts, _created = Group.objects.get_or_create(name=ANALYSTS)
    analysts.permissions.set(_perms(_ANALYST_PERMS))
    supervisors, _created = Group.objects.get_or_create(name=SUPERVISORS)
    supervisors.permissions.set(_perms(_SUPERVISOR_PERMS))
    return analysts, supervisors

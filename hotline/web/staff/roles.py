"""The two staff roles as Django groups: analysts work cases; supervisors also assign, publish
statistics, manage hash lists and see the audit log in the admin. Permissions are named as strings
(app.codename), so that this app needs none of the apps that declare them."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ANALYSTS = "Analysts"
SUPERVISORS = "Supervisors"

_ANALYST_PERMS = ("cases.work_cases", "reports.view_report", "reports.view_evidence")
_SUPERVISOR_PERMS = (*_ANALYST_PERMS, "cases.supervise_cases", "cases.view_auditevent",
                     "reports.change_report", "hashlists.view_hashlist", "hashlists.add_hashentry",
                     "hashlists.view_hashentry", "hashlists.delete_hashentry", "auth.view_user")


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
    analysts.permissions.add(*_perms(_ANALYST_PERMS))
    supervisors, _created = Group.objects.get_or_create(name=SUPERVISORS)
    supervisors.permissions.add(*_perms(_SUPERVISOR_PERMS))
    return analysts, supervisors

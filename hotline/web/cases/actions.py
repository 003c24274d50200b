"""What staff do to a report from its page, as one table: action → form, service, permission, message.

`views.report_action` is the one view that runs them: it checks the permission (a refusal is explained
on the page), validates the form (errors re-render the page with a 400), calls the service (which may
refuse with `ActionRefused`) and tells the analyst what happened. A new action is a new row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from hotline.web.reports.models import Report

from . import retention, services, verdicts
from .forms import AssignForm, ForwardingForm, HashListForm, LegalHoldForm, LinkForm, RemovalForm, StatusForm

#: (user, report) → may this user do the action to this report?
Permission = Callable[[Any, Report], bool]


def any_analyst(user: Any, report: Report) -> bool:
    return services.can_work(user)


def supervisor(user: Any, report: Report) -> bool:
    return services.can_supervise(user)


def assigned_or_supervisor(user: Any, report: Report) -> bool:
    return services.may_act_on(user, report)


@dataclass(frozen=True)
class CaseAction:
    #: What the action takes (None: nothing but the click).
    form: type[forms.Form] | None
    #: The form's name on the report page (where it is shown again with its errors).
    form_name: str
    #: Does it: (report, user, the form's cleaned data) → a result for `message`; may raise ActionRefused.
    service: Callable[[Report, Any, dict[str, Any]], Any]
    permission: Permission
    #: The refusal code shown when the permission is missing (see views.refusal).
    refusal: str
    #: What the analyst is told afterwards, from the service's result.
    message: Callable[[Any], str]
    #: Where on the report page the analyst lands afterwards, from the form's data (default: the actions).
    anchor: Callable[[dict[str, Any]], str] | None = None


ACTIONS: dict[str, CaseAction] = {
    "take": CaseAction(
        None, "", lambda report, user, data: services.take(report, user), any_analyst, "not_analyst",
        lambda result: _("You are working on this report.")),
    "assign": CaseAction(
        AssignForm, "assign_form", lambda report, user, data: services.assign(report, data["analyst"], user),
        supervisor, "not_supervisor", lambda result: _("Assignment saved.")),
    "status": CaseAction(
        StatusForm, "status_form",
        lambda report, user, data: services.change_status(report, data["status"], user, data["public_note"]),
        assigned_or_supervisor, "not_yours",
        lambda result: _("Status changed. The reporter sees it on their status page.")),
    "forward": CaseAction(
        ForwardingForm, "forwarding_form", lambda report, user, data: services.record_forwarding(report, user, **data),
        assigned_or_supervisor, "not_yours", lambda result: _("Forwarding recorded.")),
    "removal": CaseAction(
        RemovalForm, "removal_form", lambda report, user, data: services.record_removal(report, user, **data),
        assigned_or_supervisor, "not_yours", lambda result: _("Removal recorded.")),
    "link": CaseAction(
        LinkForm, "link_form", lambda report, user, data: services.link_by_hand(report, data["tracking_code"], user),
        any_analyst, "not_analyst", lambda result: _("Reports linked.")),
    "hash": CaseAction(
        HashListForm, "hash_form", lambda report, user, data: services.add_to_hash_list(report, user, data["list_name"]),
        supervisor, "not_supervisor_hash",
        lambda result: _("Added to the hash list: %(added)d. Too plain to hash: %(plain)d.")
        % {"added": result.added, "plain": result.too_plain}),
    "hold": CaseAction(
        LegalHoldForm, "hold_form", lambda report, user, data: retention.set_legal_hold(report, user, data["hold"]),
        supervisor, "not_supervisor", lambda result: _("Legal hold saved.")),
    "verdict": CaseAction(
        verdicts.VerdictForm, "verdict_form", verdicts.mark, any_analyst, "not_analyst",
        lambda result: _("Verdict saved. Exported verdicts teach the engine."), verdicts.anchor),
}

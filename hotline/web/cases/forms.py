"""Forms of the staff pages; labels in Khmer and English."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.web.reports.forms import PlainSelect
from hotline.web.reports.models import Category, Platform, Risk, Status

from .models import AuditEvent, Forwarding
from .services import ACTION_STATUSES, DEFAULT_HASH_LIST, analysts


def _blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class DateInput(forms.DateInput):
    input_type = "date"


class QueueFilterForm(forms.Form):
    """The queue's filters; its selects written out in Python (`PlainSelect`): on every view of the queue,
    Django's template per option cost as much as the 50 rows."""

    status = forms.ChoiceField(label=_("Status"), required=False, widget=PlainSelect,
                               choices=_blank(_("Open (not closed)"), Status.choices))
    category = forms.ChoiceField(label=_("Crime"), required=False, choices=_blank(_("All"), Category.choices),
                                 widget=PlainSelect)
    platform = forms.ChoiceField(label=_("Platform"), required=False, choices=_blank(_("All"), Platform.choices),
                                 widget=PlainSelect)
    risk = forms.ChoiceField(label=_("Risk"), required=False, choices=_blank(_("All"), Risk.choices),
                             widget=PlainSelect)
    assigned = forms.ChoiceField(label=_("Assigned"), required=False, widget=PlainSelect, choices=[
        ("", _("Everyone's")), ("mine", _("Mine")), ("unassigned", _("Not assigned"))])
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput)
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput)


class StatisticsRangeForm(forms.Form):
    since = forms.DateField(label=_("Received from"), required=False, widget=DateInput)
    until = forms.DateField(label=_("Received until"), required=False, widget=DateInput)


class AuditFilterForm(forms.Form):
    """The audit page's filters (all optional); the page itself is read-only."""

    action = forms.ChoiceField(label=_("Action"), required=False, choices=_blank(_("All"), AuditEvent.Action.choices))
    user = forms.ModelChoiceField(label=_("Staff member"), required=False, queryset=None, empty_label=_("Everyone"))
    tracking_code = forms.CharField(label=_("Tracking code"), required=False, max_length=12)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_staff=True).order_by("username")  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), widget=PlainSelect,
                               choices=[(s, label) for s, label in Status.choices if s in ACTION_STATUSES])
    public_note = forms.CharField(
        label=_("Note for the reporter (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The reporter reads this on their status page. Write plainly; name no one."))


class ForwardingForm(forms.Form):
    recipient = forms.ChoiceField(label=_("Forwarded to"), choices=Forwarding.Recipient.choices, widget=PlainSelect)
    recipient_name = forms.CharField(label=_("Name (unit, platform, organisation)"), required=False,
                                     max_length=200)
    reference = forms.CharField(label=_("Their reference"), required=False, max_length=200)
    forwarded_on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=_blank(_("Choose…"), Forwarding.Classification.choices),
        widget=PlainSelect,
        help_text=_("Goes into the forwarding package: illegal everywhere (international baseline), "
                    "illegal under national law, or not illegal."))


class RemovalForm(forms.Form):
    url = forms.URLField(label=_("Link of the removed content"), max_length=2000, assume_scheme="https")
    removed_on = forms.DateField(label=_("Date removed"), widget=DateInput, initial=timezone.localdate)


class AssignForm(forms.Form):
    analyst = forms.ModelChoiceField(label=_("Analyst"), queryset=analysts(), required=False, widget=PlainSelect,
                                     empty_label=_("Nobody (back to the queue)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = analysts()  # type: ignore[attr-defined]


class LegalHoldForm(forms.Form):
    hold = forms.BooleanField(label=_("Legal hold"), required=False)


class LinkForm(forms.Form):
    tracking_code = forms.CharField(label=_("Tracking code of the other report"), max_length=12)


class HashListForm(forms.Form):
    list_name = forms.SlugField(label=_("Hash list"), max_length=64, initial=DEFAULT_HASH_LIST)

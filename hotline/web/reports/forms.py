"""The report form, the status look-up and the "add information" form.

Files are read and sniffed while the form is cleaned: accepted ones are kept in `accepted_files` even
when another field (or another file) is wrong, so that the view can hold them for the next try.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hotline.web.sniffing import EvidenceRejected
from hotline.web.trackingcodes import CODE_LENGTH

from . import nationality
from .links import MAX_URLS, normalize_url
from .models import AgeBand, Category, Platform, ReporterType
from .services import check_evidence, too_large

MAX_FILES = 10
ACCEPT = ".txt,.json,.csv,.zip,.html,text/html,.png,.jpg,.jpeg,.webp,text/plain,application/json,text/csv,application/zip,image/png,image/jpeg,image/webp"

class NationalityField(forms.ChoiceField):
    """A country from the list. Text sent by an old page or a script ("Cambodian") is mapped to its code,
    and anything unknown to "other": the text itself is never kept."""

    max_length = 100

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if len(text) > self.max_length:
            raise ValidationError(self.error_messages.get("max_length", _("This is too long.")),
                                  code="max_length", params={"limit_value": self.max_length})
        return nationality.from_text(text)


class PlainSelect(forms.Select):
    """A <select> written out in Python. Django renders every <option> through a template: for the 250
    countries of the nationality list that cost more than all the rest of the report page. Values and
    labels are escaped by format_html; attributes as Django's own widgets write them (flatatt)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (key, mark_safe(" selected") if str(key) in selected else "", text)
            for key, text in self.choices))
        return format_html('<select name="{}"{}>{}</select>', name,
                           flatatt(self.build_attrs(self.attrs, attrs)), options)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        """Each file is checked by the form (sniffed, bounded), one by one, so that one bad file does not
        hide the good ones; here only the shape is checked."""
        items = data if isinstance(data, list | tuple) else [data]
        files = [d for d in items if d]
        if any(not isinstance(f, UploadedFile) for f in files):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


def friendly_messages(form: forms.Form) -> None:
    """Our own wording (translated in this app) for Django's generic field errors."""
    for field in form.fields.values():
        field.error_messages["required"] = _("Please fill in this field.")
        if isinstance(field, forms.ChoiceField):
            field.error_messages["invalid_choice"] = _("Choose one of the options in the list.")
        if isinstance(field, forms.IntegerField):
            field.error_messages["invalid"] = _("Write a number, for example 25.")
            field.error_messages["min_value"] = _("Write a number from 0 to 120.")
            field.error_messages["max_value"] = _("Write a number from 0 to 120.")
        if isinstance(field, forms.FileField):
            field.error_messages["empty"] = _("This file is empty.")
            field.error_messages["invalid"] = _("This file could not be read.")
        if isinstance(field, forms.CharField | NationalityField) and field.max_length:
            field.error_messages["max_length"] = _("This is too long: at most %(limit_value)d characters.")


class EvidenceFilesMixin(forms.Form):
    """Reads and checks each uploaded file; keeps the good ones even when one is refused."""

    files = MultipleFileField(
        label=_("Chat exports or screenshots of the conversation"), required=False,
        help_text=_("Chat exports (.txt, .json, .csv, WhatsApp .zip) or screenshots (PNG, JPEG, WebP). "
                    "Up to 10 files."),
    )

    def __init__(self, *args: Any, oversize: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accepted_files: list[tuple[bytes, str]] = []
        #: Names of files the upload handler dropped for being over the size bound.
        self.oversize = list(oversize or [])
        friendly_messages(self)

    def clean_files(self) -> list[tuple[bytes, str]]:
        uploads: list[UploadedFile] = self.cleaned_data.get("files") or []
        if len(uploads) > MAX_FILES:
            raise ValidationError(_("Send at most %(n)d files at a time."), params={"n": MAX_FILES})
        errors: list[ValidationError] = [
            ValidationError("%(name)s: %(reason)s", params={"name": name[:100], "reason": too_large().message})
            for name in self.oversize
        ]
        for upload in uploads:
            name = upload.name or "file"
            try:
                if upload.size is not None and upload.size > settings.HOTLINE_MAX_UPLOAD_BYTES:
                    raise too_large()
                data = upload.read(settings.HOTLINE_MAX_UPLOAD_BYTES + 1)
                check_evidence(data)
            except EvidenceRejected as exc:
                errors.append(ValidationError("%(name)s: %(reason)s",
                                              params={"name": name[:100], "reason": exc.message}))
                continue
            self.accepted_files.append((data, name))
        if errors:
            raise ValidationError(errors)
        return self.accepted_files


class ReportForm(EvidenceFilesMixin):
    """A new report. Order on the page: links first, then what happened, evidence, offender, victim,
    contact. Only category and platform are required, plus at least one link, description or file."""

    urls = forms.CharField(
        label=_("Links to the content or the account"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "url", "autocomplete": "off",
                                     "placeholder": "https://"}),
        help_text=_("One link per line."),
    )
    category = forms.ChoiceField(label=_("What happened?"),
                                 choices=[("", _("Choose one")), *Category.choices])
    platform = forms.ChoiceField(label=_("Where did it happen?"),
                                 choices=[("", _("Choose one")), *Platform.choices])
    description = forms.CharField(
        label=_("Tell us what happened"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    offender_name = forms.CharField(label=_("The other person's account name"), required=False,
                                    max_length=200)
    offender_profile_url = forms.CharField(label=_("Link to their profile"), required=False,
                                           max_length=2000, widget=forms.TextInput(attrs={"inputmode": "url"}))
    offender_claimed_age = forms.IntegerField(label=_("The age they claimed"), required=False,
                                              min_value=0, max_value=120)
    offender_nationality = NationalityField(label=_("Their nationality, if you know it"), required=False,
                                            choices=nationality.choices, initial=nationality.UNKNOWN,
                                            widget=PlainSelect)
    reporter_type = forms.ChoiceField(label=_("Who are you reporting for?"), choices=ReporterType.choices,
                                      initial=ReporterType.SELF, widget=forms.RadioSelect)
    victim_age_band = forms.ChoiceField(label=_("How old is the person who was harmed?"),
                                        choices=AgeBand.choices, initial=AgeBand.UNKNOWN,
                                        widget=forms.RadioSelect)
    contact = forms.CharField(
        label=_("How can we contact you? (optional)"), required=False, max_length=200,
        help_text=_("Leave this empty to stay anonymous. You can follow your report with its code and PIN."),
    )
    #: Honeypot: hidden from people; a bot that fills every field fills this one too.
    homepage = forms.CharField(label=_("Leave this field empty"), required=False,
                               widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    field_order = (
        "urls", "category", "platform", "description", "files", "offender_name", "offender_profile_url",
        "offender_claimed_age", "offender_nationality", "reporter_type", "victim_age_band", "contact",
        "homepage",
    )

    def __init__(self, *args: Any, has_stashed_evidence: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_stashed_evidence = has_stashed_evidence

    def clean_urls(self) -> list[str]:
        lines = [line for line in self.cleaned_data.get("urls", "").splitlines() if line.strip()]
        if len(lines) > MAX_URLS:
            raise ValidationError(_("Give at most %(n)d links."), params={"n": MAX_URLS})
        urls, errors = [], []
        for line in lines:
            try:
                urls.append(normalize_url(line))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return urls

    def clean_offender_profile_url(self) -> str:
        raw = self.cleaned_data.get("offender_profile_url", "")
        return normalize_url(raw) if raw.strip() else ""

    def clean_homepage(self) -> str:
        if self.cleaned_data.get("homepage"):
            raise ValidationError(_("Leave this field empty."))
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        nothing = not (data.get("urls") or (data.get("description") or "").strip() or self.accepted_files
                       or self.has_stashed_evidence or self.errors.get("files") or self.errors.get("urls"))
        if nothing:
            raise ValidationError(_("Give at least one link, a description of what happened, or a file."),
                                  code="empty")
        return data


class StatusLookupForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        friendly_messages(self)

    code = forms.CharField(label=_("Tracking code"), max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false"}),
                           help_text=_("%(n)d letters and numbers") % {"n": CODE_LENGTH})
    pin = forms.CharField(label=_("PIN"), max_length=32,
                          widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class AddInformationForm(EvidenceFilesMixin):
    text = forms.CharField(label=_("More information"), required=False, max_length=10_000,
                           widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ("text", "files")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("text") or "").strip() and not self.accepted_files and not self.errors.get("files"):
            raise ValidationError(_("Write something or choose a file to add."), code="empty")
        return data

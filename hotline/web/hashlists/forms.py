"""Forms of the protect pages. The photo itself is never a form field: only its hash is."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.detect.media.hashes import PdqHash


class ProtectForm(forms.Form):
    pdq = forms.RegexField(
        regex=r"^[0-9a-fA-F]{64}$", widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a photo first: its fingerprint is made on your device."),
            "invalid": _("The photo's fingerprint is not valid. Please choose the photo again."),
        },
    )
    quality = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=100,
        error_messages={"required": _("Choose a photo first: its fingerprint is made on your device.")},
    )
    consent = forms.BooleanField(
        label=_("I am the person in this photo (or the parent or carer of the child in it), and I want it blocked."),
        error_messages={"required": _("Please confirm that this is your photo.")},
    )

    def clean_pdq(self) -> str:
        return str(self.cleaned_data["pdq"]).lower()

    def clean_quality(self) -> int:
        quality = int(self.cleaned_data["quality"])
        if not PdqHash.usable(quality):
            raise forms.ValidationError(
                _("This photo is too plain (for example all one colour) to be recognised by its fingerprint.")
            )
        return quality


#: Django's own wording for these has no Khmer translation; ours does.
_TEXT_ERRORS = {
    "required": _("Please fill in this field."),
    "max_length": _("This is too long: at most %(limit_value)d characters."),
    "null_characters_not_allowed": _("Null characters are not allowed."),
}


class WithdrawForm(forms.Form):
    case_number = forms.CharField(label=_("Case number"), max_length=32, error_messages=_TEXT_ERRORS)
    pin = forms.CharField(label=_("PIN"), max_length=16, widget=forms.PasswordInput(render_value=False),
                          error_messages=_TEXT_ERRORS)

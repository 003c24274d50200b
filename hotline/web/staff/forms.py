"""Forms of the staff sign-in, enrolment and account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app, or a backup code"), max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}))


class EnrolForm(forms.Form):
    """A new password (Django's validators) and a first code from the new authenticator entry."""

    password1 = forms.CharField(label=_("Choose a password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("At least 12 characters; not a common password, not only digits."))
    password2 = forms.CharField(label=_("The same password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class NewAccountForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150, validators=[
        RegexValidator(r"^[\w.@+-]+\Z", _("Letters, digits and . @ + - _ only."))])
    role = forms.ChoiceField(label=_("Role"), choices=[("analyst", _("Analyst")), ("supervisor", _("Supervisor"))])

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return name

"""The checkers' forms. Labels and messages are translated; files are checked by the engine, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

#: Pasted text bounds: a long chat fits, a pasted novel does not.
MAX_PASTED_CHARS = 200_000
MAX_POST_CHARS = 10_000


class _ManyFilesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScreenshotsField(forms.FileField):
    """Several files in one field (Django's documented pattern): a list, empty when none were chosen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _ManyFilesInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data if d]
        return [one(data, initial)] if data else []


class ChatForm(forms.Form):
    """A chat export file, screenshots of the chat, or the chat pasted as text: one of the three."""

    file = forms.FileField(
        label=_("Chat export file"), required=False,
        help_text=_("A .txt, .json, .html or .zip export from WhatsApp, Telegram, Messenger, LINE or another app."),
    )
    screenshots = ScreenshotsField(
        label=_("Or screenshots of the chat"), required=False,
        help_text=_("One or several pictures of the chat, in the order you took them (PNG, JPEG, WebP or HEIC)."),
    )
    text = forms.CharField(
        label=_("Or paste the chat here"), required=False, max_length=MAX_PASTED_CHARS, strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        error_messages={"max_length": _("This text is too long: paste at most %(limit_value)d characters.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (not data.get("file") and not data.get("screenshots") and not (data.get("text") or "").strip()
                and not self.errors):
            raise forms.ValidationError(
                _("Choose a chat export file or paste the chat, then press Check."), code="empty",
            )
        return data


class PostForm(forms.Form):
    text = forms.CharField(
        label=_("Your draft post"), max_length=MAX_POST_CHARS, strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Nothing you type here is saved."),
        error_messages={
            "required": _("Write or paste the post you want to check."),
            "max_length": _("This text is too long: paste at most %(limit_value)d characters."),
        },
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG, WebP or HEIC. The photo is checked in memory and never saved."),
        error_messages={"required": _("Choose a photo first.")},
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

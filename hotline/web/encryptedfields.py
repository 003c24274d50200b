"""A model field for free text about a person: stored as a Fernet token (the evidence cipher), read
back as text. The database, its backups and its write-ahead log hold only ciphertext.

Such a field cannot be searched or indexed; duplicates are found through keyed hashes instead
(`hotline.web.keys.keyed_hash`, used by the case-work app's linking). A value that is not a token yet
(a row written before the field was encrypted) is read as it is, so that the migration that encrypts
existing rows can run while the site serves.
"""

from __future__ import annotations

from typing import Any

from django.core import validators
from django.db import models

from . import encryption

#: Every Fernet token starts with these characters (version byte 0x80, base64).
TOKEN_PREFIX = "gAAAAA"


def encrypt_text(value: str) -> str:
    return encryption.encrypt(value.encode()).decode("ascii")


def decrypt_text(value: str) -> str:
    if not value.startswith(TOKEN_PREFIX):
        return value
    return encryption.decrypt(value.encode("ascii")).decode()


def is_encrypted(value: str | None) -> bool:
    return not value or value.startswith(TOKEN_PREFIX)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted at rest. `max_length` bounds the clear text (checked by full_clean); `url=True`
    validates the clear text as an http(s) link."""

    def __init__(self, *args: Any, url: bool = False, **kwargs: Any) -> None:
        self.url = url
        super().__init__(*args, **kwargs)
        if self.max_length:
            self.validators.append(validators.MaxLengthValidator(self.max_length))
        if url:
            self.validators.append(validators.URLValidator(schemes=["http", "https"]))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.url:
            kwargs["url"] = True
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt_text(str(value))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))

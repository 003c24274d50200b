"""Re-encryption after a key rotation: every encrypted field of every model, and every evidence file.

Fields are found, not listed: each `EncryptedTextField`, and each binary field whose name ends in
`_encrypted` (evidence names and analyses, staff second-factor secrets). A text field is rewritten
through the model (decrypted on read, encrypted with the newest key on write); a binary field and a
file are passed through `MultiFernet.rotate`. Rows are rewritten one by one, so the site keeps serving.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from . import keys
from .encryptedfields import EncryptedTextField

BATCH = 500


def encrypted_fields() -> list[tuple[type[models.Model], models.Field[object, object]]]:
    out = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField) or (
                    isinstance(field, models.BinaryField) and field.name.endswith("_encrypted")):
                out.append((model, field))
    return out


def _rotate_field(model: type[models.Model], field: models.Field[object, object]) -> int:
    done, last = 0, None
    fernet = keys.multifernet()
    while True:
        rows = model._default_manager.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.values_list("pk", field.attname)[:BATCH])
        if not batch:
            return done
        for pk, value in batch:
            last = pk
            if not value:
                continue
            if isinstance(field, EncryptedTextField):
                new: object = value  # decrypted on read; encrypted with the newest key on write
            else:
                new = fernet.rotate(bytes(value))
            model._default_manager.filter(pk=pk).update(**{field.attname: new})
            done += 1


def rotate_file(path: Path) -> None:
    """Re-encrypt one file with the newest key: temporary file, fsync, rename."""
    token = keys.multifernet().rotate(path.read_bytes())
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(token)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def rotate_everything() -> dict[str, int]:
    """Re-encrypt every encrypted field and evidence file with the newest key; counts by kind."""
    counts: dict[str, int] = {}
    for model, field in encrypted_fields():
        counts[f"{model._meta.label}.{field.name}"] = _rotate_field(model, field)
    folder = Path(settings.HOTLINE_EVIDENCE_DIR)
    files = 0
    if folder.is_dir():
        for path in sorted(folder.rglob("*.bin")):
            try:
                rotate_file(path)
            except FileNotFoundError:  # a stashed file pruned meanwhile
                continue
            files += 1
    counts["evidence files"] = files
    return counts

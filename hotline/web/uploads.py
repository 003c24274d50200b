"""Uploads kept in memory, never in a temporary file: evidence must not touch the disk unencrypted.

Django spools uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to /tmp in clear; this handler keeps each file in
memory up to the evidence bound and drops a larger one (remembering its name so the form can say so).
It must be installed before the request body is read, and the CSRF check reads the body: views that take
uploads are wrapped once by `bounded_upload_view` (csrf-exempt outside, handler installed, csrf-protect
inside), and receive the handler to tell the person which file was too large.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from hotline.detect.chats.archive import ZipLimits

#: Zips opened for the site (checkers, report analysis, the API) get tighter bounds than the command line's
#: defaults (5,000 members, 1 GiB declared, 256 MiB read, 150:1): a visitor's upload is never trusted.
WEB_ZIP_LIMITS = ZipLimits(max_members=1_000, max_total_bytes=256 << 20, max_member_bytes=64 << 20,
                           max_ratio=100.0)


class BoundedMemoryUpload(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = int(limit if limit is not None else settings.HOTLINE_MAX_UPLOAD_BYTES)
        self.too_big: list[str] = []
        self._buffer = io.BytesIO()
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._buffer, self._size = io.BytesIO(), 0
        if self.content_length is not None and self.content_length > self.limit:
            self.too_big.append(self.file_name or "file")
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._size += len(raw_data)
        if self._size > self.limit:
            self.too_big.append(self.file_name or "file")
            self._buffer = io.BytesIO()
            raise SkipFile
        self._buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self._buffer.seek(0)
        return InMemoryUploadedFile(
            file=self._buffer, field_name=self.field_name, name=self.file_name,
            content_type=self.content_type, size=file_size, charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def bound_uploads(request: HttpRequest) -> BoundedMemoryUpload:
    """Replace the request's upload handlers by one bounded in-memory handler; returns it."""
    handler = BoundedMemoryUpload(request)
    request.upload_handlers = [handler]
    return handler


UploadView = Callable[..., HttpResponseBase]


def bounded_upload_view(view: UploadView) -> UploadView:
    """Wrap a view that takes uploads: `view(request, uploads, *args, **kwargs)` gets the bounded handler.

    CSRF is still checked (inside, once the handler is in place): only the order changes.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return protected(request, bound_uploads(request), *args, **kwargs)

    return csrf_exempt(wrapped)

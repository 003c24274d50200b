"""Uploads that stay in memory: the checkers promise not to store what a visitor sends them.

Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file on disk; this handler keeps
every upload in memory instead, up to a bound, and skips (while flagging) a file that is larger.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class BoundedMemoryUpload(FileUploadHandler):
    """Collects each file in memory; a file over `limit` bytes is dropped and `too_big` is set."""

    def __init__(self, request: Any, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_big = False
        self._buffer = io.BytesIO()
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._buffer = io.BytesIO()
        self._size = 0
        if self.content_length is not None and self.content_length > self.limit:
            self.too_big = True
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._size += len(raw_data)
        if self._size > self.limit:
            self.too_big = True
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

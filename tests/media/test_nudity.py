"""The optional nudity warning: without the `hotline[nudity]` extra it says "not checked" (None), never
"safe"; with it, a generated picture of shapes is not flagged."""

from __future__ import annotations

import importlib.util

import pytest

from hotline.detect.errors import ImageRejected
from hotline.detect.media import check_photo, nudity_warning
from hotline.detect.media.nudity import nudity_available
from tests.media.pictures import encode, picture

INSTALLED = importlib.util.find_spec("nudenet") is not None


def test_availability_is_reported_honestly() -> None:
    assert nudity_available() is INSTALLED


@pytest.mark.skipif(INSTALLED, reason="the nudity extra is installed")
def test_without_the_extra_the_answer_is_none() -> None:
    data = encode(picture(5), "JPEG")
    assert nudity_warning(data) is None
    result = check_photo(data)
    assert result.nudity is None
    assert "nudity" not in [w.code for w in result.warnings]


@pytest.mark.skipif(not INSTALLED, reason="the nudity extra (NudeNet) is not installed")
def test_with_the_extra_shapes_are_not_flagged() -> None:
    assert nudity_warning(encode(picture(5), "JPEG")) is False
    with pytest.raises(ImageRejected):
        nudity_warning(b"not an image")

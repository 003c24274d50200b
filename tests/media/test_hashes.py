"""PDQ: robust to resizing, re-compression and slight crops; far apart for different pictures; None
for flat pictures; MD5 and SHA-256 exact."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from hotline.detect.errors import ImageRejected, InputError
from hotline.detect.media import PdqHash, hash_image, pdq_dihedral
from tests.media.pictures import encode, picture

ORIGINAL = picture(11, (1024, 768))


def _pdq(img: Image.Image, fmt: str = "PNG", **params: object) -> str:
    hashes = hash_image(encode(img, fmt, **params))
    assert hashes.pdq is not None
    return hashes.pdq


def _crop(img: Image.Image, fraction: float) -> Image.Image:
    w, h = img.size
    dx, dy = int(w * fraction), int(h * fraction)
    return img.crop((dx, dy, w - dx, h - dy))


VARIANTS = [
    pytest.param(lambda im: im.resize((512, 384)), {}, id="half-size"),
    pytest.param(lambda im: im.resize((300, 225)), {}, id="thumbnail"),
    pytest.param(lambda im: im, {"fmt": "JPEG", "quality": 40}, id="jpeg-q40"),
    pytest.param(lambda im: im.resize((800, 600)), {"fmt": "JPEG", "quality": 70}, id="resized-jpeg-q70"),
    # PDQ is sensitive to crops (measured: 1% off each side ~ 20 bits, 2% ~ 40 bits): "slightly" is 1%.
    pytest.param(lambda im: _crop(im, 0.01), {}, id="crop-1pc-each-side"),
    pytest.param(lambda im: _crop(im, 0.005), {"fmt": "JPEG", "quality": 85}, id="crop-half-pc-jpeg"),
    pytest.param(lambda im: im.convert("L").convert("RGB"), {}, id="greyscale"),
]


@pytest.mark.parametrize(("change", "params"), VARIANTS)
def test_similar_pictures_stay_within_threshold(change: Callable[[Image.Image], Image.Image],
                                                 params: dict[str, object]) -> None:
    original = _pdq(ORIGINAL)
    changed = _pdq(change(ORIGINAL), **params)
    assert PdqHash.distance(original, changed) <= PdqHash.MATCH_THRESHOLD


@pytest.mark.parametrize("seed", [12, 13, 14, 15])
def test_different_pictures_are_far_apart(seed: int) -> None:
    assert PdqHash.distance(_pdq(ORIGINAL), _pdq(picture(seed, (1024, 768)))) > 80


def test_draft_decoding_is_close_to_full_decoding() -> None:
    data = encode(ORIGINAL.resize((1280, 960)), "JPEG", quality=90)
    fast, slow = hash_image(data), hash_image(data, draft=False)
    assert fast.pdq and slow.pdq
    assert PdqHash.distance(fast.pdq, slow.pdq) <= 8


@pytest.mark.parametrize(
    "img",
    [
        pytest.param(Image.new("RGB", (400, 300), (120, 130, 140)), id="flat"),
        pytest.param(Image.new("RGB", (400, 300), "black"), id="black"),
        pytest.param(Image.linear_gradient("L").convert("RGB"), id="smooth-gradient"),
    ],
)
def test_low_quality_pictures_have_no_pdq(img: Image.Image) -> None:
    hashes = hash_image(encode(img, "PNG"))
    assert hashes.pdq is None  # the sentinel is None, never ""
    assert hashes.quality < PdqHash.MIN_QUALITY
    assert len(hashes.sha256) == 64  # exact hashes are still given


def test_exact_hashes_and_hex_form() -> None:
    data = encode(ORIGINAL, "JPEG")
    hashes = hash_image(data)
    assert hashes.md5 == hashlib.md5(data).hexdigest()
    assert hashes.sha256 == hashlib.sha256(data).hexdigest()
    assert hashes.pdq is not None and len(hashes.pdq) == 64 and hashes.pdq == hashes.pdq.lower()
    assert bin(int(hashes.pdq, 16)).count("1") == 128  # half the bits: above/below the median
    assert hashes.to_dict().keys() == {"pdq", "quality", "md5", "sha256"}


def test_hex_matches_the_reference_bit_order() -> None:
    """Reference (C++ Hash256::toString): bit k = 16 i + j of the DCT is bit k of the number."""
    import pdqhash

    rgb = np.asarray(ORIGINAL)
    dct, _ = pdqhash.compute_float(rgb)  # the binding returns it reversed: dct[255 - k]
    values = dct[::-1]
    median = np.sort(values)[127]
    number = sum(1 << k for k in range(256) if values[k] > median)
    assert PdqHash.from_pixels(rgb)[0] == f"{number:064x}"


def test_rotations_and_flips() -> None:
    data = encode(ORIGINAL, "PNG")
    variants = pdq_dihedral(data)
    assert variants is not None and list(variants) == list(PdqHash.DIHEDRAL)
    rotated = _pdq(ORIGINAL.transpose(Image.Transpose.ROTATE_90))
    assert PdqHash.distance(variants["original"], rotated) > 80  # a turn defeats plain PDQ...
    assert min(PdqHash.distance(v, rotated) for v in variants.values()) <= PdqHash.MATCH_THRESHOLD  # ...not 8
    mirrored = _pdq(ORIGINAL.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert min(PdqHash.distance(v, mirrored) for v in variants.values()) <= PdqHash.MATCH_THRESHOLD
    assert pdq_dihedral(encode(Image.new("RGB", (100, 100)), "PNG")) is None


def test_transparent_areas_hash_as_white() -> None:
    rgba = Image.new("RGBA", ORIGINAL.size, (0, 0, 0, 0))  # transparent black
    rgba.paste(ORIGINAL.crop((0, 0, 512, 768)), (0, 0))
    on_white = Image.new("RGB", rgba.size, "white")
    on_white.paste(ORIGINAL.crop((0, 0, 512, 768)), (0, 0))
    assert PdqHash.distance(_pdq(rgba), _pdq(on_white)) <= 4


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("a" * 64, True),
        ("A" * 64, True),
        ("  " + "0f" * 32 + "\n", True),
        ("a" * 63, False),
        ("a" * 65, False),
        ("g" * 64, False),
        ("", False),
    ],
)
def test_validate_pdq(value: str, ok: bool) -> None:
    if ok:
        assert PdqHash.validate(value) == value.strip().lower()
    else:
        with pytest.raises(InputError, match="64 hexadecimal"):
            PdqHash.validate(value)


def test_non_image_is_rejected() -> None:
    with pytest.raises(ImageRejected):
        hash_image(b"GIF89a not really")

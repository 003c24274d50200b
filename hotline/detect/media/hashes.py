"""Hashes of images: PDQ (perceptual) beside MD5 and SHA-256 (exact).

One class per hash type, as in python-threatexchange's signal types: each knows its name, how to
validate a hash written by someone else, and how to compute one. PDQ's match threshold and minimum
quality are defined here once (`PdqHash.MATCH_THRESHOLD`, `PdqHash.MIN_QUALITY`); a PDQ hash whose
quality is too low is `None`, never an empty string, so it cannot be stored or matched by mistake.

PDQ hex follows the reference implementation (ThreatExchange's C++ `Hash256::toString`): 64 hex digits,
most significant bit first. Speed: a JPEG is decoded at reduced size with Pillow's `draft()` (the DCT
scaling in libjpeg), so a 1-megapixel photo is hashed from about 580x430 pixels: several times faster
and a few bits from hashing every pixel (PDQ downsamples to 64x64 anyway; `draft=False` decodes all).
Pictures are hashed upright (EXIF orientation applied), as a person and a browser see them.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pdqhash
from PIL import Image, ImageOps

from hotline.detect.errors import InputError
from hotline.detect.media.decoding import decoding_errors, load_image, open_image

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class PdqHash:
    """PDQ: a 256-bit perceptual hash; similar pictures differ in few bits."""

    name: ClassVar[str] = "pdq"
    BITS: ClassVar[int] = 256
    #: A match is a Hamming distance at most this (ThreatExchange's recommendation); lists may override.
    MATCH_THRESHOLD: ClassVar[int] = 31
    #: Below this quality (0-100) a hash describes a flat or featureless picture and matches too much.
    MIN_QUALITY: ClassVar[int] = 50
    #: Pictures are hashed from about this many pixels on their longer side (see module docstring).
    DECODE_SIZE: ClassVar[int] = 512
    #: The order of `dihedral` results, as in the reference implementation.
    DIHEDRAL: ClassVar[tuple[str, ...]] = (
        "original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1",
    )

    @staticmethod
    def validate(value: str, *, where: str | None = None) -> str:
        """The hash in canonical form (lower-case hex), or InputError saying what is wrong."""
        text = value.strip().lower() if isinstance(value, str) else ""
        if not _HEX64.match(text):
            raise InputError(
                f"not a PDQ hash: expected 64 hexadecimal digits, got {len(text)} characters", where=where
            )
        return text

    @staticmethod
    def distance(a: str, b: str) -> int:
        """Hamming distance between two hex PDQ hashes."""
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    def to_bytes(cls, value: str) -> bytes:
        return bytes.fromhex(cls.validate(value))

    @staticmethod
    def _bits_to_hex(bits: np.ndarray) -> str:
        return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()

    @classmethod
    def from_pixels(cls, rgb: np.ndarray) -> tuple[str, int]:
        """Hash of an RGB uint8 array (height, width, 3) and its quality, whatever the quality."""
        bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
        return cls._bits_to_hex(bits), int(quality)

    @classmethod
    def dihedral_from_pixels(cls, rgb: np.ndarray) -> tuple[tuple[str, ...], int]:
        """The hashes of the 8 rotations and flips (order: `DIHEDRAL`) and the quality."""
        vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb, dtype=np.uint8))
        return tuple(cls._bits_to_hex(v) for v in vectors), int(quality)

    @classmethod
    def usable(cls, quality: int) -> bool:
        return quality >= cls.MIN_QUALITY


class Md5Hash:
    """MD5 of the file's bytes: what many hash lists (and police systems) still exchange."""

    name: ClassVar[str] = "md5"
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^[0-9a-f]{32}$")

    @staticmethod
    def compute(data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

    @classmethod
    def validate(cls, value: str, *, where: str | None = None) -> str:
        text = value.strip().lower()
        if not cls._PATTERN.match(text):
            raise InputError("not an MD5 hash: expected 32 hexadecimal digits", where=where)
        return text


class Sha256Hash:
    """SHA-256 of the file's bytes: exact identity of an evidence file."""

    name: ClassVar[str] = "sha256"
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^[0-9a-f]{64}$")

    @staticmethod
    def compute(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def validate(cls, value: str, *, where: str | None = None) -> str:
        text = value.strip().lower()
        if not cls._PATTERN.match(text):
            raise InputError("not a SHA-256 hash: expected 64 hexadecimal digits", where=where)
        return text


@dataclass(frozen=True)
class ImageHashes:
    """All hashes of one image. `pdq` is None when the picture's quality is below PdqHash.MIN_QUALITY."""

    pdq: str | None
    quality: int
    md5: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"pdq": self.pdq, "quality": self.quality, "md5": self.md5, "sha256": self.sha256}


def _reduced_size(size: tuple[int, int]) -> tuple[int, int]:
    """The smallest size, same aspect, whose longer side is still DECODE_SIZE (never larger than size)."""
    width, height = size
    longest = max(width, height)
    if longest <= PdqHash.DECODE_SIZE:
        return size
    scale = PdqHash.DECODE_SIZE / longest
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def decode_for_pdq(data: bytes, *, draft: bool = True) -> np.ndarray:
    """Decode an image to upright RGB pixels for PDQ, at reduced size where that is cheap.

    With `draft`, the longer side is brought down to between DECODE_SIZE and twice that: JPEGs by
    libjpeg's DCT scaling while decoding (1/2, 1/4, 1/8), other formats by an integer box reduction.
    """
    img = open_image(data)
    with decoding_errors():
        if draft and img.format in ("JPEG", "MPO"):
            img.draft("RGB", _reduced_size(img.size))
        load_image(img)
        factor = max(img.size) // PdqHash.DECODE_SIZE
        if draft and factor >= 2:
            img = img.reduce(factor)
        upright = ImageOps.exif_transpose(img) or img
        if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
            # Transparent areas are hashed as white, as a browser shows them on a white page.
            rgba = upright.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            upright = Image.alpha_composite(background, rgba)
        rgb = np.asarray(upright.convert("RGB"))
    return rgb


def hash_image(data: bytes, *, draft: bool = True) -> ImageHashes:
    """PDQ (with quality), MD5 and SHA-256 of an image file. Raises ImageRejected for bad files."""
    pdq, quality = PdqHash.from_pixels(decode_for_pdq(data, draft=draft))
    return ImageHashes(
        pdq=pdq if PdqHash.usable(quality) else None,
        quality=quality,
        md5=Md5Hash.compute(data),
        sha256=Sha256Hash.compute(data),
    )


def pdq_dihedral(data: bytes, *, draft: bool = True) -> dict[str, str] | None:
    """PDQ of the picture turned and flipped 8 ways ({"original": hex, "rotate90": hex, ...}), or None
    when its quality is too low. A 90° turn changes PDQ by ~118 bits, so matching a list against all
    eight catches re-posted copies that were rotated or mirrored."""
    hashes, quality = PdqHash.dihedral_from_pixels(decode_for_pdq(data, draft=draft))
    if not PdqHash.usable(quality):
        return None
    return dict(zip(PdqHash.DIHEDRAL, hashes, strict=True))

"""Images: metadata (GPS, camera, owner) read and stripped; PDQ, MD5 and SHA-256 hashes; hash lists and
an index that matches a PDQ hash against a million in about a millisecond; an optional nudity warning.

A library like the rest of `hotline.detect`: bytes in, dataclasses out, no Django, no network.
Untrusted files are opened only through `decoding.open_image`, which bounds pixels and bytes and turns
every decoder failure into `ImageRejected`.
"""

from __future__ import annotations

from hotline.detect.media.decoding import MAX_PIXELS, image_format
from hotline.detect.media.hashes import ImageHashes, Md5Hash, PdqHash, Sha256Hash, hash_image, pdq_dihedral
from hotline.detect.media.hashlist import (
    HashList,
    HashListEntry,
    HashListMatch,
    HashListStore,
    parse_csv,
    parse_file,
    parse_json,
    to_csv,
    to_json,
)
from hotline.detect.media.index import FaissPdqIndex, IndexHit, NumpyPdqIndex, PdqIndex
from hotline.detect.media.metadata import (
    PhotoCheck,
    PhotoMetadata,
    PhotoWarning,
    check_photo,
    read_metadata,
    strip_metadata,
)
from hotline.detect.media.nudity import nudity_warning

__all__ = [
    "MAX_PIXELS",
    "FaissPdqIndex",
    "HashList",
    "HashListEntry",
    "HashListMatch",
    "HashListStore",
    "ImageHashes",
    "IndexHit",
    "Md5Hash",
    "NumpyPdqIndex",
    "PdqHash",
    "PdqIndex",
    "PhotoCheck",
    "PhotoMetadata",
    "PhotoWarning",
    "Sha256Hash",
    "check_photo",
    "hash_image",
    "image_format",
    "nudity_warning",
    "parse_csv",
    "parse_file",
    "parse_json",
    "pdq_dihedral",
    "read_metadata",
    "strip_metadata",
    "to_csv",
    "to_json",
]

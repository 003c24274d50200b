"""`hotline check-photo PHOTO [--strip OUT] [--json]`: what a photo gives away, and a clean copy.

The same code as the site's photo checker (`hotline.detect.media.check_photo`): GPS position with a
map link, capture time, camera, owner's name; `--strip OUT` writes the picture without any of it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hotline.detect.errors import InputError
from hotline.detect.media import check_photo, image_format, strip_metadata
from hotline.detect.media.decoding import EXTENSIONS, MAX_BYTES


def read_input_file(path: str) -> bytes:
    """The file's bytes, refusing directories, missing files and files over the size bound."""
    file = Path(path)
    if path == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        if not file.is_file():
            raise InputError(f"no such file: {path}")
        if file.stat().st_size > MAX_BYTES:
            raise InputError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = file.read_bytes()
    if len(data) > MAX_BYTES:
        raise InputError(f"the input is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "check-photo",
        help="show the GPS position, camera and names hidden in a photo; --strip writes a clean copy",
        description="Read a photo's metadata (JPEG, PNG, WebP, HEIC) and warn about what it gives away.",
    )
    parser.add_argument("photo", help="the photo file ('-' for standard input)")
    parser.add_argument("--strip", metavar="OUT", help="write the picture without metadata to OUT (HEIC becomes JPEG)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-nudity", action="store_true", help="skip the optional nudity check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data = read_input_file(args.photo)
    result = check_photo(data, check_nudity=not args.no_nudity)
    out: dict[str, Any] = result.to_dict()
    if args.strip:
        clean = strip_metadata(data)
        target = Path(args.strip)
        fmt = image_format(clean)
        if target.suffix.lower() not in (EXTENSIONS.get(fmt, ""), ".jpeg" if fmt == "JPEG" else ""):
            print(f"note: the clean copy is {fmt}; consider the extension {EXTENSIONS.get(fmt, '')}", file=sys.stderr)
        target.write_bytes(clean)
        out["stripped"] = {"file": str(target), "format": fmt, "bytes": len(clean)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    meta = result.metadata
    print(f"{args.photo}: {meta.format} {meta.width}x{meta.height}")
    if meta.gps:
        print(f"  GPS position: {meta.gps[0]:.6f}, {meta.gps[1]:.6f}  {meta.map_link}")
    for label, value in (
        ("taken", meta.capture_time), ("camera", " ".join(v for v in (meta.camera_make, meta.camera_model) if v)),
        ("owner", meta.owner), ("artist", meta.artist), ("software", meta.software),
        ("serial number", meta.serial_number),
    ):
        if value:
            print(f"  {label}: {value}")
    for key, value in meta.text.items():
        print(f"  {key}: {value}")
    if not result.warnings:
        print("  no personal metadata found")
    for warning in result.warnings:
        print(f"  warning [{warning.code}]: {warning.en}")
    if args.strip:
        print(f"clean copy written to {args.strip} ({out['stripped']['format']}, {len(clean)} bytes)")
    return 0

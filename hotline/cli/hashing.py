"""`hotline hash`, `hotline match` and `hotline hashlist import|export|add|list`.

Hash lists live as files under `$HOTLINE_DATA_DIR/hashlists/` (default ./var/hashlists): one JSON file
per list and its persisted FAISS index beside it, so matching works without the web app.
`hotline match` exits 0 when something matched, 1 when nothing did (like grep), 2 on errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from hotline.cli.check_photo import read_input_file
from hotline.detect.errors import ImageRejected, InputError
from hotline.detect.media import HashListStore, PdqHash, hash_image, parse_file, pdq_dihedral, to_csv, to_json
from hotline.detect.media.hashlist import HashListEntry, HashListMatch, make_entry

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def hashlist_dir() -> Path:
    return Path(os.environ.get("HOTLINE_DATA_DIR", "var")) / "hashlists"


def _store() -> HashListStore:
    return HashListStore(hashlist_dir())


def register(sub: Any) -> None:
    p = sub.add_parser("hash", help="PDQ (with quality), MD5 and SHA-256 of images",
                       description="Print the PDQ hash, its quality, MD5 and SHA-256 of each image.")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--full-decode", action="store_true", help="decode every pixel (slower; default decodes JPEGs at 512 px)")
    p.set_defaults(func=run_hash)

    p = sub.add_parser("match", help="match an image or a PDQ hash against the hash lists",
                       description="Find hash-list entries within each list's threshold "
                                   f"(default {PdqHash.MATCH_THRESHOLD} bits).")
    p.add_argument("target", metavar="IMAGE|HASH", help="an image file or a 64-digit hex PDQ hash")
    p.add_argument("--list", dest="lists", action="append", metavar="NAME", help="only this list (repeatable)")
    p.add_argument("--rotations", action="store_true", help="also match the image rotated and mirrored")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=run_match)

    p = sub.add_parser("hashlist", help="import, export and add to hash lists",
                       description=f"Hash lists are stored under $HOTLINE_DATA_DIR/hashlists (now {hashlist_dir()}).")
    hsub = p.add_subparsers(dest="hashlist_command", metavar="ACTION")
    hsub.required = True
    q = hsub.add_parser("import", help="import a CSV or JSON file of PDQ hashes into a list")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--name", required=True, help="the list to import into (created if new)")
    q.add_argument("--source", help="who gave us the list (used for rows without a source)")
    q.add_argument("--threshold", type=int, help=f"match threshold in bits (default {PdqHash.MATCH_THRESHOLD})")
    q.add_argument("--format", choices=("csv", "json"), help="default: from the file name or content")
    q.set_defaults(func=run_import)
    q = hsub.add_parser("export", help="print a list as CSV or JSON")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--format", choices=("csv", "json"), default="csv")
    q.set_defaults(func=run_export)
    q = hsub.add_parser("add", help="add the hash of an image (or a hex hash) to a list")
    q.add_argument("name", metavar="NAME")
    q.add_argument("target", metavar="IMAGE|HASH")
    q.add_argument("--label", required=True)
    q.add_argument("--source", default="")
    q.set_defaults(func=run_add)
    q = hsub.add_parser("list", help="show the stored lists")
    q.set_defaults(func=run_list)


def run_hash(args: argparse.Namespace) -> int:
    status = 0
    for path in args.images:
        try:
            hashes = hash_image(read_input_file(path), draft=not args.full_decode)
        except InputError as exc:
            # One bad file does not stop the others; the exit status says something failed.
            print(f"hotline hash: {path}: error: {exc}", file=sys.stderr)
            status = 2
            continue
        if args.json:
            print(json.dumps({"file": path, **hashes.to_dict()}))
        else:
            pdq = hashes.pdq or f"(quality {hashes.quality} < {PdqHash.MIN_QUALITY}: too low to match)"
            print(f"{path}\n  pdq     {pdq}\n  quality {hashes.quality}\n  md5     {hashes.md5}\n  sha256  {hashes.sha256}")
    return status


def _query_hashes(target: str, rotations: bool) -> dict[str, str]:
    """{variant: hex} for a hex hash argument or an image file."""
    if _HEX64.match(target) and not Path(target).exists():
        return {"original": PdqHash.validate(target)}
    data = read_input_file(target)
    if rotations:
        variants = pdq_dihedral(data)
        if variants is None:
            raise ImageRejected(f"{target}: the picture's quality is below {PdqHash.MIN_QUALITY}; it is not matched")
        return variants
    hashes = hash_image(data)
    if hashes.pdq is None:
        raise ImageRejected(
            f"{target}: the picture's quality is {hashes.quality}, below {PdqHash.MIN_QUALITY}; it is not matched"
        )
    return {"original": hashes.pdq}


def run_match(args: argparse.Namespace) -> int:
    store = _store()
    names = args.lists
    for name in names or ():
        store.get(name)  # a clear error for an unknown list
    queries = _query_hashes(args.target, args.rotations)
    found: list[tuple[str, HashListMatch]] = []
    for variant, pdq in queries.items():
        found.extend((variant, m) for m in store.match(pdq, names))
    found.sort(key=lambda vm: vm[1])
    if args.json:
        print(json.dumps({
            "query": queries["original"],
            "matches": [{**m.to_dict(), "variant": v} for v, m in found],
        }))
    elif not found:
        print(f"no match in {', '.join(names or store.names()) or 'any list (there are none yet)'}")
    else:
        for variant, m in found:
            extra = "" if variant == "original" else f"  ({variant})"
            print(f"{m.list_name}\t{m.distance:3d} bits\t{m.pdq}\t{m.label}\t{m.source}{extra}")
    return 0 if found else 1


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise InputError(f"no such file: {args.file}")
    settings, entries = parse_file(path.read_bytes(), filename=path.name, fmt=args.format,
                                   default_source=args.source or "")
    threshold = args.threshold if args.threshold is not None else settings.get("threshold")
    source = args.source if args.source is not None else settings.get("source")
    hash_list, added = _store().import_entries(args.name, entries, source=source, threshold=threshold)
    skipped = len(entries) - added
    print(f"{args.name}: {added} hashes added ({skipped} already present), {len(hash_list.entries)} in the list, "
          f"threshold {hash_list.threshold}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    hash_list = _store().get(args.name)
    sys.stdout.write(to_json(hash_list) if args.format == "json" else to_csv(hash_list.entries))
    return 0


def run_add(args: argparse.Namespace) -> int:
    quality: int | None = None
    if _HEX64.match(args.target) and not Path(args.target).exists():
        pdq = args.target
    else:
        hashes = hash_image(read_input_file(args.target))
        if hashes.pdq is None:
            raise ImageRejected(f"{args.target}: the picture's quality is {hashes.quality}, below "
                                f"{PdqHash.MIN_QUALITY}; it would never match")
        pdq, quality = hashes.pdq, hashes.quality
    entry: HashListEntry = make_entry(pdq, args.label, args.source, quality, where="--label")
    hash_list, added = _store().import_entries(args.name, [entry])
    print(f"{args.name}: {'added' if added else 'already present'} {entry.pdq}; {len(hash_list.entries)} in the list")
    return 0


def run_list(args: argparse.Namespace) -> int:
    del args
    store = _store()
    names = store.names()
    if not names:
        print(f"no hash lists in {store.directory}")
    for name in names:
        hash_list = store.get(name)
        print(f"{name}\t{len(hash_list.entries)} hashes\tthreshold {hash_list.threshold}\t{hash_list.source}")
    return 0

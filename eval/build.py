"""Render the evaluation set: `eval/source/*.json` -> `eval/chats/<id>.<ext>` and `eval/labels.json`.

The sources hold each conversation once (sender, wall-clock time, text, and the labels); the export files
are derived, byte for byte as the apps write them, by `hotline.detect.chats.synthetic`. Re-running gives
identical files, so a diff of `eval/chats/` only ever shows a change of source or renderer.

    python eval/build.py            # rebuild chats/ and labels.json
    python eval/build.py --check    # fail if the rendered files are out of date (for CI)
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from hotline.detect.chats import synthetic, synthetic_html

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"
CHATS_DIR = HERE / "chats"
LABELS = HERE / "labels.json"

#: File name endings per format, as the apps name their exports.
EXTENSIONS: dict[str, str] = {
    "whatsapp": "txt", "messenger": "json", "instagram": "json", "telegram": "json", "line": "txt",
    "plain": "txt", "csv": "csv", "jsonl": "jsonl", "telegram_html": "html",
}
SIGNALS = ("grooming", "sextortion", "sexting", "meeting_request", "secrecy", "personal_info")
PI_TYPES = ("phone", "email", "address", "location", "social_handle", "school", "age", "id_number")
RISKS = ("none", "low", "medium", "high", "critical")
#: Messages a conversation may hold: 6-30, but the blind splits 2 and 3 keep longer chats (up to 60 and 40).
MESSAGE_RANGE: dict[str, tuple[int, int]] = {"blind2": (8, 60), "blind3": (8, 40)}
DEFAULT_MESSAGE_RANGE = (6, 30)


def conversations(source_dir: Path = SOURCE_DIR) -> Iterator[dict[str, Any]]:
    """Every source conversation, in file then listed order."""
    for path in sorted(source_dir.glob("*.json")):
        yield from json.loads(path.read_text(encoding="utf-8"))["conversations"]


def check_source(conv: dict[str, Any]) -> None:
    """Refuse a source whose labels could not be scored (bad names, values not in their message)."""
    cid = conv["id"]
    labels = conv["labels"]
    if conv["format"] not in EXTENSIONS:
        raise ValueError(f"{cid}: unknown format {conv['format']!r}")
    if set(labels["signals"]) != set(SIGNALS):
        raise ValueError(f"{cid}: signals must be exactly {SIGNALS}")
    low, high = MESSAGE_RANGE.get(conv["split"], DEFAULT_MESSAGE_RANGE)
    if not low <= len(conv["messages"]) <= high:
        raise ValueError(f"{cid}: {len(conv['messages'])} messages; the {conv['split']} split keeps {low}-{high}")
    for m in conv["messages"]:
        for p in m.get("personal_info", ()):
            if p["type"] not in PI_TYPES:
                raise ValueError(f"{cid}: unknown personal-info type {p['type']!r}")
            if p["value"] not in m["text"]:
                raise ValueError(f"{cid}: {p['type']} value is not a substring of its message")
    has_pi = any(m.get("personal_info") for m in conv["messages"])
    if labels["signals"]["personal_info"] != has_pi:
        raise ValueError(f"{cid}: signals.personal_info must say whether any detail is labelled")
    risk_key = "min_risk" if labels["harmful"] else "max_risk"
    if labels.get(risk_key) not in RISKS:
        raise ValueError(f"{cid}: {risk_key} missing or not one of {RISKS}")
    if not labels["harmful"] and RISKS.index(labels["max_risk"]) > RISKS.index("medium"):
        raise ValueError(f"{cid}: a benign chat may be expected at most 'medium'")


def render(conv: dict[str, Any]) -> tuple[str, bytes]:
    """The export file's name and bytes for one source conversation."""
    items = [(m["sender"], datetime.fromisoformat(m["time"]), m["text"]) for m in conv["messages"]]
    fmt = conv["format"]
    title = conv.get("title")
    if fmt == "telegram_html":
        # Unlike `synthetic.render`, the HTML writer reads a naive time as the machine's zone: say Phnom Penh.
        aware = [(s, t.replace(tzinfo=synthetic.LOCAL_TZ), x) for s, t, x in items]
        data = synthetic_html.render(fmt, aware, title=title, variant=conv.get("variant"))
        return f"{conv['id']}.html", data
    data = synthetic.render(fmt, items, title=title, variant=conv.get("variant"))
    if conv.get("container") == "zip":
        zipped = synthetic.whatsapp_zip(data, title=title or items[-1][0])
        return f"{conv['id']}.zip", _stable_zip(zipped, items[-1][1])
    return f"{conv['id']}.{EXTENSIONS[fmt]}", data


def _stable_zip(data: bytes, when: datetime) -> bytes:
    """The same zip with every member dated `when`, so a rebuild is byte-identical (zipfile stamps "now")."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def label_entry(conv: dict[str, Any], filename: str) -> dict[str, Any]:
    """The labels.json record: indexes count real messages from 0 in time order (sources are in order)."""
    labels = conv["labels"]
    entry: dict[str, Any] = {
        "file": f"chats/{filename}",
        "format": conv["format"],
        "languages": conv["languages"],
        "harmful": labels["harmful"],
        "signals": {s: bool(labels["signals"][s]) for s in SIGNALS},
        "offender": labels.get("offender"),
    }
    if labels["harmful"]:
        entry["min_risk"] = labels["min_risk"]
    else:
        entry["max_risk"] = labels["max_risk"]
    entry["personal_info"] = [
        {"index": i, "type": p["type"], "value": p["value"]}
        for i, m in enumerate(conv["messages"]) for p in m.get("personal_info", ())
    ]
    entry["message_count"] = len(conv["messages"])
    entry["split"] = conv["split"]
    entry["group"] = conv["group"]
    return entry


def build(out_dir: Path = HERE, *, check: bool = False) -> list[str]:
    """Write (or with `check`, compare) every export and the labels; returns the paths that differ."""
    chats = out_dir / "chats"
    chats.mkdir(parents=True, exist_ok=True)
    labels: dict[str, Any] = {}
    files: dict[Path, bytes] = {}
    seen: set[str] = set()
    for conv in conversations():
        check_source(conv)
        if conv["id"] in seen:
            raise ValueError(f"duplicate conversation id {conv['id']}")
        seen.add(conv["id"])
        name, data = render(conv)
        files[chats / name] = data
        labels[conv["id"]] = label_entry(conv, name)
    doc = {
        "about": "Labels for the Hotline evaluation set; see README.md. Generated by build.py from source/.",
        "signals": list(SIGNALS),
        "personal_info_types": list(PI_TYPES),
        "conversations": dict(sorted(labels.items())),
    }
    files[out_dir / "labels.json"] = (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode()
    stale = [p for p, d in files.items() if not p.exists() or p.read_bytes() != d]
    wanted = set(files)
    extra = [p for p in chats.iterdir() if p not in wanted]
    if not check:
        for p in stale:
            p.write_bytes(files[p])
        for p in extra:
            p.unlink()
    return sorted(str(p.relative_to(out_dir)) for p in [*stale, *extra])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    changed = build(check=args.check)
    if args.check and changed:
        print(f"{len(changed)} file(s) out of date, run: python eval/build.py", file=sys.stderr)
        for c in changed[:20]:
            print(f"  {c}", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'built'} {len(list(conversations()))} conversations; "
          f"{len(changed)} file(s) {'stale' if args.check else 'written'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

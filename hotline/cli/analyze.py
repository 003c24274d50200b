"""`hotline analyze FILE... [--json] [--format FMT] [--jobs N]`: what is going on in a chat export, and how urgent.

One file: a readable report (coloured on a terminal, unless NO_COLOR is set) or, with `--json`, the
analysis as one JSON object. Several files or a folder: with `--json`, one JSON object per line, each with
its "file"; a file that cannot be read gets an "error" line (and the exit status is 2), the others still run.
Several files are spread over `--jobs` forked processes (default: every core; one where a process cannot
fork), printed in the same order as with one; a progress line shows on a terminal (not when JSON goes to a
pipe).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import io
import json
import os
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TextIO, cast

from hotline.detect.analysis import analyze
from hotline.detect.errors import HotlineError, InputError
from hotline.detect.model import Analysis

__all__ = ["advice", "register", "render_report", "run"]

#: Files in a folder that are not chat exports.
_SKIP_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".mp4", ".mov", ".opus", ".mp3", ".pdf",
                            ".css", ".js"})


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "analyze", help="analyse chat exports for grooming, sextortion, sexting and personal details",
        description="Analyse chat exports (WhatsApp .txt/.zip, Messenger/Instagram/Telegram JSON or HTML, LINE, "
                    "plain text, CSV, JSONL) or screenshots of a chat for grooming, sextortion, sexting, "
                    "meeting requests, secrecy and personal details.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="export files or folders of them; a chat screenshot, or a folder of screenshots of one chat")
    parser.add_argument("--json", action="store_true", help="print JSON (one object per line for several files)")
    parser.add_argument("--format", metavar="FMT", default=None,
                        help="the export format, when detection guesses wrong (whatsapp, messenger, ...)")
    parser.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                        help="processes for a folder of chats (default: every core); output order stays the same")
    parser.set_defaults(func=run)


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs needs a whole number of processes, 1 or more, not {value!r}")
    return n


def _expand(paths: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        yield from _walk(path) if path.is_dir() else (path,)


def _walk(folder: Path) -> Iterator[Path]:
    """The exports under `folder`: a paged export (Telegram's messages.html, messages2.html...; Facebook's
    message_1, message_2...) is its folder, read as one chat; other files one by one, in name order."""
    from hotline.detect.chats import export_parts

    try:
        export_parts(folder)
    except InputError:
        pass
    else:
        yield folder
        return
    entries = _entries(folder)
    if _screenshots(entries):  # a folder of screenshots is one chat, scrolled through
        yield folder
        return
    for entry in entries:
        if entry.is_dir():
            yield from _walk(Path(entry.path))
        elif entry.is_file() and os.path.splitext(entry.name)[1].lower() not in _SKIP_SUFFIXES:
            yield Path(entry.path)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """What `folder` holds but hidden files, in the order of their paths. Read with `scandir`, whose entries
    know whether they are files or folders without a `stat` each, and sorted by name (the order of `Path`s in
    one folder), not as `Path`s: a folder of 2,000 chats was listed in 30 ms, now in a few."""
    with os.scandir(folder) as found:
        entries = [e for e in found if not e.name.startswith(".")]
    entries.sort(key=lambda e: os.path.normcase(e.name))
    return entries


def _screenshots(entries: list[os.DirEntry[str]]) -> bool:
    """Whether these entries are all pictures (and there is one at least)."""
    return bool(entries) and all(
        e.is_file() and os.path.splitext(e.name)[1].lower() in _SCREENSHOT_SUFFIXES for e in entries)


#: Pictures read as chat screenshots.
_SCREENSHOT_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic"})


def _screenshots_in(folder: Path) -> list[Path]:
    """The screenshots of a folder that holds nothing but pictures (in name order), else []."""
    entries = _entries(folder)
    return [Path(e.path) for e in entries] if _screenshots(entries) else []


def _read_screenshots(paths: list[Path]) -> Analysis:
    from hotline.detect.chats.screenshot import read_screenshots
    from hotline.detect.media.decoding import MAX_BYTES

    images = []
    for p in paths:
        if p.stat().st_size > MAX_BYTES:
            raise InputError(f"the image is larger than {MAX_BYTES // 2**20} MB", where=str(p))
        images.append(p.read_bytes())
    return analyze(read_screenshots(images))


#: Container allocations between young-generation collections while a chat is analysed (Python's default: 700).
GC_YOUNG = 1_000_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """Almost no garbage collection while one chat is analysed. Collections find nothing to free: the
    analysis makes no reference cycles (its objects go with their last reference), while its messages,
    findings and the loaded rules and model live to the end; walking them took 1-2 % of a 100,000-message
    run. A young collection every million allocations still bounds what a cycle could hold. On leaving,
    what the chat left is made old at once (`freeze` + `unfreeze`: two list moves), so that restoring the
    threshold does not walk all of it in the next young collection."""
    before = gc.get_threshold()
    if 0 < before[0] < GC_YOUNG:  # 0: collection switched off, left so
        gc.set_threshold(GC_YOUNG, *before[1:])
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.set_threshold(*before)


def _no_final_collection() -> None:
    """At exit, the objects left are frozen: Python's last full collection would walk every one of them
    (the rules, the model, a long chat's findings) only to free nothing before the process ends."""
    gc.freeze()


def _analyze_file(path: Path, fmt: str | None) -> Analysis:
    with _few_collections():
        return _analyze_path(path, fmt)


def _analyze_path(path: Path, fmt: str | None) -> Analysis:
    from hotline.detect.chats import load  # the parsers are a separate package; import when needed

    if not path.exists():
        raise InputError("no such file", where=str(path))
    if path.is_dir() and (shots := _screenshots_in(path)):
        return _read_screenshots(shots)
    if path.is_file() and path.suffix.lower() in _SCREENSHOT_SUFFIXES and not fmt:
        return _read_screenshots([path])
    return analyze(load(path, format=fmt, unnamed_text=True))


def run(args: argparse.Namespace) -> int:
    atexit.unregister(_no_final_collection)  # once, however often `run` is called in one process
    atexit.register(_no_final_collection)
    paths = list(_expand(args.files))
    out = sys.stdout
    if not paths:
        raise InputError("no files to analyse", where=", ".join(args.files))
    if paths == [Path(args.files[0])]:  # one file, or one paged export's folder
        analysis = _analyze_file(paths[0], args.format)  # errors: one line from the CLI's main
        if args.json:
            out.writelines(analysis.json_parts({"file": str(paths[0])}))  # never the whole text at once
            out.write("\n")
        else:
            out.write(render_report(analysis, str(paths[0]), color=_use_color(out)))
        return 0
    status = 0
    jobs = min(args.jobs or os.cpu_count() or 1, len(paths))
    color = _use_color(out)
    # a progress line on a terminal, unless JSON goes to a program through a pipe
    progress = _Progress(len(paths)) if sys.stderr.isatty() and (not args.json or out.isatty()) else None
    forked = False
    if jobs > 1:  # (one file, or one job, starts without the workers' imports)
        from hotline.cli import workers

        forked = workers.can_fork()
        if forked:
            _preload()
    raw = _byte_stream(out) if forked else None
    encoding = (out.encoding, out.errors or "strict") if raw is not None else None
    task = partial(_report_file, fmt=args.format, as_json=args.json, color=color, encoding=encoding)
    results = workers.results(task, list(_chunks(paths, jobs)), jobs) if forked else map(task, paths)
    try:
        for path, (text, error) in zip(paths, results, strict=True):  # in the order of `paths`
            if progress is not None:
                progress.step()
            if error is not None:
                status = 2
                print(f"hotline analyze: error: {path}: {error}", file=sys.stderr)
            if isinstance(text, bytes):
                assert raw is not None  # (bytes only when asked for, with a byte stream to take them)
                raw.write(text)
            elif text:
                out.write(text)
    finally:
        if isinstance(results, Generator):
            results.close()  # the workers end now, not when the generator is collected
    if progress is not None:
        progress.done()
    return status


def _report_file(path: Path, *, fmt: str | None, as_json: bool, color: bool,
                 encoding: tuple[str, str] | None = None) -> tuple[str | bytes, str | None]:
    """One file's output (a JSON line or a report) and its error. With `encoding` (in a worker process), the
    output comes encoded as the parent's stdout would encode it: the parent then only copies bytes, where
    decoding the workers' text and encoding it again took it a third of a billion instructions for 2,000
    chats, on one of the two cores the workers had."""
    try:
        analysis = _analyze_file(path, fmt)
    except HotlineError as exc:
        line = json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False) + "\n" if as_json else ""
        return (line.encode(*encoding) if encoding else line), str(exc)
    if as_json:
        text = analysis.to_json({"file": str(path)}) + "\n"
    else:
        text = render_report(analysis, str(path), color=color) + "\n"
    return (text.encode(*encoding) if encoding else text), None


#: The most files a worker takes at once: the progress line and the output move at least this often.
CHUNK_MOST = 64
#: The fewest (each hand-off is a round trip through a worker's pipes).
CHUNK_LEAST = 4


def _chunks(paths: list[Path], jobs: int) -> Iterator[list[Path]]:
    """`paths` in order, in chunks that shrink as the folder runs out: a quarter of each worker's equal share
    of what is left, from CHUNK_MOST down to CHUNK_LEAST files. With equal chunks, one worker was left
    finishing its last while the other had stopped, half a chunk's time on average."""
    start = 0
    while start < len(paths):
        size = min(CHUNK_MOST, max(CHUNK_LEAST, (len(paths) - start) // (4 * jobs)))
        yield paths[start:start + size]
        start += size


def _byte_stream(out: TextIO) -> BinaryIO | None:
    """The byte stream under `out` (stdout) when the workers' encoded output can go to it as it is: `out` is
    a text stream over one, on a system whose line ending is a line feed. What `out` holds is flushed first."""
    buffer = getattr(out, "buffer", None)
    if buffer is None or os.linesep != "\n" or not isinstance(out, io.TextIOWrapper) or not out.encoding:
        return None
    out.flush()
    return cast(BinaryIO, buffer)


def _preload() -> None:
    """The rules, personal-detail lexicons, model and Khmer segmenter, loaded before the workers are forked:
    they share them instead of each loading its own."""
    from hotline.detect.scoring.linear import load_model
    from hotline.detect.signals import default_scanner
    from hotline.detect.signals.personal_info import preload
    from hotline.detect.text import segment

    default_scanner()
    preload()
    load_model()
    segment.preload()


class _Progress:
    """"analysed 120/2000 chats" on stderr, rewritten in place, at most ten times a second."""

    def __init__(self, total: int) -> None:
        self.total, self.count, self.shown = total, 0, 0.0

    def step(self) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.shown >= 0.1 or self.count == self.total:
            self.shown = now
            width = 30
            filled = width * self.count // self.total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] analysed {self.count}/{self.total} chats")
            sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


_RISK_COLOR = {"none": "32", "low": "32", "medium": "33", "high": "31", "critical": "1;31"}
_SIGNAL_NAMES = {
    "grooming": "grooming", "sextortion": "sextortion", "sexting": "sexting (sexual images)",
    "meeting_request": "request to meet", "secrecy": "request for secrecy", "personal_info": "personal details shared",
}


def advice(analysis: Analysis) -> list[str]:
    """What the person should do next, for the signals found (most urgent first)."""
    s = analysis.signals
    tips: list[str] = []
    if s.get("sextortion"):
        tips += ["Do not pay and do not send more photos or videos: paying rarely stops the threats.",
                 "Keep the evidence: take screenshots of the chat, the account and any payment details; do not "
                 "delete the conversation."]
    if s.get("sexting") and not s.get("sextortion"):
        tips.append("Do not send intimate photos or videos; once sent, they cannot be taken back.")
    if s.get("grooming") or s.get("secrecy"):
        tips.append("Talk to a trusted adult (a parent, a teacher); a request to keep secrets from them is a "
                    "warning sign.")
    if s.get("meeting_request") and analysis.risk in ("medium", "high", "critical"):
        tips.append("Do not go to meet someone you only know online, and never alone.")
    if s.get("personal_info"):
        tips.append("Personal details were shared (phone, address, school, age...): remove them where you can "
                    "and do not share more.")
    if analysis.risk in ("high", "critical"):
        tips += ["Block the account and report it to the platform.",
                 "Report it to the hotline (anonymously if you wish) so that analysts can act; keep the export file."]
    elif analysis.risk == "medium":
        tips.append("Keep an eye on this chat; if it goes on like this, report it to the hotline.")
    if not tips:
        tips.append("Nothing worrying was found. If something still feels wrong, trust that feeling and talk to "
                    "someone you trust.")
    return tips


def render_report(analysis: Analysis, name: str, *, color: bool = False) -> str:
    """The report for a person: risk, signals, stages, the flagged messages quoted, and what to do next."""
    def c(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines = [c("1", f"Chat: {name}")]
    risk = c(_RISK_COLOR.get(analysis.risk, "0"), analysis.risk.upper())
    alert = f" (an alert is warranted from message {analysis.first_alert_index})" \
        if analysis.first_alert_index is not None else ""
    lines.append(f"Risk: {risk}{alert}")
    langs = ", ".join(analysis.languages) or "unknown"
    lines.append(f"Format: {analysis.format} · {analysis.message_count} messages · languages: {langs}")
    if analysis.participants:
        people = []
        for p in analysis.participants:
            role = {"suspected_offender": c("31", "suspected offender"), "possible_victim": "possible victim"}.get(p.role)
            people.append(f"{p.name} ({role + ', ' if role else ''}{p.messages} messages)")
        lines.append("People: " + "; ".join(people))
    elif analysis.message_count:
        lines.append("People: not named (the text has no sender names; it was read in windows of messages)")
    found = [_SIGNAL_NAMES.get(k, k) for k, v in analysis.signals.items() if v]
    lines.append("Found: " + (", ".join(found) if found else "nothing of concern"))
    if analysis.stages:
        lines.append("Grooming stages: " + " → ".join(
            f"{s.stage.replace('_', ' ')} (message {s.first_index})" for s in analysis.stages))
    if analysis.findings:
        lines += ["", c("1", "Flagged messages:")]
        shown = analysis.findings[:50]
        for f in shown:
            what = f.signal.replace("_", " ") + (f", {f.stage.replace('_', ' ')}" if f.stage else "")
            who = f" {f.sender}" if f.sender is not None else ""
            lines.append(f"  #{f.index}{who} [{what}; rule {f.rule}]")
            lines.append(f"      “{f.excerpt}”")
        if len(analysis.findings) > len(shown):
            lines.append(f"  ... and {len(analysis.findings) - len(shown)} more (use --json for all)")
    if analysis.personal_info:
        lines += ["", c("1", "Personal details shared:")]
        for d in analysis.personal_info[:30]:
            who = f" {d.sender}" if d.sender is not None else ""
            lines.append(f"  #{d.index}{who}: {d.type.replace('_', ' ')} “{d.value}”")
        if len(analysis.personal_info) > 30:
            lines.append(f"  ... and {len(analysis.personal_info) - 30} more")
    if analysis.explanation:
        lines += ["", c("1", "Why:")] + [f"  {e}" for e in analysis.explanation]
    lines += ["", c("1", "What to do next:")] + [f"  - {t}" for t in advice(analysis)]
    return "\n".join(lines) + "\n"

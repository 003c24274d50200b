"""The Khmer false-alarm check: ordinary formal Khmer text, made into chats, must not look like a crime.

Nobody on the project wrote this text (news, essays, government notices: `khmer-text/rdlab`), so it tests
the Khmer rules against the language itself, not against the examples they were written from. Sentences
are grouped 20 to a chat between two speakers, written as a real WhatsApp export and read back by the
real parser, then analysed by the real engine. A fixed hash of each chat's text puts one chat in ten in
the reported `test` part; rules are tuned on the other nine (`tune`).

Reports count chats and rule ids only; no sentence is printed or logged.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hotline.detect.errors import InputError
from hotline.detect.model import RISK_LEVELS

__all__ = ["CHAT_SIZE", "DEFAULT_PATH", "SPLITS", "FormalChat", "FormalReport", "chats", "evaluate_formal", "split_of"]

DEFAULT_PATH = Path("../shared/data/khmer-text/rdlab/khmer_sentences.txt")
CHAT_SIZE = 20
SPLITS: tuple[str, ...] = ("tune", "test")
SPEAKERS: tuple[str, str] = ("Dara", "Sokha")
#: Targets: share of chats rated high or critical, and of chats flagged grooming or sextortion.
TARGET_HIGH = 0.005
TARGET_FLAGGED = 0.0


def split_of(lines: list[str]) -> str:
    """`test` for one chat in ten, by a fixed hash of its text (stable across runs and machines)."""
    digest = hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()
    return "test" if int(digest[:8], 16) % 10 == 0 else "tune"


@dataclass(frozen=True)
class FormalChat:
    index: int
    split: str
    lines: list[str]

    def whatsapp(self) -> bytes:
        """The chat as an Android WhatsApp export, speakers alternating, a minute apart."""
        from hotline.detect.chats.synthetic import render

        start = datetime(2024, 3, 1, 9, 0) + timedelta(hours=self.index % 1000)
        items = [(SPEAKERS[i % 2], start + timedelta(minutes=i), line) for i, line in enumerate(self.lines)]
        return render("whatsapp", items, title=SPEAKERS[1])


def chats(path: Path) -> Iterator[FormalChat]:
    """Chats of CHAT_SIZE consecutive non-empty sentences of the file, each with its split."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the Khmer text file {path}: {exc.strerror or exc}") from exc
    with handle:
        batch: list[str] = []
        index = 0
        try:
            for line in handle:
                line = " ".join(line.split())
                if not line:
                    continue
                batch.append(line)
                if len(batch) == CHAT_SIZE:
                    yield FormalChat(index, split_of(batch), batch)
                    index += 1
                    batch = []
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text: {exc.reason}") from exc
        if batch:
            yield FormalChat(index, split_of(batch), batch)


@dataclass
class FormalReport:
    path: str
    split: str
    chats: int = 0
    messages: int = 0
    seconds: float = 0.0
    risk: Counter[str] = field(default_factory=Counter)
    high: int = 0
    flagged: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)  # findings per rule id
    details: Counter[str] = field(default_factory=Counter)
    high_chats: list[int] = field(default_factory=list)

    @property
    def high_rate(self) -> float:
        return self.high / self.chats if self.chats else 0.0

    def flagged_rate(self, signal: str) -> float:
        return self.flagged[signal] / self.chats if self.chats else 0.0

    @property
    def passed(self) -> bool:
        return (self.high_rate <= TARGET_HIGH and self.flagged_rate("grooming") <= TARGET_FLAGGED
                and self.flagged_rate("sextortion") <= TARGET_FLAGGED)

    def risk_counts(self) -> list[tuple[str, int]]:
        return [(level, self.risk[level]) for level in RISK_LEVELS if self.risk[level]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "split": self.split, "chats": self.chats, "messages": self.messages,
            "seconds": round(self.seconds, 2), "risk": dict(self.risk), "high_or_critical": self.high,
            "high_rate": round(self.high_rate, 4), "flagged": dict(self.flagged),
            "rules": dict(self.rules.most_common()), "personal_details": dict(self.details),
            "high_chats": self.high_chats, "passed": self.passed,
        }


def evaluate_formal(path: Path, split: str = "test", *, limit: int | None = None) -> FormalReport:
    """Analyse the chats of one split (`tune`, `test` or `all`) and count what the engine concluded."""
    from hotline.detect.analysis import analyze
    from hotline.detect.chats import parse

    report = FormalReport(path=str(path), split=split)
    began = time.perf_counter()
    for chat in chats(path):
        if split != "all" and chat.split != split:
            continue
        if limit is not None and report.chats >= limit:
            break
        conversation = parse(chat.whatsapp(), "WhatsApp Chat with Sokha.txt")
        analysis = analyze(conversation)
        report.chats += 1
        report.messages += analysis.message_count
        report.risk[analysis.risk] += 1
        if RISK_LEVELS.index(analysis.risk) >= RISK_LEVELS.index("high"):
            report.high += 1
            report.high_chats.append(chat.index)
        for signal, on in analysis.signals.items():
            if on:
                report.flagged[signal] += 1
        report.rules.update(f.rule for f in analysis.findings)
        report.details.update({d.type for d in analysis.personal_info})
    report.seconds = time.perf_counter() - began
    return report

"""Khmer word segmentation: word-boundary F1 on khPOS OPEN-TEST and sentences/s, segmenters side by side;
then what word-aware matching costs the engine on Khmer-heavy chats (alignment on versus off, same run).

khPOS (CC BY-NC-SA, evaluation only) writes one sentence per line, words separated by spaces; `_` and `~`
join the parts of one word (a compound), so they are removed, not read as boundaries. Each sentence is
joined without spaces, segmented, and the boundary offsets compared with the gold ones (the sentence's
two ends are not counted). Word F1 (both ends of a word right) is printed too.

    python bench/bench_segment.py [--data ../shared/data] [--split OPEN-TEST] [--chats 300]

Engine figures are CPU seconds of `analyze` over in-memory conversations (no parsing): formal Khmer
(rdlab, the tuning part, 20 long sentences a chat) and cue-dense Khmer chat (the Khmer lexicons' own
examples and counterexamples with Khmer small talk, 20 lines a chat).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.detect.model import Conversation, Message
from hotline.detect.text.khmer import fold_spelling
from hotline.detect.text.segment import Segmenter, default_segmenter

Segment = Callable[[str], list[str]]


def gold_sentences(path: Path) -> list[list[str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = [fold_spelling(w.replace("_", "").replace("~", "").replace("^", "")) for w in line.split()]
        words = [w for w in words if w]
        if words:
            out.append(words)
    return out


def _edges(words: list[str]) -> tuple[set[int], set[tuple[int, int]]]:
    edges: set[int] = set()
    spans: set[tuple[int, int]] = set()
    pos = 0
    for w in words:
        spans.add((pos, pos + len(w)))
        pos += len(w)
        edges.add(pos)
    edges.discard(pos)
    return edges, spans


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(name: str, fn: Segment, sentences: list[list[str]]) -> dict[str, float]:
    texts = ["".join(ws) for ws in sentences]
    fn(texts[0])  # load models outside the timing
    began = time.process_time()
    outputs = [fn(t) for t in texts]
    seconds = time.process_time() - began
    btp = bfp = bfn = wtp = wfp = wfn = 0
    for gold, got, text in zip(sentences, outputs, texts, strict=True):
        if "".join(got) != text:
            raise SystemExit(f"{name} lost or changed characters")
        ge, gs = _edges(gold)
        oe, os_ = _edges(got)
        btp += len(ge & oe)
        bfp += len(oe - ge)
        bfn += len(ge - oe)
        wtp += len(gs & os_)
        wfp += len(os_ - gs)
        wfn += len(gs - os_)
    bp, br, bf = f1(btp, bfp, bfn)
    _, _, wf = f1(wtp, wfp, wfn)
    return {"p": bp, "r": br, "f1": bf, "word_f1": wf, "rate": len(texts) / seconds}


_CLUSTER = re.compile("[\u1780-\u17b3](?:\u17d2[\u1780-\u17b3]|[\u17b4-\u17d1\u17d3\u17dd])*|.", re.S)


def dictionary_viterbi(words: frozenset[str]) -> Segment:
    """The classic alternative: fewest words over the same word list (unknown clusters cost two words)."""
    longest = max(len(_CLUSTER.findall(w)) for w in words)

    def split(text: str) -> list[str]:
        clusters = _CLUSTER.findall(text)
        ends = [0]
        for c in clusters:
            ends.append(ends[-1] + len(c))
        n = len(clusters)
        best = [0.0] + [float("inf")] * n
        back = [0] * (n + 1)
        for j in range(1, n + 1):
            best[j], back[j] = best[j - 1] + 2.0, j - 1
            for i in range(max(0, j - longest), j - 1 + 1):
                if text[ends[i]:ends[j]] in words and best[i] + 1 < best[j]:
                    best[j], back[j] = best[i] + 1, i
        out: list[str] = []
        j = n
        while j > 0:
            out.append(text[ends[back[j]]:ends[j]])
            j = back[j]
        return out[::-1]
    return split


def source_words(data: Path) -> frozenset[str]:
    """The MIT-licensed Khmer word lists of `khmer-romanisation` (what a shipped dictionary may use)."""
    rom = data / "khmer-romanisation"
    words = set((rom / "khmer_words.txt").read_text(encoding="utf-8").split())
    words.update(line.split(":", 1)[0].strip()
                 for line in (rom / "eng_khm_data.txt").read_text(encoding="utf-8").splitlines())
    return frozenset(fold_spelling(w) for w in words if w)


def candidates(data: Path) -> dict[str, Segment]:
    import khmercut

    seg = default_segmenter()
    words = source_words(data)
    return {
        "khmercut CRF + compounds (hotline)": seg.split,
        "khmercut CRF alone": khmercut.tokenize,
        "khmercut CRF + dictionary merge": Segmenter(words | seg.words).split,
        "dictionary Viterbi": dictionary_viterbi(words | seg.words),
    }


KHMER_SMALL_TALK = ["ញ៉ាំបាយនៅ?", "ញ៉ាំហើយ", "ទៅណា?", "នៅផ្ទះ", "អរគុណច្រើន", "ចាំបន្តិច", "ថ្ងៃនេះក្តៅណាស់",
                    "ស្អែករៀនម៉ោងប៉ុន្មាន?", "មកដល់ហើយ", "ចាស", "បាទ", "ល្អណាស់", "សុខសប្បាយទេ?"]


def khmer_chats(data: Path, count: int) -> dict[str, list[Conversation]]:
    """Two Khmer corpora of `count` chats each (see the module docstring)."""
    import json
    from importlib import resources

    from hotline.detect.formal_khmer import chats

    lexicons = resources.files("hotline.detect") / "lexicons" / "km"
    lines: list[str] = []
    for name in ("grooming", "sexting", "sextortion", "meeting", "secrecy"):
        for rule in json.loads((lexicons / f"{name}.json").read_text(encoding="utf-8"))["rules"]:
            lines += rule.get("examples", []) + rule.get("counterexamples", [])
    lines += KHMER_SMALL_TALK * 4
    rng = random.Random(9)
    chat_lines = [[rng.choice(lines) for _ in range(20)] for _ in range(count)]
    formal = [c.lines for c in itertools.islice((c for c in chats(data / "khmer-text" / "rdlab" /
                                                                    "khmer_sentences.txt") if c.split == "tune"), count)]
    start = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)

    def conversation(texts: list[str]) -> Conversation:
        return Conversation(format="whatsapp", messages=[
            Message(index=i, sender=("Dara", "Sokha")[i % 2], text=t, time=start + timedelta(minutes=i))
            for i, t in enumerate(texts)])
    return {"formal Khmer (rdlab)": [conversation(x) for x in formal],
            "cue-dense Khmer chat": [conversation(x) for x in chat_lines]}


def engine_rate(conversations: list[Conversation]) -> float:
    """Messages per CPU second of `analyze` (caches of the segmenter emptied first)."""
    from hotline.detect.analysis import analyze
    from hotline.detect.text import segment

    segment._edges.cache_clear()
    analyze(conversations[0])  # rules loaded outside the timing
    began = time.process_time()
    for c in conversations:
        analyze(c)
    return sum(len(c.messages) for c in conversations) / (time.process_time() - began)


def engine_table(data: Path, count: int) -> None:
    from hotline.detect.signals import rules

    corpora = khmer_chats(data, count)
    aligned = rules.match_aligned
    print(f"\nengine on Khmer-heavy chats ({count} chats of 20 messages each), messages per CPU second")
    print(f"{'corpus':<24} {'word-aware':>11} {'alignment off':>14} {'cost':>7}")
    for name, conversations in corpora.items():
        on = engine_rate(conversations)
        rules.match_aligned = lambda m: True  # the alternative: characters, as before
        try:
            off = engine_rate(conversations)
        finally:
            rules.match_aligned = aligned
        print(f"{name:<24} {on:>11,.0f} {off:>14,.0f} {off / on - 1:>7.0%}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Khmer segmentation F1 and speed on khPOS")
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--split", default="OPEN-TEST", help="OPEN-TEST (default) or train.all")
    p.add_argument("--chats", type=int, default=300, help="chats per corpus for the engine figures (0: skip)")
    args = p.parse_args(argv)
    path = args.data / "khmer-text" / "khpos" / f"{args.split}.segmented.txt"
    if not path.is_file():
        print(f"khPOS not found at {path}", file=sys.stderr)
        return 2
    sentences = gold_sentences(path)
    print(f"khPOS {args.split}: {len(sentences)} sentences")
    print(f"{'segmenter':<36} {'boundary P':>10} {'R':>6} {'F1':>6} {'word F1':>8} {'sentences/s':>12}")
    for name, fn in candidates(args.data).items():
        s = score(name, fn, sentences)
        print(f"{name:<36} {s['p']:>10.3f} {s['r']:>6.3f} {s['f1']:>6.3f} {s['word_f1']:>8.3f} {s['rate']:>12,.0f}")
    if args.chats:
        engine_table(args.data, args.chats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

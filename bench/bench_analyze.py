"""Benchmark: `hotline analyze` end to end (parse + analyse) on a generated 100,000-message WhatsApp export.

Prints messages per second, peak memory and the timings at 25k / 50k / 100k messages (linearity), and
compares in the same run against the named alternative: the same rules applied without the trigger-index
pre-filter (every rule's regex on every message), measured on a slice because it is slow.

    python bench/bench_analyze.py [--messages 100000]

The chat is a realistic mix: small talk in English, Khmer script and romanised Khmer, numbers, emoji and
media placeholders, about 3% messages with surface cues (meetings, phone numbers, "don't tell mom" about a
party) and a few harmful stretches (grooming, sextortion) spread through it.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta

from hotline.detect.analysis import analyze_items
from hotline.detect.chats import synthetic, whatsapp
from hotline.detect.model import Event, Message

SMALL_TALK = [
    "ok", "okay see you", "lol", "haha yes", "where are you?", "on my way", "did you eat yet?", "thanks!", "good night",
    "what time is class tomorrow?", "I'm at the market", "traffic is crazy today", "can you call me later", "👍",
    "😂😂", "happy birthday!!", "the teacher gave us so much homework", "wait 5 min", "it's raining again",
    "ញ៉ាំបាយនៅ?", "ញ៉ាំហើយ", "ទៅណា?", "នៅផ្ទះ", "អរគុណច្រើន", "ចាំបន្តិច", "ថ្ងៃនេះក្តៅណាស់", "ស្អែករៀនម៉ោងប៉ុន្មាន?",
    "មកដល់ហើយ", "ចាស", "បាទ", "ល្អណាស់", "សុខសប្បាយទេ?", "ម៉ោង៧ព្រឹក", "១០០០០រៀល",
    "nham bay nov?", "nham hz", "tov na?", "nov ptas", "orkun", "jam bontech", "tngai nis kdav nas", "ok bong",
    "mok dol hz", "chas", "ot ey te", "sabay te?", "<media>", "https://youtu.be/dQw4w9WgXcQ", "$5 for the book",
]
CUES = [
    "let's meet at the café at 3pm", "call me 012 345 678", "don't tell mom, it's a surprise party for her birthday",
    "I'll pick you up after school", "ជួបគ្នានៅផ្សារម៉ោង៣", "lek phone knhom 097 555 1234", "my email is dara@example.com",
    "how old is your cat?", "send me a pic of the menu",
]
HARMFUL = [
    ("Stranger", "you're so pretty and mature. how old are you?"), ("Kid", "13"),
    ("Stranger", "are you home alone now?"), ("Stranger", "this is our secret, don't tell your mom"),
    ("Stranger", "add me on telegram"), ("Stranger", "send me a sexy photo of you"),
    ("Stranger", "I have your photos. pay $200 by ABA tonight or I post them on facebook"),
]


def build_export(n: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 8, 0)
    items: list[tuple[str, datetime, str]] = []
    t = start
    while len(items) < n:
        t += timedelta(seconds=rng.randint(5, 600))
        if rng.random() < 0.0005:
            for sender, text in HARMFUL:
                items.append((sender, t, text))
                t += timedelta(seconds=30)
            continue
        sender = rng.choice(("Dara", "Sokha", "Mom", "Vanna"))
        text = rng.choice(CUES) if rng.random() < 0.03 else rng.choice(SMALL_TALK)
        items.append((sender, t, text))
    return synthetic.render("whatsapp", items[:n])


def run(data: bytes, *, prefilter: bool = True) -> tuple[float, int, str]:
    """Parse and analyse an export read line by line from a file (as `hotline analyze` on a big .txt)."""
    with tempfile.NamedTemporaryFile(suffix=".txt") as tmp:
        tmp.write(data)
        tmp.flush()
        gc.collect()
        t0 = time.perf_counter()
        with open(tmp.name, encoding="utf-8", newline="") as fh:
            lines = (line.rstrip("\r\n") for line in fh)
            analysis = analyze_items("whatsapp", whatsapp.iter_items(lines), prefilter=prefilter)
        return time.perf_counter() - t0, analysis.message_count, analysis.risk


def parse_only(data: bytes) -> float:
    t0 = time.perf_counter()
    for item in whatsapp.iter_items(data.decode("utf-8").splitlines()):
        if isinstance(item, Message | Event):
            pass
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    n = args.messages
    export = build_export(n)
    print(f"export: {n:,} messages, {len(export) / 2**20:.1f} MiB (WhatsApp Android, generated)")
    run(build_export(2_000))  # load rules and caches once

    print("\nlinearity (parse + analyse, streaming):")
    rates = []
    for size in (n // 4, n // 2, n):
        data = export if size == n else build_export(size)
        secs, count, risk = run(data)
        rates.append(count / secs)
        print(f"  {count:>7,} messages  {secs:6.2f} s  {count / secs:>9,.0f} messages/s  risk={risk}")
    print(f"  rate at {n:,} / rate at {n // 4:,}: {rates[-1] / rates[0]:.2f} (1.00 = perfectly linear)")

    p = parse_only(export)
    print(f"\nparse only: {n / p:,.0f} messages/s; analysis share of the end-to-end time: "
          f"{1 - p / (n / rates[-1]):.0%}")

    tracemalloc.start()
    run(export)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak traced memory while streaming {n:,} messages from the file: {peak / 2**20:.1f} MiB "
          f"(the export is {len(export) / 2**20:.1f} MiB; max RSS of the process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")

    slice_n = min(n, 10_000)
    small = build_export(slice_n)
    fast, _, _ = run(small)
    naive, _, _ = run(small, prefilter=False)
    print(f"\nnamed alternative on {slice_n:,} messages - every rule on every message (no trigger index):")
    print(f"  trigger index: {slice_n / fast:>9,.0f} messages/s")
    print(f"  naive:         {slice_n / naive:>9,.0f} messages/s   -> trigger index is {naive / fast:.1f}x faster")
    target = 20_000
    print(f"\nend to end at {n:,}: {rates[-1]:,.0f} messages/s (target >= {target:,}: "
          f"{'met' if rates[-1] >= target else 'NOT met'})")


if __name__ == "__main__":
    main()

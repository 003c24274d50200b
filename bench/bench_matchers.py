"""Benchmark: which multi-pattern matcher finds the rules' literals in a message fastest.

    python bench/bench_matchers.py [--messages 20000]

The literals are the candidate stage's own (every trigger stem and phrase word of every signal and language,
about 1,900 strings); the messages are the two corpora of `bench_analyze.py`, normalised. Each matcher
reports which literals occur in each message (the set must be the same for all), in CPU µs per message:
- pyahocorasick (the one `signals.candidates` uses): every occurrence with its end, in one pass;
- ahocorasick-rs: every occurrence as (literal, start, end), overlapping, in one pass;
- Hyperscan (`hyperscan`): one match per literal, reported through a Python callback;
- an RE2 set (`google-re2`): which literals occur, no positions;
- the named alternative: a trie-shaped `re` regex with a lookahead (`rules.trigger_regex`, today's
  pre-filter), `findall` at every position.
Build times are printed too. Positions matter (whole-word checks need them): the RE2 set gives none.

Then the whole candidate stage (`CandidateIndex.candidates`: automaton, word edges and the rule/phrase
algebra) on the same messages: its C extension (`signals/_automaton.c`, when built) against its Python code,
with a check that both give the same answers.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ahocorasick
import bench_analyze

from hotline.detect.signals import default_scanner
from hotline.detect.signals.candidates import CandidateIndex, _native_module
from hotline.detect.signals.detector import MAX_MATCH_CHARS
from hotline.detect.signals.rules import trigger_regex
from hotline.detect.text.normalize import normalize


def literals() -> list[str]:
    index = default_scanner()._index
    assert isinstance(index, CandidateIndex)
    keys, confirm = index.literals
    return sorted({*keys, *confirm})


def stage_indexes() -> dict[str, CandidateIndex[Any]]:
    """The scanner's candidate index answering in Python and (when built) in C."""
    index = default_scanner()._index
    assert isinstance(index, CandidateIndex)
    indexes = {"python": index.twin(native=False)}
    if _native_module() is not None:
        indexes["C extension"] = index.twin(native=True)
    else:
        print("the candidate stage's C extension is not built here: Python only")
    return indexes


def build(words: list[str]) -> dict[str, Callable[[str], set[str]]]:
    """Each matcher as text -> the set of literals occurring in it."""
    matchers: dict[str, Callable[[str], set[str]]] = {}
    t0 = time.process_time()
    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(w, w)
    auto.make_automaton()
    built = {"pyahocorasick": time.process_time() - t0}
    matchers["pyahocorasick"] = lambda text: {w for _, w in auto.iter(text)}
    try:
        import ahocorasick_rs

        t0 = time.process_time()
        rs = ahocorasick_rs.AhoCorasick(words)
        built["ahocorasick-rs"] = time.process_time() - t0
        matchers["ahocorasick-rs"] = lambda text: {words[i] for i, _, _ in rs.find_matches_as_indexes(text, overlapping=True)}
    except ImportError:
        print("ahocorasick-rs not installed: skipped")
    try:
        import hyperscan

        t0 = time.process_time()
        db = hyperscan.Database()
        encoded = [re.escape(w).encode("utf-8") for w in words]
        db.compile(expressions=encoded, ids=list(range(len(words))), elements=len(words),
                   flags=[hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_UTF8] * len(words))
        built["hyperscan"] = time.process_time() - t0

        def hs(text: str) -> set[str]:
            found: set[str] = set()
            db.scan(text.encode("utf-8"), match_event_handler=lambda i, *_: found.add(words[i]))
            return found

        matchers["hyperscan"] = hs
    except (ImportError, Exception) as exc:  # the library or the CPU may lack support
        print(f"hyperscan unavailable: {exc}")
    try:
        import re2

        t0 = time.process_time()
        rset = re2.Set.SearchSet(re2.Options())
        for w in words:
            rset.Add(re2.escape(w))
        rset.Compile()
        built["re2-set"] = time.process_time() - t0
        matchers["re2-set"] = lambda text: {words[i] for i in rset.Match(text) or ()}
    except ImportError:
        print("google-re2 not installed: skipped")
    t0 = time.process_time()
    trie = trigger_regex(words)
    assert trie is not None
    finder = re.compile(f"(?=({trie.pattern}))")
    built["trie regex (today)"] = time.process_time() - t0

    def trie_matcher(text: str) -> set[str]:
        return set(finder.findall(text))

    matchers["trie regex (today)"] = trie_matcher
    print("build, ms: " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in built.items()))
    print(f"{len(words):,} literals (the trie regex reports only the shortest literal at a position: it must "
          "find a subset of the others' literals)")
    return matchers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    words = literals()
    matchers = build(words)
    for kind, make in bench_analyze.CORPORA.items():
        texts = [normalize(text) for _, _, text in make(args.messages)]
        reference = [matchers["pyahocorasick"](t) for t in texts]
        row = []
        for name, match in matchers.items():
            best = float("inf")
            for _ in range(3):
                t0 = time.process_time()
                results = [match(t) for t in texts]
                best = min(best, time.process_time() - t0)
            if name.startswith("trie"):
                agree = all(r <= ref for r, ref in zip(results, reference, strict=True))
            else:
                agree = results == reference
            row.append(f"{name} {best / len(texts) * 1e6:.1f}{'' if agree else ' (DIFFERENT RESULTS)'}")
        print(f"{kind:15} µs per message: " + "; ".join(row))
    stages = stage_indexes()
    for kind, make in bench_analyze.CORPORA.items():
        texts = [normalize(text)[:MAX_MATCH_CHARS] for _, _, text in make(args.messages)]
        answers = {}
        row = []
        for name, index in stages.items():
            best = float("inf")
            for _ in range(3):
                t0 = time.process_time()
                answers[name] = [index.candidates(t) for t in texts]
                best = min(best, time.process_time() - t0)
            row.append(f"{name} {best / len(texts) * 1e6:.2f}")
        same = all(a == answers["python"] for a in answers.values())
        print(f"{kind:15} candidate stage, µs per message: " + "; ".join(row) + ("" if same else " (DIFFERENT ANSWERS)"))


if __name__ == "__main__":
    main()

"""Strings for comparing a C literal scan with its Python reference: literals, pieces of them and the characters
around word edges (1-, 2- and 4-byte), shared by the candidate stage's and the personal-details pass's tests."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence


def fuzz(literals: Sequence[str], rng: random.Random, count: int, edges: Sequence[str], *,
         capitals: bool = False) -> Iterator[str]:
    """`count` strings of up to 8 pieces, each a literal (whole, cut, inside a longer word or, with `capitals`,
    in capitals) and one of `edges`."""
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 8)):
            word = rng.choice(literals)
            r = rng.random()
            if r < 0.3:  # a piece of a literal
                a = rng.randrange(len(word))
                word = word[a:rng.randint(a + 1, len(word))]
            elif r < 0.4:  # a literal inside a longer word
                word = rng.choice("abxz019") + word + rng.choice(("", "s", "1", "ing"))
            elif capitals and r < 0.5:
                word = rng.choice((word.upper(), word.title()))
            parts += [word, rng.choice(edges)]
        yield "".join(parts)

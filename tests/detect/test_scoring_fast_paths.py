"""The scorer's and language detection's fast paths give what their plain definitions give, to the bit.

Each fast path (candidate searches instead of a regex over every character, a table of word pairs, C-level
maps, bisection within bounds, one lexicon table) is checked against the straightforward form written out
here, on random and adversarial input: `hotline analyze --json` must not change by a bit when they do.
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect_left, bisect_right
from itertools import pairwise

import pytest

from hotline.detect.scoring.conversation import ScoreStream, _by_sender, _highest, score_messages
from hotline.detect.scoring.linear import PAIRS_AFTER, PAIRS_KEPT, LinearScorer, _pair_words, load_model
from hotline.detect.scoring.terms import (
    _BYTES,
    _LAUGH,
    _LOWER_ASCII,
    _RUN,
    MARK,
    _canon,
    _letter_run,
    _without_emails,
    canonical_text,
    char_grams,
    function_words,
    gram_word,
    plain_word,
    raw_tokens,
)
from hotline.detect.scoring.windows import spans
from hotline.detect.text.case import lower
from hotline.detect.text.language import detect_language, english_words, romanised_khmer_words

#: Pieces that meet the reading's special cases: URLs, nick prefixes, e-mail addresses, two-word
#: spellings, dropped words, apostrophes, letters whose lower case is ASCII, non-ASCII space, marks.
_PIECES = ["http://", "https://", "HTTP://", "hTTps://", "www.", "WWW.", "wwww.", "http", "://", "s://", ":", ": ",
           ":\t", "\x01", "nick", "[x]", "a@b.com", "@", ".", "wanna", "gonna", "wru", "lol", "haha", "u", "r",
           "K", "\u212a", "\u0130", "\u017f", "\u0445\u0430", "\u1781\u17d2\u1798\u17c2\u179a", "é", "I'm",
           "don\u2019t", "\n", "\t", "\xa0", "x1", "12345", "a_b", "-", "|", "{", "hello", "WORLD", " ", "  ",
           "Www.", "HTTPS://", "A@B.COM", "Bob: ", "\u0130x", "a\u212a", "\ud800", "\u2003", "\u0131"]


#: The URLs and nick prefixes the reading removes, as first written: matched in the lowered text.
_URL = re.compile(r"https?://[^\s\x01]+|www\.[^\s\x01]+")
_NICK = re.compile(r"\x01[\w\-\[\]|^{}]+:[ \t]")


def _reference_canonical(texts: list[str]) -> list[str]:
    """`canonical_text` as first written: each regex over the whole text, two-word forms by join and split."""
    big = (MARK + MARK.join(t[:4000].replace(MARK, " ") for t in texts) + MARK).lower()
    big = big.replace("'", "").replace("\u2019", "")
    big = _NICK.sub("\x01 ", _without_emails(_URL.sub(" ", big)))
    tokens = big.encode("ascii", "replace").translate(_BYTES).decode("ascii").replace(MARK, " \x01 ").split()
    return " ".join(w for w in map(_canon().get, tokens[1:], tokens[1:]) if w).split()


def _random_texts(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randrange(9))) for _ in range(rng.randrange(7))]


def test_reading_finds_what_the_regexes_over_every_character_find() -> None:
    rng = random.Random(10)
    for _ in range(3000):
        texts = _random_texts(rng)
        assert canonical_text(texts) == _reference_canonical(texts), texts


def _reference_weights(scorer: LinearScorer, texts: list[str]) -> tuple[list[float], list[int]]:
    """Per message, the running sum over the chunk of each word's weight (its own and its grams') plus its
    pair's, differenced at the message's end: the definition the vectorised form uses."""
    tokens = canonical_text(texts)
    w = scorer.weights
    running, total = [], 0.0
    for i, t in enumerate(tokens):
        word = w.get(t, 0.0)
        for g in char_grams(t, scorer.gram) if t != MARK else []:
            word += w.get(g, 0.0)
        pair = w.get(f"{t} {tokens[i + 1]}", 0.0) if i + 1 < len(tokens) else 0.0
        total += word + pair
        running.append(total)
    marks = [i for i, t in enumerate(tokens) if t == MARK]
    weights = [running[m] - (running[p] if p >= 0 else 0.0) for p, m in zip([-1, *marks], marks, strict=False)]
    return weights, [m - p - 1 for p, m in pairwise([-1, *marks])]


def _chat(rng: random.Random, n: int) -> list[str]:
    words = ["are", "you", "alone", "send", "me", "a", "pic", "pictur", "wanna", "meet", "dont", "tell", "ur",
             "mom", "school", "was", "fun", "lol", "secret", "cute", "www.x.com", "bob:", "ok"]
    return [" ".join(rng.choice(words) for _ in range(rng.randrange(12))) for _ in range(n)]


def test_message_weights_with_and_without_the_pair_table_match_their_definition() -> None:
    rng = random.Random(11)
    fresh, warmed = load_model(), _fresh_copy()
    # Reading this much builds the warmed scorer's table of pairs (plain) or keeps its pairs (compiled); a
    # fresh one still joins each pair.
    warmed.message_weights(_chat(rng, PAIRS_AFTER // 4))
    assert _paired(warmed)
    cold = _fresh_copy()
    for n in (0, 1, 2, 7, 60, 512):
        texts = _chat(rng, n)
        expected = _reference_weights(fresh, texts)
        assert warmed.message_weights(texts) == expected
        assert cold.message_weights(texts) == expected
        assert not cold._cache.pairs
        assert repr(warmed.message_weights(texts)) == repr(expected)  # the same floats, signs of zero included


def _paired(scorer: LinearScorer) -> bool:
    """Whether the scorer built its table of pairs (plain Python) or keeps pairs as read (compiled)."""
    return scorer._cache.pairs is not None or scorer._cache.pairs_kept > 0


def _fresh_copy() -> LinearScorer:
    m = load_model()
    return LinearScorer(m.signal, m.weights, m.bias, m.alpha, m.calibration, m.threshold, m.meta,
                        m.conversation, m.gram)


def _reference_spans(words: list[int], target: int, cap: int) -> tuple[list[int], list[int]]:
    """`spans` written per message: each window's end found by walking, the median taken from a sort."""
    n = len(words)
    if n == 0:
        return [], []
    cum = [0]
    for w in words:
        cum.append(cum[-1] + w)
    if cum[-1] <= target and n <= cap:
        return [0], [n]
    ends_all = []
    for i in range(n):
        reach = bisect_left(cum, cum[i] + target)
        ends_all.append(max(min(reach, i + cap, n), i + 1))
    lengths = sorted(e - i for i, e in enumerate(ends_all))
    median = lengths[n // 2] if n % 2 else (lengths[n // 2 - 1] + lengths[n // 2]) / 2
    step = max(1, int(median) // 2)
    starts = [s for s in range(0, n, step) if ends_all[s] < n]
    ends = [ends_all[s] for s in range(0, n, step) if ends_all[s] < n]
    last = max(0, min(bisect_right(cum, cum[-1] - target) - 1, n - 1), n - cap)
    if not starts or starts[-1] < last:
        starts.append(last)
        ends.append(n)
    return starts, ends


@pytest.mark.parametrize("target,cap", [(150, 150), (10, 3), (1, 1), (0, 0), (500, 1000), (20, -2)])
def test_window_layout_matches_its_definition(target: int, cap: int) -> None:
    rng = random.Random(target * 1000 + cap)
    for _ in range(400):
        words = [rng.randrange(rng.choice([1, 4, 12, 60])) for _ in range(rng.choice([0, 1, 3, 40, 151, 700]))]
        assert spans(words, target=target, max_messages=cap) == _reference_spans(words, target, cap)


def test_window_logits_and_probabilities_match_their_formulas() -> None:
    scorer = load_model()
    rng = random.Random(12)
    weights = [rng.uniform(-3, 3) for _ in range(300)]
    words = [rng.randrange(0, 9) for _ in range(300)]
    starts, ends = spans(words)
    logits = scorer.window_logits(weights, words, starts, ends)
    for z, s, e in zip(logits, starts, ends, strict=True):
        total = _cum(weights, e) - _cum(weights, s)
        assert z == scorer.bias + total / math.sqrt(max(sum(words[s:e]), 1))
    assert list(scorer.window_probabilities([*logits, 1e9, -1e9])) == list(
        map(scorer.window_probability, [*logits, 1e9, -1e9]))
    with pytest.raises(ValueError):
        scorer.window_logits(weights, words, starts, ends[:-1])


def _cum(values: list[float], end: int) -> float:
    total = 0.0
    for v in values[:end]:
        total += v
    return total


def _reference_language(norm: str) -> str | None:
    if re.search("[\u1780-\u17ff\u19e0-\u19ff]", norm):
        return "km"
    tokens = re.findall("[a-z]+", norm)
    km = sum(t in romanised_khmer_words() for t in tokens)
    en = sum(t in english_words() for t in tokens)
    if km > en or (km and km == en):
        return "km-Latn"
    return "en" if en else None


def test_language_counts_every_word_as_the_lexicons_do() -> None:
    rng = random.Random(13)
    words = [*sorted(romanised_khmer_words())[:40], *sorted(english_words())[:40], "16", "haha", "bob", "é",
             "\u1781\u17d2\u1798\u17c2\u179a", "\U0001f600", "x-y", "ok!", " ", "\t"]
    for _ in range(3000):
        norm = " ".join(rng.choice(words) for _ in range(rng.randrange(8)))
        assert detect_language(norm) == _reference_language(norm), norm


def test_reading_token_by_token_gives_the_maps_floats() -> None:
    """Compiled, a scorer reads token by token (`_read`); in plain Python in C-level maps (`_mapped`): both
    give the same floats, before and after the table of pairs is built and pairs are kept as read, on chats
    and on adversarial pieces."""
    rng = random.Random(14)
    cold, warmed = _fresh_copy(), _fresh_copy()
    warmed._pair_tables()
    assert warmed._cache.pairs and not cold._cache.pairs
    for scorer in (cold, warmed, cold):  # cold again: tokens and pairs kept from the first round
        for n in (0, 1, 2, 7, 60, 512):
            for texts in (_chat(rng, n), _random_texts(rng)[:n]):
                raw = raw_tokens(texts)
                expected = scorer._mapped(raw, len(texts))
                assert repr(scorer._read(raw)) == repr(expected), texts
    texts = _chat(rng, 300)
    assert warmed._read(raw_tokens(texts)) == _reference_weights(warmed, texts)
    full = _fresh_copy()  # as many pairs kept as allowed: the others are looked up by name each time
    full._cache.pairs_kept = PAIRS_KEPT
    for _ in range(2):
        assert repr(full._read(raw_tokens(texts))) == repr(_reference_weights(full, texts))
    assert full._cache.pairs_kept == PAIRS_KEPT and not any(t.follow for t in full._cache.canonical.values())


def test_pairs_skipped_by_their_words_are_pairs_the_vocabulary_lacks() -> None:
    """A compiled scorer looks a pair up only if its first word starts a pair of the vocabulary and its second
    ends one (`_pair_words`): reading chats made of the vocabulary's own pairs, their words crossed, and of
    other words gives the definition's floats; the words are those the pair terms split into."""
    scorer = _fresh_copy()
    pairs = [t.split(" ") for t in scorer.weights if " " in t]
    flags = _pair_words(scorer.weights)
    firsts, seconds = {w for w, f in flags.items() if f & 1}, {w for w, f in flags.items() if f & 2}
    assert firsts == {a for a, _ in pairs} and seconds == {b for _, b in pairs} and set(flags) == firsts | seconds
    assert all(" " not in t for t in firsts | seconds) and firsts - seconds and seconds - firsts
    rng = random.Random(20)
    words = [w for pair in pairs for w in pair] + ["are", "you", "zzyzx", "pictur", "wanna", "lol", "12"]
    for _ in range(40):
        texts = [" ".join(rng.choice(pairs)) if rng.random() < 0.5
                 else " ".join(rng.choice(words) for _ in range(rng.randrange(9))) for _ in range(rng.randrange(1, 40))]
        raw = raw_tokens(texts)
        assert repr(scorer._read(raw)) == repr(_reference_weights(scorer, texts)), texts
        assert repr(scorer._read(raw)) == repr(scorer._mapped(raw, len(texts))), texts
    tokens = scorer._cache.canonical
    assert any(t.starts and not t.ends for t in tokens.values()) and any(t.ends and not t.starts for t in tokens.values())
    assert all(t.starts == (w in firsts) and t.ends == (w in seconds) for w, t in tokens.items())


def test_cited_terms_read_together_are_each_texts_top_terms() -> None:
    """`cited_terms` reads the cited texts in one pass, word by word: each text's terms and weights are those
    `top_terms` finds in it alone, bit for bit, on chats, adversarial pieces and the vocabulary's pairs."""
    rng = random.Random(21)
    scorer, fresh = _fresh_copy(), _fresh_copy()
    pairs = [t for t in scorer.weights if " " in t]
    for _ in range(300):
        texts = rng.choice([_chat(rng, rng.randrange(1, 9)), _random_texts(rng),
                            [" ".join(rng.sample(pairs, 3)) for _ in range(rng.randrange(1, 5))]])
        for limit in (0, 1, 3, 50):
            expected = [fresh.top_terms(t, limit) for t in texts]
            assert repr(scorer.cited_terms(texts, limit)) == repr(expected), texts
    assert scorer.cited_terms([], 3) == [] and scorer.cited_terms([""], 3) == [[]]


def test_the_heaviest_messages_kept_are_those_a_heap_from_the_first_keeps() -> None:
    """`ScoreStream` keeps its first `KEEP` heavy messages in a list and makes it a heap once full: the texts
    kept are those pushing each onto a heap from the first kept, chunk by chunk."""
    import heapq

    rng = random.Random(22)
    for n in (10, 64, 65, 600, 1500):
        texts = _chat(rng, n)
        stream = ScoreStream(load_model())
        for i, text in enumerate(texts):
            stream.message(i, None, text)
        stream._flush()
        weights = stream._weights
        assert len(weights) == n
        heap: list[tuple[float, int, str]] = []  # (the sizes read from the stream: compiled, not from its class)
        for start in range(0, n, stream.CHUNK):
            floor = heap[0][0] if len(heap) >= stream.KEEP else 0.0
            for i in range(start, min(n, start + stream.CHUNK)):
                if weights[i] > floor:
                    item = (weights[i], i, texts[i])
                    if len(heap) < stream.KEEP:
                        heapq.heappush(heap, item)
                    elif item > heap[0]:
                        heapq.heapreplace(heap, item)
        assert sorted(stream._kept) == sorted(heap) and (len(heap) < stream.KEEP or stream._kept[0] == heap[0])


def test_each_senders_windows_are_read_from_their_messages_alone() -> None:
    scorer = load_model()
    rng = random.Random(15)
    for n in (1, 5, 300, 3000):
        codes = [rng.randrange(-1, rng.choice([1, 2, 5])) for _ in range(n)]
        weights = [rng.uniform(-2, 2) for _ in range(n)]
        words = [rng.randrange(0, 12) for _ in range(n)]
        expected: dict[int, float] = {}
        for code in sorted(set(codes) - {-1}):
            sub_weights = [w for w, c in zip(weights, codes, strict=True) if c == code]
            sub_words = [w for w, c in zip(words, codes, strict=True) if c == code]
            expected[code] = max(scorer.window_logits(sub_weights, sub_words, *spans(sub_words)))
        got = _by_sender(scorer, weights, words, codes)
        assert list(got.items()) == list(expected.items())


def test_senders_are_coded_in_order_of_their_first_message() -> None:
    """The first few senders are found by comparing names, the others by lookup: codes as one table gives."""
    rng = random.Random(18)
    names = [None, "a", "b", "ab", "Bob", "bob", "", "c", "d", "\u1780", "e f"]
    for kinds in (1, 2, 4, 5, len(names)):
        senders = [rng.choice(names[:kinds]) for _ in range(1000)]
        stream = ScoreStream(load_model())
        for i, sender in enumerate(senders):  # each sender a new string, as a parser gives them
            stream.message(i, None if sender is None else "".join(list(sender)), "hi there")
        stream._flush()
        table: dict[str, int] = {}
        expected = [-1 if x is None else table.setdefault(x, len(table)) for x in senders]
        assert stream._codes == expected
        assert list(stream._names.items()) == list(table.items())


def test_cited_messages_are_explained_as_each_citation_alone_explains_them() -> None:
    """A message cited by several top windows is explained once, its word found by a regex kept per word:
    the words and spans each citation gets from `top_terms` and a fresh `re.search`."""
    rng = random.Random(19)
    scorer = load_model()
    for n in (3, 10, 40, 64):  # at most `ScoreStream.KEEP` messages: every cited text is kept
        for _ in range(20):
            texts = _chat(rng, n)
            result = score_messages(texts, scorer=scorer)
            for window in result.top:
                words: dict[str, None] = {}
                spans: list[tuple[int, int] | None] = []
                for i in window.cited:
                    terms = [t for t, _ in scorer.top_terms(texts[i], 3)]
                    words.update(dict.fromkeys(terms))
                    found = (re.search(rf"\b{re.escape(t.split(' ')[0])}\w*", lower(texts[i])) for t in terms)
                    spans.append(next(((m.start(), m.end()) for m in found if m is not None), None))
                assert window.words == tuple(words) and window.spans == tuple(spans), texts


def test_a_words_grams_are_read_as_the_plain_definition_reads_them() -> None:
    """`gram_word` (cheap checks first) against `char_grams`' first definition, and a scorer's word weight
    (grams sliced from the word, looked up without their "#") against the sum over `char_grams`, bit for bit."""
    rng = random.Random(16)
    letters = "aefhilmozbcdknprstuvwxy19_"
    words = ["i", "a", "the", "about", "pictures", "hahaha", "lol", "lmao", "lolz", "haha", "ahah", "sooo", "aaa",
             "hehe", "hmm", "1234", "12", "x1", "", "\u00e9t\u00e9", "caf\u00e9", "\u212a", "ohh", "looool", "film",
             *sorted(function_words())[:30]]
    words += ["".join(rng.choice(letters) for _ in range(rng.randrange(1, 9))) for _ in range(3000)]
    scorer = _fresh_copy()
    table = scorer._word_table()
    for word in words:
        for n in (0, 1, 2, 4, -1):
            expected = (0 < n <= len(word) and plain_word(word) and not word.isdigit()
                        and word not in function_words())
            assert gram_word(word, n) == expected, (word, n)
        if word:
            w = scorer.weights.get(word, 0.0)
            for g in char_grams(word, scorer.gram):
                w += scorer.weights.get(g, 0.0)
            assert repr(table[word]) == repr(w + 0.0), word
    assert _LAUGH.fullmatch("hahah") and not gram_word("hahah") and gram_word("pictures")
    for word in [*words, "AAA", "\u00e9\u00e9\u00e9", "aa", "zzz", "{{{", "``a", "xaaay", "aab"]:
        assert _letter_run(word) == bool(_RUN.search(word)), word


def test_window_logits_read_any_sequence_as_the_cumulative_sums_do() -> None:
    """The sums kept at window bounds only are the cumulative sums' floats, from lists or other sequences."""
    scorer = load_model()
    rng = random.Random(17)
    for n in (1, 2, 40, 700):
        weights = [rng.uniform(-3, 3) for _ in range(n)]
        words = [rng.randrange(0, 9) for _ in range(n)]
        starts = sorted(rng.randrange(n) for _ in range(rng.randrange(1, 9)))
        ends = [rng.randrange(s + 1, n + 1) for s in starts]
        wcum = [0.0]
        for w in weights:
            wcum.append(wcum[-1] + w)
        expected = [scorer.bias + (wcum[e] - wcum[s]) / math.sqrt(max(sum(words[s:e]), 1))
                    for s, e in zip(starts, ends, strict=True)]
        assert repr(scorer.window_logits(weights, words, starts, ends)) == repr(expected)
        assert repr(scorer.window_logits(tuple(weights), tuple(words), starts, ends)) == repr(expected)
        assert spans(tuple(words)) == spans(words)
    with pytest.raises(IndexError):
        scorer.window_logits([1.0], [1], [0], [2])


def test_the_highest_values_are_those_a_stable_sort_puts_first() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        values = [rng.choice([-1.5, -0.0, 0.0, 0.25, 2.0, rng.uniform(-3, 3)]) for _ in range(rng.randrange(12))]
        for count in range(5):
            expected = sorted(range(len(values)), key=values.__getitem__, reverse=True)[:count]
            assert _highest(values, count) == expected, (values, count)


def test_no_character_but_those_named_lowers_to_ascii_or_into_another_class() -> None:
    """The reading lowers the text as ASCII bytes and finds URLs, e-mail addresses and nick prefixes in it as
    typed, which reads as lowering the `str` first only while this holds (Unicode's data could change it)."""
    classes = [re.compile(r"[\w\-\[\]|^{}]"), re.compile(r"\s"), re.compile(r"[\w-]")]
    found = []
    for code in range(128, 0x110000):
        ch = chr(code)
        low = ch.lower()
        if low == ch:
            continue
        if (len(low) != 1 or low.isascii() or ch.isalnum() != low.isalnum()
                or any(bool(c.match(ch)) != bool(c.match(low)) for c in classes)):
            found.append(ch)
    assert found == sorted(_LOWER_ASCII)

"""The personal-details pass's shortcuts give the answers of the long way: the question word noted while
scanning the previous message, the start-first answer rules, the rules' first-character lookahead, the
Khmer numerals made ASCII by replace."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from hotline.detect.signals.personal_info import (
    _ascii_digits,
    _lexicons,
    _scan,
    _with_first_class,
    find_personal_info,
)
from hotline.detect.text.khmer import KHMER_DIGITS


def _spans(text: str, previous: str | None) -> list[tuple[str, str, int]]:
    return [(d.type, d.value, d.start) for d in find_personal_info(text, previous)]


QUESTIONS_AND_ANSWERS = [
    ("how old are you?", "14", [("age", "14", 0)]),
    ("u age?", "15", [("age", "15", 0)]),
    ("អាយុប៉ុន្មាន?", "១៤", [("age", "១៤", 0)]),
    ("which school?", "Chea Sim Samaki", [("school", "Chea Sim Samaki", 0)]),
    ("your ID card number?", "010123456", [("id_number", "010123456", 0)]),
    # the gate opens on the digit before the question words: the question must still be noticed
    ("ok 5pm then, how old are you?", "14", [("age", "14", 0)]),
    ("call 012 345 678. which school?", "Chea Sim Samaki", [("school", "Chea Sim Samaki", 0)]),
    ("see you at 7", "14", []),
    ("nice weather", "14", []),
    ("nice weather", "Chea Sim Samaki", []),
]


@pytest.mark.parametrize(("previous", "text", "want"), QUESTIONS_AND_ANSWERS)
def test_an_answer_is_read_whether_or_not_its_question_was_just_scanned(
        previous: str, text: str, want: list[tuple[str, str, int]]) -> None:
    find_personal_info("something else entirely")
    cold = _spans(text, previous)
    find_personal_info(previous)  # now `previous` is the string the pass scanned last
    warm = _spans(text, previous)
    assert cold == warm == want


def test_a_message_in_order_after_one_without_a_question_reads_no_answer() -> None:
    """The same string scanned as a non-question, then passed as `previous`: the bare number is no age."""
    previous = "see you at the market"
    find_personal_info(previous)
    assert find_personal_info("14", previous) == []
    assert _spans("14", "how old are you?") == [("age", "14", 0)]


@pytest.mark.parametrize(("text", "gate", "asks"), [
    ("hello there", False, False),
    ("how old are you", False, True),
    ("call 012 345 678", True, False),
    ("at 5, how old are you", True, True),
    ("សាលាណា", True, True),  # a plain anchor (សាលា) inside a question word
    ("នៅណា", False, True),
])
def test_scan_tells_the_gate_and_the_question_words(text: str, gate: bool, asks: bool) -> None:
    assert _scan(_lexicons(), text.lower()) == (gate, asks)


def test_scan_never_misses_a_question_that_a_question_list_finds() -> None:
    """Whenever one of the question lists finds its word in a message, the scan says it may ask."""
    lex = _lexicons()
    names = ("age_question", "id_question", "school_question", "address_question")
    words = sorted({w for name in names for w in lex.lists[name].words})
    pieces = [*words, "7", "012 345 678", "school", "សាលា", "x", " ", "?", "big", "ភូមិ", "I"]
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))) for _ in range(5000)]
    seen = 0
    for text in texts:
        if any(lex.lists[name].search(text) for name in names):
            seen += 1
            assert _scan(lex, text.lower())[1], text
    assert seen > 1000


PATTERNS = [
    (r"(?<![A-Za-z])(?:line|ig|insta)\s*(?P<v>@?[A-Za-z0-9_]{3,})", re.IGNORECASE),
    (r"(?:(?:ខ្ញុំ|(?<!\u17D2)អូន|ញុំ)[\s\u200b]*)?អាយុ[\s\u200b]*(?P<age>\d{1,2})", 0),
    (r"(?<![A-Za-z0-9])(?P<age>\d{1,2})\s*(?:years?\s*old|y/o)", re.IGNORECASE),
    (r"(?<![A-Za-z])(?:[Ss]tudy|[Ll]earning)\s+at\s+(?P<name>[A-Z][a-z]+)", 0),
    (r"(?:so|too)?\s*(?:young|old)", re.IGNORECASE),
    (r"(?:ab)*c?", 0),
]


@pytest.mark.parametrize(("source", "flags"), PATTERNS)
def test_first_class_lookahead_keeps_every_match(source: str, flags: int) -> None:
    plain = re.compile(source, flags)
    led = re.compile(_with_first_class(source, flags), flags)
    pieces = ["line", "LINE", "Insta", "ig", "big", "@sok_99", " ", "ខ្ញុំ", "អូន", "្អូន", "អាយុ", "\u200b", "14",
              "7", "years old", "Y/O", "Study", "learning", " at ", "Phnom", "so", "Too", "young", "old", "ab",
              "c", "K", "\u212a", "İ"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        want = [(m.span(), m.groupdict()) for m in plain.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in led.finditer(text)] == want, text


def test_first_class_lookahead_only_where_the_engine_cannot_see_the_start() -> None:
    assert _with_first_class(r"(?<![a-z])(?:ab|cd)x", 0) == r"(?=[ac])(?:(?<![a-z])(?:ab|cd)x)"
    assert _with_first_class(r"(?:ab|cd)x", 0) == r"(?:ab|cd)x"  # a branch of literals: the engine skips
    assert _with_first_class(r"[0-9]x", 0) == r"[0-9]x"
    assert _with_first_class(r"\d+x", 0) == r"(?=[\d])(?:\d+x)"  # a repeat: the engine does not look in
    assert _with_first_class(r"(?=[0-9])\d+", 0) == r"(?=[0-9])\d+"  # led by its own lookahead
    assert _with_first_class(r"(?<!x)(?:ab)*c?", 0) == r"(?<!x)(?:ab)*c?"  # can match nothing
    assert _with_first_class(r"(?<!x).b", 0) == r"(?<!x).b"  # anything may come first
    assert _with_first_class(r"(?i)(?<!x)ab", 0) == r"(?i)(?<!x)ab"


@pytest.mark.parametrize("text", [
    "លេខ ០១២ ៣៤៥ ៦៧៨", "ថ្ងៃ ៧ ខែ ៣ ឆ្នាំ ២០២៥", "៰៱ and ០", "mixed 12 ១២", "no numerals", "",
])
def test_khmer_numerals_made_ascii_as_translate_makes_them(text: str) -> None:
    assert _ascii_digits(text) == text.translate(KHMER_DIGITS)


def test_anchors_found_from_the_automata_are_those_the_anchor_regexes_find() -> None:
    """The anchors the automata's scans keep are `findall` of the anchor regexes: anchors overlapping, glued
    to letters on either side, inside one another, in both scripts; and the gate's scan tells a digit
    exactly where `_DIGIT` finds one. Both ways: Python, and C where the extension is in use."""
    from hotline.detect.signals.personal_info import _DIGIT, _DIGITS

    lex = _lexicons()
    anchors = sorted(lex.anchor_rules)
    pieces = [*anchors, "a", "s", "x", "big", "1", "៣", ".", "@", " ", "-", "ក", "្"]
    rng = random.Random(11)
    texts = [f"{glue}{a}{end}" for a in anchors for glue in ("", "x", "1", " ") for end in ("", "x", "s", ".")]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(20_000)]
    ways = [(lex.gate_automaton.twin(native=False), lex.anchor_automaton.twin(native=False))]
    if lex.gate_automaton.native:
        ways.append((lex.gate_automaton, lex.anchor_automaton))
    overlapping = 0
    for text in texts:
        low = text.lower()
        every = lex.anchors.findall(low)
        for gate, anchor in ways:
            tells, plain = gate.scan(low)
            assert bool(tells & _DIGITS) == (_DIGIT.search(low) is not None), text
            assert (plain or frozenset()) == frozenset(lex.plain_anchors.findall(low)), text
            assert (anchor.scan(low)[1] or frozenset()) == frozenset(every), text
        overlapping += sum(a in low for a in anchors) > len(set(every))
    assert overlapping > 1000  # texts where some anchors overlap, so which of them count matters



def test_a_rule_is_skipped_only_where_its_regex_cannot_match() -> None:
    """A rule's `requires` and `requires_lower` (strings every match holds) leave out no text its regex
    matches: every message of the evaluation chats, and strings made of the required strings (in capitals
    too), the rules' anchors, digits and the characters a case-insensitive regex reads as ASCII letters."""
    from pathlib import Path

    from hotline.detect.chats import load
    from hotline.detect.signals.personal_info import _ascii_digits, _holds, _lowered

    lex = _lexicons()
    every = (*lex.all_rules, *lex.answers, *lex.support_khmer, *lex.support_latin)
    rules = [r for r in every if r.requires or r.requires_lower]
    assert {"en.location.coordinates", "en.email", "km.address.phum"} <= {r.id for r in rules if r.requires}
    assert {"km-Latn.school.vityealai", "en.address.house"} <= {r.id for r in rules if r.requires_lower}
    assert all(not r.requires for r in every if r.regex.flags & re.IGNORECASE)
    assert all(not r.requires_lower for r in every if not r.regex.flags & re.IGNORECASE)
    strings = {s for r in rules for group in (*r.requires, *r.requires_lower) for s in group}
    pieces = sorted(strings | {s.upper() for s in strings} | {s.title() for s in strings}
                    | {a for r in rules for a in r.anchors})
    pieces += ["1", "12", "11.5", "104.9", "012 345 678", " ", ",", ".", "@", "x", "ក", "៣", "ſ", "ı", "\u212a", "İ",
               "ſt", "vityealaı", "ho\u212aus"]
    rng = random.Random(12)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(20_000)]
    chats = Path(__file__).resolve().parents[2] / "eval" / "chats"
    texts += [_ascii_digits(m.text) for path in sorted(chats.glob("*.txt")) for m in load(path).messages]
    lowered = [_lowered(t) for t in texts]
    matched = 0
    for rule in rules:
        for text, low in zip(texts, lowered, strict=True):
            if rule.regex.search(text) is not None:
                matched += 1
                assert _holds(text, rule.requires), (rule.id, text)
                assert low is None or _holds(low, rule.requires_lower), (rule.id, text)
    assert matched > 2000
    assert _lowered("VITYEALAI") == "vityealai" and _lowered("ſchool") is None
    assert not _holds("12.5 104", ((".",), (",",))) and _holds("12.5, 104", ((".",), (",", ";")))


def _eval_texts() -> list[str]:
    from pathlib import Path

    from hotline.detect.chats import load

    chats = Path(__file__).resolve().parents[2] / "eval" / "chats"
    return [m.text for path in sorted(chats.glob("*.txt")) for m in load(path).messages]


def test_the_matches_after_a_first_search_are_those_finditer_gives() -> None:
    """A rule's regex is searched once and `_every` goes on from its first match: the same matches as
    `finditer`, for every rule on the evaluation chats and on strings made of its anchors, and for regexes
    that match the empty string (where going on from the match's end would find it again)."""
    from hotline.detect.signals.personal_info import _ascii_digits, _every

    lex = _lexicons()
    every = (*lex.all_rules, *lex.answers, *lex.support_khmer, *lex.support_latin)
    regexes = [r.regex for r in every] + [re.compile(s) for s in (r"(?:ab)*c?", r"\b", r"x*", r"^a|b", r"(?<=a)b*")]
    pieces = [*sorted({a for r in every for a in r.anchors}),
              "1", "012 345 678", "11.5, 104.9", " ", "ab", "b", "x", "@sok_99", "ក", "៣", "\u200b", "I", "\n"]
    rng = random.Random(13)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(1500)]
    texts += [_ascii_digits(t) for t in _eval_texts()[:1500]]
    found = 0
    for regex in regexes:
        for text in texts:
            want = [(m.span(), m.groups()) for m in regex.finditer(text)]
            first = regex.search(text)
            got = [] if first is None else [(m.span(), m.groups()) for m in _every(regex, text, first)]
            assert got == want, (regex.pattern, text)
            found += len(got) > 1
    assert found > 500  # texts with more than one match: going on from the first matters


def _khmer_word_lists() -> tuple[list[str], list[str]]:
    from hotline.detect.signals.personal_info import _KHMER

    lex = _lexicons()
    stops = sorted(w for w in lex.lists["name_stops"].words if _KHMER.search(w))
    cuts = sorted(set(stops) | {w for w in lex.lists["places"].words if _KHMER.search(w)})
    return stops, cuts


def test_khmer_stop_words_are_found_where_their_alternation_finds_them() -> None:
    """A name's stop words and place names, read through a trie: a name starts with one, and one starts
    after its first character, exactly where the plain alternation of the words (the long way) says."""
    from hotline.detect.signals.personal_info import _khmer_words

    stops, cuts = _khmer_word_lists()
    lex = _lexicons()
    pieces = [*cuts, *(w[:-1] for w in cuts), *(w[1:] for w in cuts), "\u17d2", "ក", "ា", " ", "\u200b", "x"]
    rng = random.Random(14)
    names = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(10_000)]
    hits = 0
    for words, fast in ((stops, lex.khmer_stops), (cuts, lex.khmer_cuts)):
        assert fast.pattern == _khmer_words(words).pattern
        plain = re.compile(r"(?<!\u17D2)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")")
        for name in names:
            assert (fast.match(name) is None) == (plain.match(name) is None), name
            want, got = plain.search(name, 1), fast.search(name, 1)
            assert (got and got.start()) == (want and want.start()), name
            hits += want is not None
    assert hits > 5000


def test_cues_and_provinces_alone_never_make_an_address() -> None:
    """Why `_address_parts` looks for cues, provinces and districts only once a house, street or unit is
    there: every arrangement of cue and support parts, asked or not, gives no address."""
    from hotline.detect.signals.personal_info import SUPPORT_PARTS, _addresses, _Part

    lex = _lexicons()
    kinds = ["cue", *sorted(SUPPORT_PARTS)]
    text = "x" * 40
    made = 0
    for count in range(1, 4):
        for chosen in itertools.product(kinds, repeat=count):
            for rule in ("km.address.x", "en.address.x"):
                parts = [_Part(i * 6, i * 6 + 5, kind, rule) for i, kind in enumerate(chosen)]
                for asked in (False, True):
                    assert _addresses(lex, text, list(parts), asked) == []
                    made += 1
    assert made > 100


def test_lowered_leaves_out_exactly_the_texts_with_a_folding_character() -> None:
    from hotline.detect.signals.personal_info import _lowered

    folding = re.compile("[\u017f\u0131\u212a\u0130]")
    pieces = ["a", "A", "School", "ſ", "ı", "\u212a", "İ", "é", "ក", "😀", " "]
    rng = random.Random(15)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        assert _lowered(text) == (None if folding.search(text) else text.lower()), text


def test_the_detector_remembers_the_last_message_of_each_thread() -> None:
    """The thread that made the detector and any other keep their own last message: a bare "13" after "how
    old are you?" in order in a worker thread, while the maker's thread saw another question."""
    import threading

    from hotline.detect.model import Message
    from hotline.detect.signals.personal_info import PersonalInfoDetector

    detector = PersonalInfoDetector()
    got: list[list[str]] = []

    def worker() -> None:
        got.append([d.value for m in (Message(0, "A", "how old are you?"), Message(1, "B", "13"))
                    for d in detector.details(m)])
        got.append([d.value for d in detector.details(Message(6, "B", "13"))])  # index after the maker's

    assert detector.details(Message(5, "A", "nice weather")) == []
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert got == [["13"], []]
    assert [d.value for d in detector.details(Message(6, "B", "13"))] == []  # after "nice weather": no age
    assert [d.value for d in detector.details(Message(1, "B", "13"), previous="how old are you?")] == ["13"]


def _digit_texts(count: int, seed: int) -> list[str]:
    """Phone-like and other strings with digits: ASCII, Khmer numerals (០-៩ and ៰-៹), other scripts' digits
    (Arabic-Indic, fullwidth, Thai, mathematical bold), superscripts, separators, letters, mixed scripts."""
    pieces = ["0", "1", "8", "5", "12", "012", "855", "+855", "00", "+", "(", ")", " ", "-", ".", ",", "\u200b",
              "\t", "០", "១២", "៣៤៥", "៰", "៹", "٣", "٠١٢", "３", "๕", "\U0001d7ce", "²", "x", "tel", "call ",
              "ID ", "ក", "លេខ", "😀", "’", "@", "#", "/"]
    rng = random.Random(seed)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(count)]
    runs = ["".join(rng.choice(["1", "0", "៥", "٣", " ", "-", ".", "(", ")", " ", "+"]) for _ in range(rng.randint(7, 16)))
            for _ in range(count // 2)]
    texts += runs + [f"tel {run} ok" for run in runs[: count // 4]]
    texts += ["call 012 345 678", "+855 (0)12-345-678", "0០12 ៣៤៥ 678", "០១២ ៣៤៥ ៦៧៨", "(+855) 12 345 678",
              "0012 3456 7890", "id 0101 2345 6", "١٢٣٤٥٦٧٨٩", "０１２３４５６７８", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", "5pm", "7 ៛"]
    return texts


def test_the_numerals_the_scan_tells_are_those_translate_makes_ascii() -> None:
    """Each Khmer numeral's bit among what the gate's scan tells: the numerals made ASCII from those bits are
    what `translate(KHMER_DIGITS)` makes of a message with a ០-៩ numeral, both ways of scanning."""
    from hotline.detect.signals.personal_info import (
        _KHMER_DIGIT,
        _KHMER_DIGIT_BITS,
        _OPENS,
        _told_ascii,
    )

    lex = _lexicons()
    gates = [lex.gate_automaton.twin(native=False)] + ([lex.gate_automaton] if lex.gate_automaton.native else [])
    told = 0
    for text in _digit_texts(6000, 16):
        for gate in gates:
            tells, _ = gate.scan_lower(text)
            assert bool(tells & _KHMER_DIGIT_BITS) == (_KHMER_DIGIT.search(text) is not None), text
            if tells & _KHMER_DIGIT_BITS:
                assert tells & _OPENS
                assert _told_ascii(text, tells) == _ascii_digits(text) == text.translate(KHMER_DIGITS), text
                told += 1
    assert told > 2000


def test_a_text_with_too_few_digits_holds_no_phone_or_id_number() -> None:
    """`_most_digits` counts exactly in an ASCII text and never fewer than there are elsewhere, and a rule is
    skipped for too few digits only where its regex's matches give no detail (phone and ID formats, Khmer
    numerals, other scripts' digits, mixed scripts)."""
    from hotline.detect.signals.personal_info import CHECKS, _most_digits

    lex = _lexicons()
    rules = [r for r in lex.all_rules if r.digits]
    assert {"en.phone", "en.id_number.card", "km.id_number.card"} <= {r.id for r in rules}
    texts = [_ascii_digits(t) for t in _digit_texts(6000, 17)]
    texts += [_ascii_digits(t) for t in _eval_texts()]
    skipped = kept = 0
    for text in texts:
        most = _most_digits(text)
        digits = sum(ch.isdigit() for ch in text)
        assert most == digits if text.isascii() else most >= digits, text
        for rule in rules:
            if most >= rule.digits:
                continue
            skipped += 1
            for m in rule.regex.finditer(text):
                found = CHECKS[rule.check or ""](lex, rule, m, text)
                assert not found, (rule.id, text)
                kept += 1
    assert skipped > 5000 and kept > 100  # skipped texts where the regex matched, and gave nothing
    phones = [d for t in texts for d in find_personal_info(t) if d.type == "phone"]
    assert len(phones) > 40  # (found, as before, in ASCII and other digits)


def test_word_set_and_anchor_sources_kept_in_the_cache_are_those_made_now() -> None:
    """The word lists' and anchor scans' regex sources, read from the compiled-form cache where a start
    stored them, are the ones making them now gives (sorted input: the same source whatever the order)."""
    from hotline.detect.signals.personal_info import WordSet, _anchor_scan_source, _word_set_source

    lex = _lexicons()
    for words in [*lex.lists.values(), lex.questions]:
        made = _word_set_source(words.words)
        assert (words._regex.pattern if words._regex else "") == made
    anchors = sorted(lex.anchor_rules)
    assert lex.anchors.pattern == _anchor_scan_source(anchors) == _anchor_scan_source(anchors[::-1])
    assert lex.gate.pattern.endswith(lex.plain_anchors.pattern)
    fresh = WordSet(["Khan", "ខណ្ឌ", "st."])
    assert fresh.search("in KHAN 7") and fresh.search("នៅខណ្ឌ") and not fresh.search("khans")

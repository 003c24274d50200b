"""The candidate stage: one Aho–Corasick automaton over the literals of every rule of every signal and
language finds, in one pass over a message, the few rules that can match it; only those run their regex.

A rule is a candidate when both hold:
- one of its trigger stems occurs (the pre-filter of the per-rule path, `rules.TriggerIndex`: stems reduced
  to a minimal set, a stem standing for every trigger that contains it), so both paths give the same
  findings by construction;
- one of its phrases can match: each selective word of the phrase occurs — as a whole word where the phrase
  puts it between spaces in Latin script — and of each `{MACRO}` of plain words one alternative does.
  A rule with a `pattern` is not narrowed (a regex names no words for certain).

The automaton is built from the loaded rules in a few milliseconds (pyahocorasick's own serialisation is a
pickle, so it is not kept). Chosen over `ahocorasick-rs`, Hyperscan and an RE2 set by measurement:
`python bench/bench_matchers.py`. The C extension's tables (plain ids and strings) are kept in the
compiled-lexicon cache (`compiled.record`), keyed by a digest of the items' triggers and needs: making them
in Python was a fifth of a chat's start-up.

The stage runs in C when its extension is built (`_automaton.c`, by `setup.py` at install; `compilation.
native_current` says whether it may run): 11-17 µs a message in Python, even compiled with mypyc (the
automaton's hits turned into sets, dicts and big-int masks one by one), against 1-2 µs (`bench_matchers.py`
prints both). `CandidateIndex` builds the same tables either way and hands them to the extension, which gives
the same answers; the Python code below stays as the reference and the fallback
(`tests/detect/test_native_candidates.py` compares the two).
"""

from __future__ import annotations

import hashlib
import importlib
import marshal
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar, cast

import ahocorasick

from hotline.detect.compilation import native_current
from hotline.detect.signals import compiled
from hotline.detect.text.normalize import normalize

__all__ = ["CandidateIndex", "Needs", "PhraseNeeds", "PhraseSet", "minimal_stems", "phrase_needs", "ranked", "regex_needs"]

T = TypeVar("T")
U = TypeVar("U")
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
#: One literal a phrase needs: (text, must start a word, must end a word).
Literal = tuple[str, bool, bool]
#: A phrase can match only if, for every group, one of its literals occurs.
PhraseNeeds = tuple[tuple[Literal, ...], ...]
#: A rule's needs: one entry per phrase (the rule can match if one phrase can), or None: anything may match.
Needs = tuple[PhraseNeeds, ...] | None

#: Shortest literal worth a place in the automaton.
MIN_LITERAL = 2
_TOKENS = re.compile(r"(\{[A-Z][A-Z_0-9]*\}|\.\.\.|\s+)")
_PLAIN = re.compile(r"[^\\.^$*+?{}\[\]|()]+(?:s\?)?")
#: Characters that continue a Latin word (the phrases' whole-word edges are `(?<![a-z0-9])`, `(?![a-z0-9])`).
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
#: A whole Latin word as the edges above see it: a maximal run of those characters.
_WORD = re.compile("[a-z0-9]+")


def phrase_needs(phrase: str, *, khmer: bool, macros: dict[str, str], selective: Callable[[str], bool]) -> PhraseNeeds:
    """The literals every match of `phrase` (as `rules.compile_phrase` compiles it) contains, the most
    selective group first (the index looks phrases up by it; `selective`: not a common word).

    Single characters and macros that are not plain word lists are left out: dropping a group never
    loses a match, it only lets more messages through to the regex. A phrase of single letters alone ("a s
    l") needs them as whole words: without a literal its rule would be a candidate wherever a stem occurs.
    """
    tokens = [t for t in _TOKENS.split(phrase.strip()) if t]
    groups: list[tuple[Literal, ...]] = []
    singles: list[tuple[Literal, ...]] = []
    for i, token in enumerate(tokens):
        if token.isspace() or token in ("...", "#"):
            continue
        # Latin phrases match whole words: a word next to a space, a gap or the phrase's edge starts/ends one
        left = not khmer and (i == 0 or tokens[i - 1].isspace() or tokens[i - 1] == "...")
        right = not khmer and (i == len(tokens) - 1 or tokens[i + 1].isspace() or tokens[i + 1] == "...")
        if token.startswith("{") and token.endswith("}"):
            alternatives = macros.get(token[1:-1], "").split("|")
            if not all(_PLAIN.fullmatch(a) for a in alternatives):
                groups += regex_needs(macros.get(token[1:-1], ""))  # a macro that is a regex of its own
                continue
            group = tuple((a[:-2], left, False) if a.endswith("s?") else (a, left, right) for a in alternatives)
        else:
            group = ((normalize(token), left, right),)
        if all(len(text) >= MIN_LITERAL for text, _, _ in group):
            groups.append(tuple(sorted(set(group))))
        elif len(group) == 1 and group[0][0] in _WORD_CHARS and left and right:
            singles.append(group)

    return ranked(groups or singles, selective)


def ranked(groups: Iterable[tuple[Literal, ...]], selective: Callable[[str], bool]) -> PhraseNeeds:
    """A phrase's groups (with those of a `requires` every match of its rule also needs), each once, the most
    selective first: all of its literals uncommon words, then its shortest literal the longest."""
    def rarity(group: tuple[Literal, ...]) -> tuple[bool, int]:
        return all(selective(text) for text, _, _ in group), min(len(text) for text, _, _ in group)

    return tuple(sorted(set(groups), key=lambda g: (rarity(g), g), reverse=True))


def regex_needs(source: str, *, signs: bool = False) -> PhraseNeeds:
    """The literals every match of a regex contains (for a rule's `pattern`), read from its parse tree:
    a sequence needs each of its parts, an alternation one of its branches, a repeat its body if at least
    once. Case-insensitive regexes name nothing for certain (the text may differ in case). `signs`: keep a
    single character that is no letter or digit (a `requires` may name a currency: "$", "៛")."""
    try:
        parsed = _parser.parse(source)
    except re.error:
        return ()
    if parsed.state.flags & re.IGNORECASE:
        return ()
    try:
        groups = _sequence_needs(parsed.data, signs)
    except _CaseInsensitive:
        return ()
    return tuple(sorted({tuple(sorted((t, False, False) for t in g)) for g in groups},
                        key=lambda g: (min(len(t) for t, _, _ in g), g), reverse=True))


class _CaseInsensitive(Exception):
    pass


def _sequence_needs(items: Any, signs: bool) -> list[frozenset[str]]:
    groups: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= MIN_LITERAL or (signs and len(run) == 1 and not run[0].isalnum()):
            groups.append(frozenset(["".join(run)]))
        run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is _c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                raise _CaseInsensitive
            groups += _sequence_needs(av[3], signs)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            groups += _sequence_needs(av[2], signs)
        elif op is _c.ATOMIC_GROUP:
            groups += _sequence_needs(av, signs)
        elif op is _c.BRANCH:
            best: list[frozenset[str]] = []
            for branch in av[1]:
                found = _sequence_needs(branch, signs)
                if not found:
                    best = []
                    break
                best.append(max(found, key=lambda g: min(len(t) for t in g)))
            if best:
                groups.append(frozenset().union(*best))
        elif op in (_c.LITERAL_IGNORE, _c.LITERAL_UNI_IGNORE, _c.IN_IGNORE, _c.IN_UNI_IGNORE):
            raise _CaseInsensitive
    flush()
    return groups


def minimal_stems(stems: Sequence[str]) -> list[str]:
    """The stems that contain no other stem (a longer stem is implied by the shorter one inside it)."""
    unique = sorted({s for s in stems if s}, key=lambda s: (len(s), s))
    if not unique:
        return []
    automaton = ahocorasick.Automaton()
    for s in unique:
        automaton.add_word(s, s)
    automaton.make_automaton()
    return [s for s in unique if all(found == s for _, found in automaton.iter(s))]


#: More phrases than this left to search: one search of the rule's whole regex is cheaper (an item's own
#: count may say otherwise: `CandidateIndex`).
MAX_PHRASE_SEARCHES = 4
#: The most phrases an item may have searched one by one (the C extension's `MOST_PHRASE_SEARCHES`).
MOST_PHRASE_SEARCHES = 16


class CandidateIndex(Generic[T]):
    """Which items (rules) can match a text, and by which phrases: trigger stems and phrase literals found
    in one pass of one automaton.

    Each phrase is filed under the literals of its most selective group; a phrase whose group occurs has its
    other groups checked; a phrase with no group always passes. Sets of items, groups and phrases are bit
    masks (ints), so the work per message after the automaton's pass is a few integer operations per hit.
    """

    def __init__(self, items: Sequence[tuple[T, tuple[str, ...], Needs, bool]], *, exact: Collection[int] = (),
                 native: bool | None = None, key: str | None = None, searches: Sequence[int] = ()) -> None:
        """`items`: (item, trigger stems, needs, whether its phrases can be searched one by one). The items at
        the positions `exact` keep their triggers as their own stems: a phrase set's words riding in the same
        pass must not stand in for (and so loosen) the rules' stems. `native`: answer with the C extension
        (None: when it is usable; True: it must be; False: the Python code). `key`: what names the items'
        tables in the compiled-lexicon cache, when the caller knows one that changes whenever they do (the
        scanner's: its rule sets' own record keys); None: a digest of the items (a sixtieth of a start).
        `searches`: per item, the most phrases searched one by one, more meaning the whole item (up to
        MOST_PHRASE_SEARCHES; MAX_PHRASE_SEARCHES for an item it does not reach)."""
        self.items = [item for item, _, _, _ in items]
        exact = frozenset(exact)
        self._made_of = (tuple(items), exact)
        self._key = key
        if any(not 0 <= most <= MOST_PHRASE_SEARCHES for most in searches):
            raise ValueError(f"phrase searches must be in 0..{MOST_PHRASE_SEARCHES}")
        self._searches = tuple(searches)
        self._built = False
        self._narrowed: list[bool] = []
        self._by_phrase: list[int] = []  # per item: the most phrases searched one by one (0: none)
        self._free: list[int] = []  # per item: phrases with nothing to look for
        self._filed: dict[int, dict[int, tuple[tuple[int, int, int], ...]]] = {}
        self._in_groups: dict[int, int] = {}
        self._reach: dict[int, int] = {}
        self._always = 0
        self._whole: dict[str, int] = {}
        self._literals: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})
        self._sizes = (0, 0)  # features, groups
        self._native: Any = None
        self._automaton: Any = None
        self._confirm: Any = None
        module = _native_module() if native is None or native else None
        if native and module is None:
            raise RuntimeError("the candidate stage's C extension is not built (or is stale, or HOTLINE_PURE_PYTHON=1)")
        if module is not None:
            self._native = self._native_index(module)
            self._empty = False
        else:
            self._build()
            keys, confirm = self._literals
            self._automaton = _automaton(keys)
            self._confirm = _automaton(confirm)
            self._empty = not keys  # no stems: nothing is ever a candidate

    def _native_index(self, module: Any) -> Any:
        """The C extension's index, from the tables the compiled-lexicon cache keeps under a digest of the
        items' triggers and needs; made (and kept for the next start) when it has none in this form, or ones
        the extension refuses."""
        items, exact = self._made_of
        digest = "key:" + self._key if self._key is not None else _digest(items, exact, self._searches)
        kept = compiled.record(_TABLES_RECORD)
        kept = kept if type(kept) is dict else {}
        tables = kept.get(digest) if digest is not None else None
        if type(tables) is dict and tables.get("form") == _TABLES_FORM:
            try:
                return module.Index(items=tuple(self.items), **{k: v for k, v in tables.items() if k != "form"})
            except (TypeError, ValueError, OverflowError):
                pass  # a damaged entry: made afresh below
        tables = self._native_tables()
        index = module.Index(items=tuple(self.items), **tables)
        if digest is not None:
            others = [(d, t) for d, t in kept.items() if d != digest][-(_TABLES_KEPT - 1):]
            compiled.store(_TABLES_RECORD, {**dict(others), digest: {"form": _TABLES_FORM, **tables}})
            compiled.flush()
        return index

    def _build(self) -> None:
        """The Python tables (what the Python code answers with, and what the C extension's tables are made
        from), once."""
        if self._built:
            return
        self._built = True
        items, exact = self._made_of
        stems = minimal_stems([t for i, (_, triggers, _, _) in enumerate(items) if i not in exact for t in triggers])
        stem_finder = ahocorasick.Automaton()
        for s in stems:
            stem_finder.add_word(s, s)
        if stems:
            stem_finder.make_automaton()
        stem_items: dict[str, int] = dict.fromkeys(stems, 0)  # stem -> mask of the items it stands for
        for i, (_, triggers, _, _) in enumerate(items):
            if i in exact:
                for trigger in triggers:
                    stem_items[trigger] = stem_items.get(trigger, 0) | 1 << i
                continue
            for trigger in triggers:
                for _, s in (stem_finder.iter(trigger) if stems else ()):
                    stem_items[s] |= 1 << i

        features: dict[Literal, int] = {}
        groups: dict[frozenset[int], int] = {}
        self._narrowed = [needs is not None for _, _, needs, _ in items]
        most = self._searches
        self._by_phrase = [(most[i] if i < len(most) else MAX_PHRASE_SEARCHES) if needs is not None and by_phrase else 0
                           for i, (_, _, needs, by_phrase) in enumerate(items)]
        self._free = []
        # per anchor feature: (item, the other groups a phrase needs, the phrases filed there) to check
        filed: dict[int, dict[tuple[int, int], int]] = {}
        ids_of: dict[tuple[Literal, ...], frozenset[int]] = {}  # a group's feature ids (a `requires` group recurs)
        for i, (_, _, needs, _) in enumerate(items):
            free = 0
            for pid, phrase in enumerate(needs or ()):
                if not phrase:
                    free |= 1 << pid
                    continue
                sets = [ids_of.get(group) or ids_of.setdefault(
                    group, frozenset(features.setdefault(lit, len(features)) for lit in group)) for group in phrase]
                rest = sum(1 << gid for gid in {groups.setdefault(g, len(groups)) for g in sets[1:]})
                for fid in sets[0]:
                    by_rest = filed.setdefault(fid, {})
                    by_rest[(i, rest)] = by_rest.get((i, rest), 0) | 1 << pid
            self._free.append(free)
        # per anchor feature and item: the (item, other groups, phrases) filed there
        self._filed = {}
        for fid, by_rest in filed.items():
            per_item: dict[int, list[tuple[int, int]]] = {}
            for (i, rest), phrases in by_rest.items():
                per_item.setdefault(i, []).append((rest, phrases))
            self._filed[fid] = {i: tuple((i, rest, phrases) for rest, phrases in pairs) for i, pairs in per_item.items()}
        in_groups: dict[int, int] = {}
        for group, gid in groups.items():
            for fid in group:
                in_groups[fid] = in_groups.get(fid, 0) | 1 << gid
        self._in_groups = in_groups
        # which items a found anchor can make candidates (mask algebra first, phrase checks on few items)
        self._reach = {fid: sum(1 << i for i in per_item) for fid, per_item in self._filed.items()}
        self._always = sum(1 << i for i in range(len(items)) if not self._narrowed[i] or self._free[i])
        # per literal text: the items its stem stands for (0: not a stem), its length, and feature ids for
        # (any, start, end, whole). Stems and the literals phrases are filed under go in the first
        # automaton; the rest (mostly common words that only confirm a phrase) in a second one, run only
        # when some phrase needs confirming.
        anchor_features = set(self._filed)
        keys: dict[str, list[int]] = {s: [mask, len(s), -1, -1, -1, -1] for s, mask in stem_items.items()}
        confirm: dict[str, list[int]] = {}
        for (text, left, right), fid in features.items():
            table_for = keys if fid in anchor_features or text in keys else confirm
            entry = table_for.setdefault(text, [0, len(text), -1, -1, -1, -1])
            entry[2 + (1 if left else 0) + (2 if right else 0)] = fid
        for text in [t for t in confirm if t in keys]:  # a literal both anchors and confirms: one place
            for k in range(2, 6):
                keys[text][k] = max(keys[text][k], confirm[text][k])
            del confirm[text]
        # A literal that only ever counts as a whole word of letters and digits is a token of the text: a
        # dictionary lookup per word finds it, where the automaton would stop at every place it occurs
        # inside words ("in" in "thing") and check the edges of each.
        self._whole = {}
        for table in (keys, confirm):
            for text, (of_stem, _, any_, start_, end_, whole) in list(table.items()):
                if of_stem == 0 and any_ < 0 and start_ < 0 and end_ < 0 and _WORD.fullmatch(text):
                    self._whole[text] = whole
                    del table[text]
        self._literals = (keys, confirm)
        self._sizes = (len(features), len(groups))

    @property
    def literals(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """The literal tables (text -> entry) of the two automata (`bench/bench_matchers.py` reads them)."""
        self._build()
        return self._literals

    @property
    def native(self) -> bool:
        """Whether the C extension answers (else this module's Python code, its reference)."""
        return self._native is not None

    def twin(self, *, native: bool) -> CandidateIndex[T]:
        """The same index answering in C or in Python (what the tests and the benchmark compare)."""
        items, exact = self._made_of
        return CandidateIndex(items, exact=exact, native=native, key=self._key, searches=self._searches)

    def _native_tables(self) -> dict[str, Any]:
        """The tables above as the C extension's `Index` takes them (but its items): plain data, masks as id
        lists, one list of literals (a `_whole` literal is one found with both word edges: a maximal [a-z0-9]+
        run)."""
        self._build()
        items = self._made_of[0]
        keys, confirm = self._literals
        n_features, n_groups = self._sizes
        known: dict[int, tuple[int, ...]] = {}  # (the same masks recur)

        def ids(mask: int) -> tuple[int, ...]:
            found = known.get(mask)
            if found is None:
                found = known[mask] = _ids(mask)
            return found

        literals = [(text, ids(entry[0]), *entry[2:]) for table in (keys, confirm) for text, entry in table.items()]
        literals += [(text, (), -1, -1, -1, fid) for text, fid in self._whole.items()]
        return {
            "literals": literals, "n_features": n_features, "n_groups": n_groups,
            "always": ids(self._always),
            "filed": [(fid, [(i, ids(rest), ids(phrases)) for i, entries in per_item.items()
                             for _, rest, phrases in entries]) for fid, per_item in self._filed.items()],
            "in_groups": [(fid, ids(mask)) for fid, mask in self._in_groups.items()],
            "narrowed": list(self._narrowed), "by_phrase": list(self._by_phrase),
            "free": [ids(mask) for mask in self._free], "n_phrases": [len(needs or ()) for _, _, needs, _ in items],
        }

    def any(self, text: str) -> bool:
        """Does the text contain a trigger stem (the per-rule path's pre-filter)?"""
        if self._native is not None:
            return bool(self._native.any(text))
        if self._empty:
            return False
        return any(entry[0] for _, entry in self._automaton.iter(text))

    def candidates(self, text: str) -> list[tuple[T, tuple[int, ...] | None]]:
        """The items that can match, each with the phrases to search (None: search the whole rule)."""
        if self._native is not None:
            return cast("list[tuple[T, tuple[int, ...] | None]]", self._native.candidates(text))
        if self._empty:
            return []
        found: set[int] = set()
        ids = _scan(self._automaton, text, found)
        if not ids:
            return []
        if self._whole:
            whole = self._whole
            found.update([whole[t] for t in whole.keys() & _WORD.findall(text)])
        reach = self._always
        reach_of = self._reach
        anchor_hits = [fid for fid in found if fid in reach_of]
        for fid in anchor_hits:
            reach |= reach_of[fid]
        ids &= reach
        if not ids:
            return []
        if self._confirm is not None:
            _scan(self._confirm, text, found)
        satisfied = 0  # the groups of which a literal occurs
        in_groups = self._in_groups
        for fid in found:
            satisfied |= in_groups.get(fid, 0)
        chosen: dict[int, int] = {}
        filed = self._filed
        for fid in anchor_hits:
            per_item = filed[fid]
            for i in _bits(ids & reach_of[fid]):
                for _, rest, phrases in per_item[i]:
                    if rest & satisfied == rest:  # (not `rest & ~satisfied`: a negative int costs more)
                        chosen[i] = chosen.get(i, 0) | phrases
        out: list[tuple[T, tuple[int, ...] | None]] = []
        for i in _bits(ids):
            if not self._narrowed[i]:
                out.append((self.items[i], None))
                continue
            by_phrase = self._by_phrase[i]
            free = self._free[i]
            if free and not by_phrase:
                out.append((self.items[i], None))
                continue
            phrases = free | chosen.get(i, 0)
            if not phrases:
                continue
            if phrases.bit_count() > by_phrase:
                out.append((self.items[i], None))
            else:
                out.append((self.items[i], _bits(phrases)))
        return out


#: The C extension's tables in the compiled-lexicon cache: {digest of the items: tables}, the latest few.
_TABLES_RECORD = "candidate-tables"
#: Their form: a change to what `_native_tables` makes changes it (a table of another form is made afresh).
_TABLES_FORM = 2
#: How many indexes' tables are kept (the scanner's, a phrase set's; a test's made-up ones push out the oldest).
_TABLES_KEPT = 6


def _digest(items: Sequence[tuple[Any, tuple[str, ...], Needs, bool]], exact: Collection[int],
            searches: Sequence[int] = ()) -> str | None:
    """What names an index's tables: its items' triggers, needs and ways, which are exact and how many phrases
    each has searched (marshal's version 0 writes equal data as equal bytes whatever objects it shares); None:
    not plain data."""
    try:
        data = marshal.dumps(([(triggers, needs, by_phrase) for _, triggers, needs, by_phrase in items],
                              sorted(exact), list(searches)), 0)
    except ValueError:
        return None
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _ids(mask: int) -> tuple[int, ...]:
    """The positions of the bits set in `mask`, ascending (uncached: the tables' masks are read once)."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return tuple(out)


def _native_module() -> Any:
    """The C extension when it may run (`compilation.native_current`: built from this checkout's `.c`,
    HOTLINE_PURE_PYTHON not 1) and imports; else None."""
    if not native_current():
        return None
    try:
        return importlib.import_module("hotline.detect.signals._automaton")
    except ImportError:
        return None


#: `_ids`, cached: the same few masks recur message after message.
_bits = lru_cache(maxsize=4096)(_ids)


def _automaton(keys: dict[str, list[int]]) -> Any:
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for text, entry in keys.items():
        automaton.add_word(text, tuple(entry))
    automaton.make_automaton()
    return automaton


def _scan(automaton: Any, text: str, found: set[int]) -> int:
    """Add the literal features (with their word edges) that occur in `text` to `found`; return the mask
    of the items whose stems occur."""
    size = len(text)
    items = 0
    for end, (stem_items, length, any_, start_, end_, whole) in automaton.iter(text):
        items |= stem_items
        if any_ >= 0:
            found.add(any_)
        if start_ >= 0 or end_ >= 0 or whole >= 0:
            a = end - length + 1
            starts = a == 0 or text[a - 1] not in _WORD_CHARS
            ends = end + 1 == size or text[end + 1] not in _WORD_CHARS
            if starts and start_ >= 0:
                found.add(start_)
            if ends and end_ >= 0:
                found.add(end_)
            if starts and ends and whole >= 0:
                found.add(whole)
    return items


class PhraseSet:
    """One regex of many phrases (refusals, talk about the risks) behind an automaton of their words:
    `search` runs the regex only when the most selective word of some phrase occurs, so a message with
    none of them costs one pass of the automaton instead of a search of every phrase. `sources` (one per
    entry of `needs`) let `occurs` search only the phrases that can match, each alone: the joined regex
    tries every phrase at every position (about 0.2 ms for a message of the discussion set)."""

    def __init__(self, regex: re.Pattern[str], needs: Sequence[PhraseNeeds | None], sources: Sequence[str] = (),
                 compile: Callable[[str], re.Pattern[str]] = re.compile, key: str | None = None) -> None:
        self.regex = regex
        #: What names the set's content in the compiled-lexicon cache (its loader's record key), if anything.
        self.key = key
        self.pattern = regex.pattern
        #: A phrase that names no word: the regex is always searched.
        self.always = not needs or any(not phrase for phrase in needs)
        self.needs = tuple(needs)
        self._sources = tuple(sources) if len(sources) == len(needs) else ()
        self._compile = compile
        self._alone: dict[int, re.Pattern[str]] = {}
        self._index: CandidateIndex[tuple[int, int]] | None = None  # built at the first `search`

    def items(self, item: U) -> list[tuple[tuple[U, int], tuple[str, ...], Needs, bool]]:
        """The set's phrases as `CandidateIndex` items, each named (`item`, its position in `needs`): each
        found by the literals of its first group, its trigger. A larger index may carry them in its own pass
        (`CandidateIndex(..., exact=...)`) and ask `occurs` of the phrases it found."""
        return [((item, i), tuple(text for text, _, _ in phrase[0]), (phrase,), False)
                for i, phrase in enumerate(self.needs) if phrase]

    def search(self, text: str) -> re.Match[str] | None:
        if not self.always:
            if self._index is None:  # (a scanner carrying the set in its own pass never needs it)
                self._index = CandidateIndex(self.items(0))
            if not self._index.candidates(text):
                return None
        return self.regex.search(text)

    def occurs(self, text: str, phrases: Sequence[int]) -> bool:
        """Whether the text holds one of the set's phrases, when only `phrases` (positions, as `items` names
        them) can be there; the same answer as `search`."""
        if self.always or not self._sources:
            return self.regex.search(text) is not None
        for i in phrases:
            regex = self._alone.get(i)
            if regex is None:
                regex = self._alone[i] = self._compile(self._sources[i])
            if regex.search(text) is not None:
                return True
        return False

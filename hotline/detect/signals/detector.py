"""The shared machinery of the rule-based detectors: match a rule set, turn matches into Findings.

Each signal is one small subclass (`grooming.py`, `sextortion.py`, ...) that names its pattern files; this
class does the matching, and quotes the words that fired from the ORIGINAL message text (the normalised
text is mapped back to it), so every finding explains itself: rule id, excerpt, span, weight, stage.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import ClassVar, Final

from hotline.detect.model import Finding, Message
from hotline.detect.signals.rules import LANGUAGES, Rule, RuleSet, load_ruleset
from hotline.detect.text.normalize import (
    Word,
    excerpt,
    last_words,
    maps_in_place,
    normalize,
    normalize_mapped,
    original_span,
)

__all__ = ["Quoter", "RuleDetector"]

#: Texts longer than this are matched on their first part only, so one pasted book cannot stall a worker.
MAX_MATCH_CHARS: Final = 20_000
#: Characters of context either side of a finding's words in its excerpt.
_CONTEXT: Final = 30


class Quoter:
    """Maps spans of one message's normalised text back to its original text, working out the mapping at
    most once per message (several rules may quote it) and not at all for the common case: text whose
    normal form is as long as itself and that nothing could have lengthened (`maps_in_place`)."""

    __slots__ = ("_kept", "_looked", "_norm", "_offs", "_whole", "identity", "text")

    def __init__(self, text: str, norm: str | None = None) -> None:
        """`text`: the original message; `norm`: `normalize(text)`, if known."""
        self.text = text[:MAX_MATCH_CHARS]
        self._norm = norm if len(text) <= MAX_MATCH_CHARS else None
        self.identity = self._norm is not None and maps_in_place(text, self._norm)
        self._offs: list[int] | None = None
        #: The words of an ASCII text whose forms make its normal form, with their mappings: the kept words
        #: `normalize` made it of (`_kept_making`), else its own words mapped (`_words_making`), once looked at.
        self._kept: list[Word] | None = None
        self._looked = False
        self._whole: str | None = None

    def excerpt(self, start: int, end: int) -> str:
        """`excerpt(self.text, start, end)`; a short message is its own excerpt, worked out once for all the
        findings in it."""
        if start > _CONTEXT or end + _CONTEXT < len(self.text):
            return excerpt(self.text, start, end, _CONTEXT)
        if self._whole is None:
            self._whole = excerpt(self.text, start, end, _CONTEXT)
        return self._whole

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced `norm[start:end]`."""
        if self.identity:
            return (start, end) if start < end else (0, 0)
        norm = self._norm
        if self._offs is None:
            kept = self._kept
            if kept is None and not self._looked and norm is not None and self.text.isascii():
                self._looked = True
                kept = _kept_making(self.text, norm)
                if kept is None and (words := _words_making(self.text, norm)) is not None:
                    kept = _mapped_words(words)
                self._kept = kept
            if kept is not None and norm is not None:
                return _span_by_kept(self.text, norm, kept, start, end)
            found = _offsets_by_words(self.text, norm) if norm is not None and self.text.isascii() else None
            self._offs = found if found is not None else normalize_mapped(self.text)[1]
        return original_span(self.text, self._offs, start, min(end, len(self._offs)))


#: Per ASCII word as typed (no space in it): `normalize_mapped` of it, worked out once per distinct word.
#: Bounded; long words are not kept.
_WORD_MAPS: Final[dict[str, tuple[str, list[int]]]] = {}
_WORD_MAPS_MAX: Final = 20_000
_WORD_MAP_CHARS: Final = 32


def _word_map(word: str) -> tuple[str, list[int]]:
    known = _WORD_MAPS.get(word)
    if known is None:
        known = normalize_mapped(word)
        if len(word) <= _WORD_MAP_CHARS:
            if len(_WORD_MAPS) >= _WORD_MAPS_MAX:
                _WORD_MAPS.clear()
            _WORD_MAPS[word] = known
    return known


def _offsets_by_words(text: str, norm: str) -> list[int] | None:
    """`normalize_mapped(text)[1]` of ASCII text put together from its words' own mappings (no step of an
    ASCII text moves a space or runs across one but spaced letters, "s e x"), or None when the words' forms
    do not make `norm` (spaced letters were joined): the mapping then needs the whole text."""
    words = text.split(" ")
    maps = list(map(_word_map, words))
    if " ".join(map(_form_of, maps)) != norm:
        return None
    offs: list[int] = []
    base = 0
    for word, (_, own) in zip(words, maps, strict=True):
        offs.extend(map(base.__add__, own))
        base += len(word) + 1
        offs.append(base - 1)  # the space after the word stays where it was
    offs.pop()
    return offs


_form_of = itemgetter(0)


def _words_making(text: str, norm: str) -> list[str] | None:
    """The words of ASCII `text` when their own forms, one space between, make `norm` and none holds a space
    (what `_offsets_by_words` checks, and that a space of `norm` is one of `text`), else None."""
    words = text.split(" ")
    pieces = norm.split(" ")
    if len(pieces) != len(words):
        return None
    for i in range(len(words)):
        known = _WORD_MAPS.get(words[i])
        if (known[0] if known is not None else _word_map(words[i])[0]) != pieces[i]:
            return None
    return words


#: `Word.offs` of a word whose own form is not its kept form (never seen: what `_kept_making` checks).
_UNQUOTABLE: Final[list[int]] = [-1]


def _kept_making(text: str, norm: str) -> list[Word] | None:
    """`_words_making` without splitting the texts or looking their words up: the kept words `normalize`
    put `norm` together from (`last_words`: ASCII `text`'s words, each form the piece of `norm`), when each
    word's own mapping (kept with the word, `Word.offs`) makes its form; else None. Only for two words or
    more: then `norm` is a string that call made (or `text` itself), never one a later call gave again."""
    kept = last_words(norm)
    if kept is None or len(kept) < 2:
        return None
    at = 0  # where the word starts in `text`
    for w in kept:
        offs = w.offs
        if offs is None:
            form, offs = normalize_mapped(text[at:at + w.size])
            if form != w.form:
                offs = _UNQUOTABLE
            w.offs = offs
        if offs is _UNQUOTABLE:
            return None
        at += w.size + 1
    return kept if at == len(text) + 1 else None


def _span_by_kept(text: str, norm: str, kept: list[Word], start: int, end: int) -> tuple[int, int]:
    """`original_span(text, _offsets_by_words(text, norm), start, end)` from the offsets it reads only (at
    `start`, `end - 1` and `end`), each from the mapping kept with its own word (`_kept_making`,
    `_mapped_words`), in one walk over the words up to the last it needs."""
    end = min(end, len(norm))
    if start >= end:
        return (0, 0)
    a = last = b = -1
    at = 0  # where the word starts in `norm`
    base = 0  # where it starts in `text`
    for w in kept:
        offs = w.offs
        assert offs is not None
        size = w.size
        after = at + len(w.form)  # the space after the word (or the end of `norm`)
        if a < 0 and start <= after:
            a = base + (offs[start - at] if start < after else size)
        if last < 0 and end - 1 <= after:
            last = base + (offs[end - 1 - at] if end - 1 < after else size)
            if end == len(norm):
                break
        if last >= 0 and end <= after:
            b = base + (offs[end - at] if end < after else size)
            break
        at = after + 1
        base += size + 1
    return original_span(text, [a, last] if b < 0 else [a, last, b], 0, 2)


def _mapped_words(words: list[str]) -> list[Word]:
    """`words` (from `_words_making`) as `_span_by_kept` reads them: each with its length and own mapping."""
    mapped: list[Word] = []
    for word in words:
        form, offs = _word_map(word)
        w = Word(word, form)
        w.offs = offs
        mapped.append(w)
    return mapped


def _span_by_words(text: str, norm: str, words: list[str], start: int, end: int) -> tuple[int, int]:
    """`_span_by_kept` of the text's own words (`words` from `_words_making`)."""
    return _span_by_kept(text, norm, _mapped_words(words), start, end)


class RuleDetector:
    """Finds one signal with the rules in `lexicons/<lang>/<name>.json`."""

    name: ClassVar[str]
    signal: ClassVar[str]

    def __init__(self, rules: RuleSet | None = None, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.rules = rules if rules is not None else load_ruleset(self.name, self.signal, languages)
        #: `signal` as an attribute of the instance: compiled, a class variable is looked up by name each time.
        self._signal = self.signal

    def detect(self, message: Message, norm: str | None = None, lang: str | None = None) -> list[Finding]:
        """Findings in one message. `norm` is `normalize(message.text)` when the caller already has it.

        `lang` is accepted for callers that know it; rules run by script (Khmer rules on Khmer text, English
        and romanised Khmer rules on Latin text), because chats mix languages within a message.
        """
        del lang
        text = message.text[:MAX_MATCH_CHARS]
        if norm is None:
            norm = normalize(text)
        hits = self.rules.matches(norm[:MAX_MATCH_CHARS])
        if not hits:
            return []
        quoter = Quoter(text, norm if len(message.text) <= MAX_MATCH_CHARS else None)
        return [self.finding(message, rule, m, quoter) for rule, m in hits]

    def finding(self, message: Message, rule: Rule, m: re.Match[str], quoter: Quoter | None = None) -> Finding:
        """The Finding for a match of one of this detector's rules in `normalize(message.text)` (`quoter`:
        the message's, when the caller has one)."""
        if quoter is None:
            quoter = Quoter(message.text)
        start, end = m.span()
        a, b = quoter.span(start, end)  # not `span(*m.span())`: compiled, a call with `*` goes through Python
        return Finding(
            index=message.index, sender=message.sender, signal=self._signal, rule=rule.id,
            excerpt=quoter.excerpt(a, b), weight=rule.weight, stage=rule.stage, start=a, end=b,
            part=rule.part, tags=rule.tags,
        )

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules.rules if r.id == rule_id), None)

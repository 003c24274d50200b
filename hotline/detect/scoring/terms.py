"""The words the learned scorer reads: messages in, their words (and word pairs) out.

Training and scoring call the very same `canonical_text`, so a model never sees text read differently
from the text it learned on. The reading removes what tells the venue rather than the behaviour (URLs,
e-mail addresses, an IRC "nick:" prefix, emoticons, laughter, long numbers, letter-digit nicknames, venue
words such as "lol" and "asl"), folds chat spellings to one word ("u r" → "you are"); laughter and stretched
words ("sooo") never become features. So 2000s instant messages and 2010s web chats read alike. Its word
lists are data (`terms.json`).

A whole conversation is read in one pass over one string (a handful of C-level regex and `str` calls),
not message by message: the scorer's cost is part of the engine's messages-per-second budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Final

from hotline.detect.text.case import lower

__all__ = ["GRAM", "MARK", "MAX_CHARS", "canonical_text", "canonical_tokens", "canonical_word", "char_grams",
           "feature_term", "features", "function_words", "gram_word", "message_words", "plain_word", "raw_tokens", "terms"]

#: Ends every message in the canonical token list; never a word.
MARK: Final = "\x01"
#: Joins words where a search needs them as one string; never in a word.
_SEP: Final = "\x02"
#: Content words (at least `GRAM` letters, not function words) are also read as their character `GRAM`-grams,
#: written "#pict", so that spellings the vocabulary never saw ("pictur", "pitcures", "sexxy") share
#: features with the ones it did; `GRAM` 0 reads words and word pairs only.
GRAM: Final = 4
#: Each message is read up to this many characters, so one pasted wall of text cannot cost without bound.
MAX_CHARS: Final = 4000

#: A URL, matched where one was seen to start (any case: the text is matched before it is lowered).
_URL: Final = re.compile(r"(?:[Hh][Tt][Tt][Pp][Ss]?://|[Ww][Ww][Ww]\.)[^\s\x01]+")
_EMAIL_DOMAIN: Final = re.compile(r"@[\w-]+\.[\w.]+")  # starts with a literal, so the search is fast
#: An IRC-style "nick: " addressing prefix, matched at the start of a message (after its mark and space);
#: the space after the colon is the message's own, not the one before the next mark.
_NICK: Final = re.compile(r"[\w\-\[\]|^{}]+:(?:\t| (?!\x01))")
#: What ends every message's words in the text read: a mark, set apart from the words by spaces.
_SPACED_MARK: Final = " " + MARK + " "
#: The only characters whose lower case is or holds an ASCII letter ("İ" → "i̇", the Kelvin sign → "k"),
#: and the only ones lowered into another class of character (word, space) or length: see `raw_tokens`.
_LOWER_ASCII: Final = ("\u0130", "\u212a")
#: Bytes: letters and digits stay, the message mark stays, everything else becomes a space.
_BYTES: Final = bytes.maketrans(
    bytes(range(256)),
    bytes(c if (97 <= c <= 122 or 48 <= c <= 57 or c == 1) else 32 for c in range(256)),
)
_LAUGH: Final = re.compile(r"(?:ha|he|hi|ah)+h?|l+o+l+[olz]*|lmf?a+o+")


@lru_cache(maxsize=1)
def _canon() -> dict[str, str]:
    """Token → its canonical word(s) ("" drops it); tokens not in the table stand for themselves."""
    data = json.loads(resources.files("hotline.detect.scoring").joinpath("terms.json").read_text("utf-8"))
    table: dict[str, str] = dict.fromkeys(data["venue"], "")
    for unit in ("ha", "he", "hi", "ah"):  # laughter, as typed
        for n in range(2, 9):
            table[unit * n] = table[unit * n + "h"] = ""
    table.update(data["spelling"])
    return table


def plain_word(term: str) -> bool:
    """Whether a token may become a feature: letters (two or more, or "i"; not laughter, no letter run of
    three) or a number up to two digits. Checked when the vocabulary is built, so that scoring need not
    check it per token."""
    if term.isdigit():
        return len(term) <= 2
    return (term.isalpha() and (len(term) > 1 or term == "i") and not _LAUGH.fullmatch(term)
            and not _RUN.search(term))


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Words that carry grammar, not behaviour: their rate tells the register (article-less instant
    messages against written chat), so alone, or paired with each other, they are never features."""
    data = json.loads(resources.files("hotline.detect.scoring").joinpath("terms.json").read_text("utf-8"))
    return frozenset(data["function"])


def feature_term(term: str) -> bool:
    """Whether a term may be in the vocabulary: a character gram, or plain words, not made of function words
    only."""
    if term.startswith("#"):
        return True
    words = term.split(" ")
    return all(plain_word(w) for w in words) and not all(w in function_words() for w in words)


_RUN: Final = re.compile(r"([a-z])\1{2}")


def _without_emails(big: str) -> str:
    """`big` with e-mail addresses (local part, @, domain) replaced by a space."""
    return _cut(big, _email_cuts(big))


def _email_cuts(big: str) -> list[int]:
    """Where e-mail addresses (local part, @, domain) are in `big`: start, end, start, end... (`_cut`)."""
    cuts: list[int] = []
    pos = 0
    for m in _EMAIL_DOMAIN.finditer(big):
        at = j = m.start()
        while j > pos and (big[j - 1].isalnum() or big[j - 1] in "._+-"):
            j -= 1
        if j < at:
            cuts += [j, m.end()]
            pos = m.end()
    return cuts


def _cut(big: str, cuts: list[int]) -> str:
    """`big` with each span of `cuts` (start, end, start, end..., in order) replaced by a space."""
    out: list[str] = []
    pos = 0
    for k in range(0, len(cuts), 2):
        out += [big[pos:cuts[k]], " "]
        pos = cuts[k + 1]
    out.append(big[pos:])
    return "".join(out)


def _cut_bytes(big: bytes, cuts: list[int]) -> bytes:
    """`_cut` in bytes (typed apart: compiled, each call is then a direct one)."""
    out: list[bytes] = []
    pos = 0
    for k in range(0, len(cuts), 2):
        out += [big[pos:cuts[k]], b" "]
        pos = cuts[k + 1]
    out.append(big[pos:])
    return b"".join(out)


def _found(big: str, literal: str) -> list[int]:
    """Where `literal` starts in `big`, overlapping occurrences included."""
    out: list[int] = []
    at = big.find(literal)
    while at >= 0:
        out.append(at)
        at = big.find(literal, at + 1)
    return out


def _found_bytes(big: bytes, literal: bytes) -> list[int]:
    """`_found` in bytes (typed apart: compiled, each call is then a direct one)."""
    out: list[int] = []
    at = big.find(literal)
    while at >= 0:
        out.append(at)
        at = big.find(literal, at + 1)
    return out


def _matches(big: str, pattern: re.Pattern[str], starts: Sequence[int]) -> list[int]:
    """Where `pattern.sub` would replace in `big` (start, end, start, end...: `_cut`) for a pattern that can
    only match at `starts` (sorted): the regex is tried there alone instead of at every character."""
    cuts: list[int] = []
    pos = 0
    for at in starts:
        if at < pos:  # inside the last match
            continue
        m = pattern.match(big, at)
        if m is not None:
            pos = m.end()
            cuts += [at, pos]
    return cuts


def canonical_text(texts: Sequence[str]) -> list[str]:
    """The conversation as one token list: each message's canonical words followed by `MARK`."""
    return canonical_tokens(raw_tokens(texts))


def raw_tokens(texts: Sequence[str]) -> list[str]:
    """The conversation as one list of tokens as typed (lower case, ASCII letters and digits; URLs, e-mail
    addresses and nick prefixes gone), each message's followed by `MARK`: what `canonical_tokens` maps, and
    what a scorer reads token by token when compiled (`linear`).

    The text is lowered once encoded as ASCII bytes (every other character is a space in the end): lowering
    a whole non-ASCII text as `str` cost a fifth of the reading. It reads as lowering the `str` did because
    no character but the two of `_LOWER_ASCII` lowers to an ASCII one or into another class (word, space)
    or length, and when one of them is there the `str` is lowered first. URLs, e-mail addresses and nick
    prefixes are found in the text as typed (their regexes ignore the case of ASCII letters)."""
    for text in texts:  # a loop: compiled, cheaper than max(map(len, texts))
        if len(text) > MAX_CHARS:
            texts = [t[:MAX_CHARS] for t in texts]
            break
    # Marks with a space either side: no copy to split them from the words (one copy: a concatenation
    # copies it again).
    big = _SPACED_MARK.join(["", *texts, ""]) if texts else _SPACED_MARK * 2
    if big.count(MARK) != len(texts) + 1:  # a mark inside a message would split it
        big = _SPACED_MARK + _SPACED_MARK.join(t.replace(MARK, " ") for t in texts) + _SPACED_MARK
    if _LOWER_ASCII[0] in big or _LOWER_ASCII[1] in big:
        big = lower(big)
    if "'" in big:
        big = big.replace("'", "")
    if "\u2019" in big:
        big = big.replace("\u2019", "")
    # Where a URL can start is found in the text as lowered ASCII bytes (a character a byte: the same
    # places), at "www." or at the "http" or "https" before a "://" (the leading mark keeps those slices
    # from reaching back past the start); the regex is tried there only.
    low = big.encode("ascii", "replace").lower()
    urls = [c - 4 if low[c - 4:c] == b"http" else c - 5 for c in _found_bytes(low, b":")
            if c > 4 and low.startswith(b"//", c + 1) and (low[c - 4:c] == b"http" or low[c - 5:c] == b"https")]
    urls += _found_bytes(low, b"www.")
    # What is removed is cut from the text and from its bytes alike (a character a byte: the same places;
    # no second encoding), the text kept only while a later search reads it.
    read = big
    if urls:
        cuts = _matches(read, _URL, sorted(urls))
        if cuts:
            read, low = _cut(read, cuts), _cut_bytes(low, cuts)
    if "@" in read:
        cuts = _email_cuts(read)
        if cuts:
            read, low = _cut(read, cuts), _cut_bytes(low, cuts)
    # A nick prefix starts after the mark (and its space) before its colon.
    nicks = [c for c in _found(read, ":") if read.startswith((" ", "\t"), c + 1)]
    if nicks:
        cuts = _matches(read, _NICK, sorted({read.rfind(MARK, 0, c) + 2 for c in nicks}))
        if cuts:
            low = _cut_bytes(low, cuts)
    tokens = low.translate(_BYTES).decode("ascii").split()
    del tokens[0]  # the leading mark (every message's words end with one)
    return tokens


def canonical_word(token: str) -> str:
    """A token's canonical word(s), "" if it is dropped (a venue word, laughter); a mark stands for itself."""
    return _canon().get(token, token)


def canonical_tokens(tokens: Sequence[str]) -> list[str]:
    """`raw_tokens` read: each token as its canonical word(s) (tokens the table drops map to "")."""
    mapped = list(filter(None, map(_canon().get, tokens, tokens)))
    # "wanna" → "want to": the only words with a space, found by C-level searches in the words joined by
    # a separator, then spliced in, last first (earlier positions stay valid).
    joined = _SEP.join(mapped)
    space, index, pos = joined.find(" "), 0, 0
    at: list[int] = []
    while space >= 0:
        index += joined.count(_SEP, pos, space)
        at.append(index)
        pos = joined.find(_SEP, space)
        space = joined.find(" ", pos) if pos >= 0 else -1
    for i in reversed(at):
        mapped[i:i + 1] = mapped[i].split()
    return mapped


def message_words(texts: Sequence[str]) -> list[list[str]]:
    """Each message's canonical words."""
    out: list[list[str]] = []
    current: list[str] = []
    for w in canonical_text(texts):
        if w == MARK:
            out.append(current)
            current = []
        else:
            current.append(w)
    return out


def terms(words: Sequence[str]) -> list[str]:
    """Words and the word pairs inside one message (never across messages)."""
    out = list(words)
    for i in range(1, len(words)):  # a loop: compiled, cheaper than a generator of f-strings
        out.append(words[i - 1] + " " + words[i])
    return out


#: The only letters laughter (`_LAUGH`) is made of: a word with any other letter is no laughter.
_LAUGH_LETTERS: Final = "aefhilmoz"


def gram_word(word: str, n: int = GRAM) -> bool:
    """Whether a word also counts for its character n-grams: a content word (`plain_word`, not a number, not
    a function word) of at least `n` letters. The cheap checks come first and laughter's regex runs only on
    words made of its letters: a scorer checks each distinct word it reads."""
    return (0 < n <= len(word) and word.isalpha() and (len(word) > 1 or word == "i")
            and word not in function_words()
            and (word.strip(_LAUGH_LETTERS) != "" or _LAUGH.fullmatch(word) is None)
            and not _letter_run(word))


def _letter_run(word: str) -> bool:
    """Whether `_RUN` finds a letter a-z three times in a row in `word` (a loop: compiled, cheaper than the
    regex for a word)."""
    for i in range(len(word) - 2):
        c = ord(word[i])  # compiled, ord of an indexed character reads it in place
        if 97 <= c <= 122 and ord(word[i + 1]) == c and ord(word[i + 2]) == c:
            return True
    return False


def char_grams(word: str, n: int = GRAM) -> list[str]:
    """The character n-grams of a content word with its ends marked ("<pic", "pict", ... "res>"), each as
    "#pict"; none for a word shorter than `n`, a number or a function word (their rate tells the register,
    not the behaviour: see `function_words`)."""
    if not gram_word(word, n):
        return []
    marked = f"<{word}>"
    return [f"#{marked[i:i + n]}" for i in range(len(marked) - n + 1)]


def features(words: Sequence[str], n: int = GRAM) -> list[str]:
    """`terms` and the character n-grams of each word: what a message counts for, in training."""
    return [*terms(words), *(g for w in words for g in char_grams(w, n))]

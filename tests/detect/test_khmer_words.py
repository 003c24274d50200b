"""Khmer read as words: the segmenter, word alignment of matches, compounds that must not fire, the lexicon
check, Khmer schools and addresses that are someone's own, and the formal-Khmer false-alarm chats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hotline.detect.chats import parse
from hotline.detect.errors import DataError
from hotline.detect.formal_khmer import CHAT_SIZE, SPEAKERS, chats, split_of
from hotline.detect.model import Message
from hotline.detect.signals import default_scanner
from hotline.detect.signals.personal_info import find_personal_info
from hotline.detect.signals.rules import compile_phrase, load_macros
from hotline.detect.text.normalize import normalize
from hotline.detect.text.segment import aligned_match, misnamed_words, segment, starts_word, word_aligned

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "khmer-text"
ZWSP = "\u200b"


def fired(text: str) -> set[str]:
    message = Message(index=0, sender="a", text=text, time=None)
    return {f.rule for f in default_scanner().scan(message, normalize(text))}


# ---------------------------------------------------------------- the segmenter

@pytest.mark.parametrize(("text", "words"), [
    ("ខ្ញុំស្រលាញ់ខ្លួនឯង", ["ខ្ញុំ", "ស្រលាញ់", "ខ្លួនឯង"]),          # a listed compound stays whole
    ("អាកាសធាតុអំណោយផលដល់ការដាំដុះ", ["អាកាសធាតុ", "អំណោយផល", "ដល់", "ការដាំដុះ"]),
    ("បងរង់ចាំនៅក្បែរសាលា", ["បង", "រង់ចាំ", "នៅ", "ក្បែរ", "សាលា"]),  # a listed split: នៅ | ក្បែរ
    ("ផ្ញើរូបមក hello 123", ["ផ្ញើ", "រូប", "មក", "hello", "123"]),
])
def test_segment(text: str, words: list[str]) -> None:
    assert segment(text) == words


def test_segment_keeps_every_character() -> None:
    text = "ថ្ងៃនេះ ខ្ញុំទៅសាលារៀន។ Then home."
    assert "".join(segment(text)) == text.replace(" ", "")


@pytest.mark.parametrize(("text", "start", "end", "aligned"), [
    ("ខ្លួនឯង", 0, 5, False),          # ខ្លួន "body" inside ខ្លួនឯង "oneself"
    ("ខ្លួនអូន", 0, 5, True),           # ខ្លួន | អូន "your body"
    ("អំណោយផល", 0, 5, False),          # អំណោយ "gift" inside អំណោយផល "favourable"
    ("បងមានអំណោយឱ្យអូន", 5, 10, True),
    ("ខ្លួន ឯង", 0, 5, False),          # a space inside a word does not make two words
    ("ខ្លួន", 0, 5, True),
    ("abc ខ្លួន!", 4, 9, True),
    ("ខ្លួនឯង", 3, 3, False),          # empty span
])
def test_word_aligned(text: str, start: int, end: int, aligned: bool) -> None:
    assert text[start:end] or not aligned
    assert word_aligned(text, start, end) is aligned


def test_starts_word() -> None:
    assert starts_word("សិក្ខាសាលា", 0)
    assert not starts_word("អំណោយផល", 5)


def test_aligned_match_tries_shorter_alternatives() -> None:
    import re

    # the regex prefers the longer alternative, which ends inside a word (ម៉ាក់ប៉ា in ម៉ាក់|ប៉ាណា)
    regex = re.compile("កុំប្រាប់(?:ម៉ាក់ប៉ា|ម៉ាក់)")
    text = "កុំប្រាប់ម៉ាក់ប៉ាណា"
    m = aligned_match(regex, text, 0)
    assert m is not None and m.group(0) == "កុំប្រាប់ម៉ាក់"


# ---------------------------------------------------------------- compounds do not fire, words do

@pytest.mark.parametrize(("text", "rule"), [
    ("ខ្ញុំស្រលាញ់ខ្លួនឯង", "km.grooming.body_talk"),
    ("គាត់ការពារខ្លួនឯងបានល្អ", "km.grooming.body_talk"),
    ("ខ្ញុំ ស្រលាញ់ ខ្លួន ឯង", "km.grooming.body_talk"),                # spaced as OCR or some keyboards do
    ("ខ្លួន\u200bឯង", "km.grooming.body_talk"),
    ("អាកាសធាតុអំណោយផលដល់ការដាំដុះ", "km.grooming.gifts"),
    ("ស្ថានភាពសេដ្ឋកិច្ចមិនអំណោយផលសោះ", "km.grooming.gifts"),
])
def test_compound_does_not_fire(text: str, rule: str) -> None:
    assert rule not in fired(text)


@pytest.mark.parametrize(("text", "rule"), [
    ("ខ្លួនអូនស្អាតណាស់", "km.grooming.body_talk"),
    ("ខ្លួន អូន ស្អាត ណាស់", "km.grooming.body_talk"),
    ("បងមានអំណោយឱ្យអូន", "km.grooming.gifts"),
    ("កុំប្រាប់ម៉ាក់ប៉ាណា", "km.secrecy.parents"),
    (f"កុំ{ZWSP}ប្រាប់{ZWSP}ម៉ាក់ណា", "km.secrecy.parents"),      # zero-width spaces between words
    ("ផ្ញើ រូប សិចស៊ី មក បង មើល", "km.sexting.request_nude"),
])
def test_words_still_fire(text: str, rule: str) -> None:
    assert rule in fired(text)


# ---------------------------------------------------------------- the lexicon check

def test_phrase_must_name_the_segmenters_words() -> None:
    macros = load_macros("km")
    assert compile_phrase("ខ្លួនឯង", khmer=True, macros=macros)
    assert misnamed_words("ខ្លួន ឯង") == [("ខ្លួន ឯង", "ខ្លួនឯង")]
    with pytest.raises(DataError, match="ខ្លួនឯង"):
        compile_phrase("ខ្លួន ឯង", khmer=True, macros=macros)
    with pytest.raises(DataError, match="កុំ ប្រាប់"):
        compile_phrase("កុំប្រាប់ {PARENT}", khmer=True, macros=macros)


def test_phrase_check_skips_latin_macros_and_gaps() -> None:
    assert misnamed_words("{PIC} ... video call ... ចាក់សោ") == []
    assert misnamed_words("កុំ ប្រាប់ {PARENT} ... ដឹង") == []


# ---------------------------------------------------------------- personal details in Khmer

def details(text: str, kind: str, previous: str | None = None) -> list[str]:
    return [d.value for d in find_personal_info(text, previous) if d.type == kind]


@pytest.mark.parametrize("text", [
    "ក្រសួងអប់រំជំរុញការអប់រំបឋមសិក្សាជាសកល",                          # universal primary education
    "បេក្ខជនប្រឡងសញ្ញាបត្រមធ្យមសិក្សាទុតិយភូមិ ថ្នាក់ទី១២ ត្រូវមកដល់មុនម៉ោង៧",  # grade 12 in a notice
    "សិស្សថ្នាក់ទី៩ ទូទាំងប្រទេសនឹងប្រឡងនៅខែក្រោយ",
    "ការប្រជុំសិក្ខាសាលាស្តីពីគោលនយោបាយ",                              # សាលា inside "workshop"
    "ដីការបស់សាលាឧទ្ធរណ៍",                                             # court of appeal
])
def test_school_not_in_formal_text(text: str) -> None:
    assert details(text, "school") == []


@pytest.mark.parametrize(("text", "values"), [
    ("ខ្ញុំទើបរៀនថ្នាក់ទី៩ទេបង", ["ថ្នាក់ទី៩"]),
    ("អូនរៀននៅវិទ្យាល័យព្រះស៊ីសុវត្ថិ", ["វិទ្យាល័យព្រះស៊ីសុវត្ថិ"]),
    ("បងទៅយកអូននៅវិទ្យាល័យព្រះស៊ីសុវត្ថិម៉ោង៥", ["វិទ្យាល័យព្រះស៊ីសុវត្ថិ"]),
    ("វិទ្យាល័យបាក់ទូក ថ្នាក់ទី៧", ["វិទ្យាល័យបាក់ទូក", "ថ្នាក់ទី៧"]),
    ("ប្រាប់មិត្តក្នុងថ្នាក់ទី១០ខផង", ["ថ្នាក់ទី១០ខ"]),                 # a class (10B) names itself
])
def test_school_someone_attends(text: str, values: list[str]) -> None:
    assert details(text, "school") == values


@pytest.mark.parametrize("text", [
    "ប្រាសាទនោះមានទីតាំងស្ថិតនៅក្នុងភូមិសំបូរ ឃុំសំបូរ ស្រុកប្រាសាទសំបូរ ខេត្តកំពង់ធំ ។",
    "កវីកើតនៅឃុំកំព្រៅ ស្រុកស៊ីធរកណ្តាល ខេត្តព្រៃវែង",
    "ក្មេងកំព្រាឪពុកម្តាយ រស់នៅ ឃុំរាយប៉ាយ ស្រុកកងមាស ខេត្តកំពង់ចាម ។",
    "មេឃុំ ចៅសង្កាត់មានសិទ្ធិចាត់តាំងគណៈកម្មាធិការនានា",
])
def test_address_not_in_the_news(text: str) -> None:
    assert details(text, "address") == []


@pytest.mark.parametrize(("text", "previous", "value"), [
    ("ផ្ទះខ្ញុំនៅភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល", None, "ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល"),
    ("មកផ្ទះខ្ញុំ ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល", None, "ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល"),
    ("ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល", "ផ្ទះអូននៅណា?", "ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល"),
    ("ផ្ទះលេខ១២ ផ្លូវ៥៩៨ សង្កាត់ច្រាំងចំរេះ២ ខណ្ឌឫស្សីកែវ", None,
     "ផ្ទះលេខ១២ ផ្លូវ៥៩៨ សង្កាត់ច្រាំងចំរេះ២ ខណ្ឌឫស្សីកែវ"),
])
def test_address_that_is_someones_own(text: str, previous: str | None, value: str) -> None:
    assert details(text, "address", previous) == [value]


def test_bare_villages_need_the_question() -> None:
    assert details("ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល", None) == []


# ---------------------------------------------------------------- the formal-Khmer chats

def test_formal_chats_split_and_export(tmp_path: Path) -> None:
    lines = [f"ប្រយោគទី {i} ។" for i in range(45)]
    path = tmp_path / "km.txt"
    path.write_text("\n".join(lines[:10]) + "\n\n" + "\n".join(lines[10:]) + "\n", encoding="utf-8")
    found = list(chats(path))
    assert [len(c.lines) for c in found] == [CHAT_SIZE, CHAT_SIZE, 5]
    assert all(c.split == split_of(c.lines) in ("tune", "test") for c in found)
    conversation = parse(found[0].whatsapp(), "WhatsApp Chat with Sokha.txt")
    assert [m.text for m in conversation.messages] == found[0].lines
    assert {m.sender for m in conversation.messages} == set(SPEAKERS)


def test_split_is_stable_and_about_one_in_ten() -> None:
    groups = [[f"line {i} {j}" for j in range(3)] for i in range(2000)]
    share = sum(split_of(g) == "test" for g in groups) / len(groups)
    assert 0.07 < share < 0.13
    assert [split_of(g) for g in groups[:50]] == [split_of(list(g)) for g in groups[:50]]


def test_cli_khmer_formal(tmp_path: Path) -> None:
    path = tmp_path / "km.txt"
    path.write_text("\n".join(["ខ្ញុំស្រលាញ់ខ្លួនឯង ។", "អាកាសធាតុអំណោយផលដល់ការដាំដុះ ។"] * 20), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "hotline", "eval", "--khmer-formal", str(path), "--part", "all"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "2 chats" in run.stdout and "overall: PASS" in run.stdout
    assert "ខ្លួន" not in run.stdout  # counts and rule ids, never the text


def test_cli_khmer_formal_missing_file(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "hotline", "eval", "--khmer-formal", str(tmp_path / "none.txt")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "Traceback" not in run.stderr and "cannot read" in run.stderr


# ---------------------------------------------------------------- segmentation quality on khPOS

@pytest.mark.skipif(not (DATA / "khpos" / "OPEN-TEST.segmented.txt").is_file(),
                    reason="khPOS OPEN-TEST not found at ../shared/data/khmer-text/khpos")
def test_segmentation_f1_on_khpos_open_test() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        from bench_segment import gold_sentences, score
    finally:
        sys.path.pop(0)
    from hotline.detect.text.segment import default_segmenter

    result = score("hotline", default_segmenter().split, gold_sentences(DATA / "khpos" / "OPEN-TEST.segmented.txt"))
    assert result["f1"] >= 0.95


def test_crf_features_are_khmercuts() -> None:
    """The segmenter writes khmercut's features itself (faster): it must split exactly as khmercut does."""
    import khmercut

    from hotline.detect.text.segment import _crf

    runs = ["ខ្ញុំស្រលាញ់ខ្លួនឯង", "បងចង់ឃើញខ្លួនអូនស្អាតណាស់កុំប្រាប់ម៉ាក់ប៉ាណា", "ក", "អាកាសធាតុអំណោយផលដល់ការដាំដុះ",
            "ក្រសួងអប់រំយុវជននិងកីឡាបានប្រកាសលទ្ធផលប្រឡងសញ្ញាបត្រមធ្យមសិក្សាទុតិយភូមិ"]
    for run in runs:
        assert _crf(run) == [w for w in khmercut.tokenize(run) if w]

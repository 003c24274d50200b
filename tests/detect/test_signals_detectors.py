"""Each detector on parametrised tables: positives and negatives in English, Khmer script and romanised
Khmer, with spelling variants, Khmer digits, zero-width characters and obfuscations."""

from __future__ import annotations

import pytest

from hotline.detect.model import Message
from hotline.detect.signals import (
    GroomingDetector,
    MeetingDetector,
    SecrecyDetector,
    SextortionDetector,
    default_scanner,
)
from hotline.detect.text import normalize

ZW = "\u200b"


def _signals(text: str) -> set[str]:
    return {f.signal for f in default_scanner().scan(Message(0, "x", text), normalize(text))}


SECRECY_POS = [
    "don't tell your parents about this", "dont tell ur mom ok", "DON'T T.E.L.L your dad", "keep this between us",
    "delete our chat after reading", "this is our little secret", "កុំប្រាប់ម៉ាក់ប៉ា", "កុំ" + ZW + "ប្រាប់ម្ដាយណា",
    "កុំឲ្យគេដឹង", "លុបសារចោលណា", "kom prab mak pa", "kum prap ke", "kom brab mak own na", "lub chat yerng tov",
]
SECRECY_NEG = [
    "tell your mom I said hi", "my mom told me to study", "I deleted the app because it was slow",
    "ប្រាប់ម៉ាក់ផង", "prab mak phong", "the secret ingredient is garlic",
]
SEXTING_POS = [
    "send me nudes", "s e n d me n.u.d.e.s", "send a pic without clothes", "show me your body", "take off your shirt for me",
    "wanna see my dick?", "ផ្ញើរូបអាក្រាតមកបង", "ថតរូបអត់ខោអាវផ្ញើមក", "pheu rub akrat mok bong", "phnheu roub ot khao av mk",
    "send a sexy photo for me",
    # phrasing families written separately from the rules, to check they generalise

 "send me a pic with less clothes", "can i see you without your top", "show me what you look like under that dress",
 "take a photo in the mirror with no shirt", "I want a video of you in the shower", "send me something only I can see",
 "let me see you in your bra", "pic of your body pls", "just one naked pic, no one will know", "can you send a hot selfie",
 "u got any sexy pics?", "send pics of ur boobs", "show me ur body on video call", "take your top off on cam",
 "want me to send you a pic of my body?", "I'll send you a naked pic if you send one", "share your private pictures with me",
 "ផ្ញើរូបសិចស៊ីមកបងមើល", "បងចង់មើលអូនអត់ពាក់អាវ", "ថតវីដេអូពេលអូនងូតទឹកផ្ញើមក", "ផ្ញើរូបខ្លួនប្រាណអូនមក", "បើកកាមេរ៉ាដោះអាវឲ្យបងមើល",
 "ផ្ញើរូបពាក់តែខោក្នុងមក", "អូនចង់មើលរូបបងអាក្រាតទេ", "pheu rub sexy mok bong merl", "bong chong merl oun ot pak av",
 "thot video pel oun ngut tek pheu mok", "pnhae rub khluon oun mk", "ber camera dos av oy bong merl", "pnhae rub pak tae khao knong mk",
]
SEXTING_NEG = [
    "send me a pic of the menu", "show me your homework", "ផ្ញើរូបមុខម្ហូបមក", "pheu rub tang mok", "nice photo of the cat",
    "take off your shoes before you come in", "ដោះស្រាយបញ្ហានេះ",

 "send me a pic of your new dress for the wedding", "show me your drawing", "I saw a hot dog stand", "take a photo of the sunset",
 "my body is so tired after football", "private school is expensive", "can you send the photo from the trip",
 "ផ្ញើរូបឆ្មាមកមើល", "ថតរូបទិដ្ឋភាពស្អាតណាស់", "pheu rub chma mok", "video call mak tngai nis",
]
SEXTORTION_PARTS_POS = [
    "I have your nudes", "i will post them on facebook", "pay me $500 or else", "send 200 usd to my ABA account",
    "you have 24 hours to pay", "បងមានរូបអាក្រាតអូន", "បងនឹងបង្ហោះរូបអូនលើហ្វេសប៊ុក", "ផ្ញើលុយ ២០០$ មកតាម ABA",
    "ផ្ញើលុយមកក្នុងរយៈពេល២៤ម៉ោង", "bong mean rub akrat oun", "bong nung post rub oun leu facebook",
    "pheu luy 200$ mok tam ABA",
]
SEXTORTION_NEG = [
    "can you send me $5 for lunch", "i'll post the party photos on facebook", "the rent is 200 usd", "see you in 2 hours",
]
MEETING_POS = [
    "can we meet this weekend?", "I'll pick you up after school", "come to my hotel room", "come alone",
    "ចង់ជួបអូនណាស់", "បងទៅយកអូននៅសាលា", "មកម្នាក់ឯងណា", "jong juob oun", "chong chuob own", "mok ptas bong yb nis",
]
MEETING_NEG = ["nice to meet you", "we met at the conference", "រីករាយដែលបានជួបអូន", "can you pick up some milk"]
GROOMING_POS = [
    "you are so mature for your age", "how old are you?", "hw old r u", "are you home alone?", "add me on telegram",
    "I'll buy you a new phone", "i can top up your phone", "are you a virgin?", "what are you wearing",
    "អូនអាយុប៉ុន្មានហើយ?", "អូនអាយុ ប៉ុន្មាន", "អូននៅផ្ទះម្នាក់ឯងទេ?", "បងដាក់កាតទូរស័ព្ទឲ្យ", "អូនស្អាតណាស់",
    "oun ayu ponman?", "own ayu bon man", "oun nov ptas mnak eng te", "add tele bong mok", "bong tinh phone thmey oy oun",
]
GROOMING_NEG = ["how old is this video", "what are you wearing to the wedding?", "I added the photos to the album",
                "is this your first time in Phnom Penh"]


@pytest.mark.parametrize("text", SECRECY_POS)
def test_secrecy_positive(text: str) -> None:
    assert SecrecyDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", SECRECY_NEG)
def test_secrecy_negative(text: str) -> None:
    assert not SecrecyDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", SEXTING_POS)
def test_sexting_positive(text: str) -> None:
    assert "sexting" in _signals(text)


@pytest.mark.parametrize("text", SEXTING_NEG)
def test_sexting_negative(text: str) -> None:
    assert "sexting" not in _signals(text)


@pytest.mark.parametrize("text", SEXTORTION_PARTS_POS)
def test_sextortion_part_positive(text: str) -> None:
    assert SextortionDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", SEXTORTION_NEG)
def test_sextortion_negative(text: str) -> None:
    assert not SextortionDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", MEETING_POS)
def test_meeting_positive(text: str) -> None:
    assert MeetingDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", MEETING_NEG)
def test_meeting_negative(text: str) -> None:
    assert not MeetingDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", GROOMING_POS)
def test_grooming_cue_positive(text: str) -> None:
    assert GroomingDetector().detect(Message(0, "x", text))


@pytest.mark.parametrize("text", GROOMING_NEG)
def test_grooming_cue_negative(text: str) -> None:
    assert not GroomingDetector().detect(Message(0, "x", text))


def test_finding_quotes_original_text_with_span() -> None:
    text = "hey!! Pleeease dont t e l l your MOM about us"
    [f] = SecrecyDetector().detect(Message(4, "Dara", text))
    assert (f.index, f.sender, f.signal, f.stage) == (4, "Dara", "secrecy", "isolation")
    assert f.start is not None and f.end is not None
    assert "t e l l your MOM" in text[f.start:f.end]
    assert text[f.start:f.end] in f.excerpt


def test_khmer_finding_span_is_original_khmer() -> None:
    text = "ល្អ។ កុំ" + ZW + "ប្រាប់ម្ដាយណា៎"
    [f] = SecrecyDetector().detect(Message(0, "x", text))
    assert f.rule.startswith("km.secrecy.")
    assert text[f.start:f.end].startswith("កុំ")


def test_safety_talk_is_not_an_offence() -> None:
    text = "If someone asks you for nude photos or threatens to post them, never pay and tell an adult"
    assert not ({"sexting", "sextortion"} & _signals(text))


def test_prefilter_skips_small_talk() -> None:
    scanner = default_scanner()
    for text in ["ok", "lol", "where r u", "ញ៉ាំបាយនៅ?", "jam bontech", "see you tomorrow"]:
        assert not scanner.scan(Message(0, "x", text), normalize(text))

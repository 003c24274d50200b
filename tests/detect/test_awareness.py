"""Talk about the risks is advice, not an offence: a nurse, a parent or an older cousin who quotes what
offenders say ("they will say 'pay or I post it'") is not sextorting anyone. Awareness words used as cover
("your teacher means strangers, I'm not a stranger") or to silence ("don't report me or I post it") change
nothing for the one who writes them. English, Khmer script and romanised Khmer."""

from __future__ import annotations

import json

import pytest

from hotline.detect import analyze
from hotline.detect.model import DISCUSSION_NEARBY, RISK_RANK, Conversation, Message
from hotline.detect.signals import COVER, DISCUSSION, MATCHERS, MessageScanner, default_scanner
from hotline.detect.text.normalize import normalize


def chat(lines: list[tuple[str | None, str]]) -> Conversation:
    return Conversation(format="plain", messages=[Message(i, s, t) for i, (s, t) in enumerate(lines)])


ADVICE = {
    "en_nurse_quotes_requests": [
        ("Pupil", "miss, a boy online keeps asking me for a photo in my underwear"),
        ("Nurse", "You never have to send anything. Never send intimate photos, even to someone you like."),
        ("Pupil", "what if he gets angry"),
        ("Nurse", "Some will say \"send me one or I'll tell everyone anyway\". That is pressure. Block him."),
        ("Nurse", "If he threatens to post your photos unless you pay, don't pay and tell me, we report it."),
        ("Pupil", "ok thank you")],
    "en_parent_explains_sextortion": [
        ("Dad", "Let's talk about online safety. Scammers make a video call and record you undressing"),
        ("Son", "ok"),
        ("Dad", "then they write \"pay $300 tonight or your school sees the video\""),
        ("Dad", "I have your video, send money now or everyone will see it. That is what the message looks like."),
        ("Son", "what if they say don't tell your parents"),
        ("Dad", "Then you tell me at once. Never pay them.")],
    "km_cousin_explains_sextortion": [
        ("ស្រីនិច", "បង sextortion វាជាអ្វីគេ?"),
        ("បងដារ៉ា", "វាជាការបោកប្រាស់មួយបែប។ ដំបូងគេធ្វើជាមិត្ត ហើយសុំរូបឯកជន"),
        ("បងដារ៉ា", "ពេលបានរូបហើយ គេគំរាមថានឹងផ្ញើរូបទៅមិត្តភក្តិឯង បើឯងមិនបង់លុយឱ្យគេ"),
        ("ស្រីនិច", "ចុះបើគេថា \"ផ្ញើលុយមក១០០ដុល្លារ មិនចឹងខ្ញុំផុសលើហ្វេសប៊ុក\"?"),
        ("បងដារ៉ា", "កុំបង់លុយឱ្យសោះ ថតអេក្រង់ទុកជាភស្តុតាង ហើយរាយការណ៍"),
        ("បងដារ៉ា", "ខ្ញុំមានវីដេអូឯង ផ្ញើលុយមក មិនចឹងម៉ាក់ឯងនឹងឃើញ។ គេសរសេរចឹងហ្នឹង")],
    "km_latn_sister_explains": [
        ("Pov", "bong, mit nh mnak mean nak som rub ot ao"),
        ("Lina", "nus jea kar bok bras. ke nung niyay tha \"pnhae luy mk, ber ot jg nh post rub aeng\""),
        ("Pov", "mit nh pheu rub hz, ke tha ber ot pnhae 50$ ke dak leng fb"),
        ("Lina", "prab mit oun kom bong luy oy ke, hz reaykar"),
        ("Lina", "ke sorse: nh mean rub aeng, pnhae luy mk ber ot jg nh post leng fb"),
        ("Pov", "ok bong arkun")],
}

COVERED = {
    "en_not_a_stranger": [
        ("Vuthy", "how was school today cutie"),
        ("Leak", "we had online safety class. never send photos to people you meet online"),
        ("Vuthy", "your teacher says don't send pics to strangers, but I'm not a stranger"),
        ("Vuthy", "you're in grade 8 now, so mature. send me one pic in your bra, just for me"),
        ("Leak", "no, teacher said tell an adult if someone asks"),
        ("Vuthy", "that's about scammers. delete the chat and don't tell your mom")],
    "en_dont_report_me": [
        ("Nita", "my teacher told us about sextortion. never pay people like you. I will report you"),
        ("K", "don't report me or I'll post your video everywhere. I still have it"),
        ("Nita", "the hotline says never pay"),
        ("K", "pay $100 by ABA before 9pm tonight or your whole school sees it")],
    "km_dont_report": [
        ("ពៅ", "ខ្ញុំដឹងថាបងជាអ្នកបោកប្រាស់ ខ្ញុំនឹងរាយការណ៍"),
        ("Phearom", "កុំរាយការណ៍ បើមិនចឹងខ្ញុំផុសវីដេអូឯងលើហ្វេសប៊ុកភ្លាម"),
        ("ពៅ", "គ្រូប្រាប់ថាកុំបង់លុយឱ្យជនល្មើស"),
        ("Phearom", "ផ្ញើលុយមក២០០ដុល្លារតាម Wing ត្រឹមម៉ោង១០យប់នេះ")],
    "km_latn_not_a_stranger": [
        ("Dalin", "kru niyay pi sovatepheap online. kru tha kom pheu rub oy nak na"),
        ("Rith", "bong min men nak dtei te, kom pheu rub oy nak dtei ban hz"),
        ("Rith", "oun saat nas, pheu rub oun ot ao mk bong mouy"),
        ("Dalin", "ot te nh klach"),
        ("Rith", "kom prab mak, lub chat nis chol")],
}


@pytest.mark.parametrize("name", sorted(ADVICE))
def test_advice_quoting_threats_and_requests_stays_below_high(name: str) -> None:
    result = analyze(chat(ADVICE[name]), model=False)
    assert RISK_RANK[result.risk] < RISK_RANK["high"], result.explanation
    assert not result.signals["sextortion"] and not result.signals["sexting"]


@pytest.mark.parametrize("name", ["en_parent_explains_sextortion", "km_cousin_explains_sextortion",
                                  "km_latn_sister_explains"])
def test_an_advisers_quoted_threat_is_kept_as_described(name: str) -> None:
    """The threat written out without a quoting phrase, a message or two after the advice, is traced."""
    result = analyze(chat(ADVICE[name]), model=False)
    described = [f for f in result.findings if f.adjusted == DISCUSSION_NEARBY]
    assert described and all(f.signal in ("sextortion", "sexting", "secrecy", "grooming") for f in described)
    assert all(f.stage is None and f.weight <= 0.1 for f in described)


@pytest.mark.parametrize("name", sorted(COVERED))
def test_awareness_words_as_cover_leave_the_offence_standing(name: str) -> None:
    result = analyze(chat(COVERED[name]), model=False)
    assert RISK_RANK[result.risk] >= RISK_RANK["high"], result.explanation
    offender = next(p.name for p in result.participants if p.role == "suspected_offender")
    assert not any(f.adjusted == DISCUSSION_NEARBY for f in result.findings if f.sender == offender)


def test_a_victims_advice_does_not_excuse_the_threats_answering_it() -> None:
    lines: list[tuple[str | None, str]] = [
        ("Nita", "the hotline says never pay scammers and report them"),
        ("K", "I have your video. pay $100 tonight or I send it to your family")]
    result = analyze(chat(lines), model=False)
    assert result.signals["sextortion"] and result.risk == "critical"


def test_text_without_names_is_not_read_as_advice_across_messages() -> None:
    """Who advised and who threatens cannot be told apart without names: only the advice's own message."""
    lines: list[tuple[str | None, str]] = [
        (None, "never pay scammers, report them"),
        (None, "I have your video. pay $100 tonight or I send it to your family")]
    assert analyze(chat(lines), model=False).signals["sextortion"]


@pytest.mark.parametrize(("text", "talk"), [
    ("what if they say don't tell your parents", DISCUSSION),
    ("my cousin got \"send me a sexy pic or I'll tell your boyfriend\"", DISCUSSION),
    ("បើគេថា \"កុំប្រាប់នរណា\" វិញ?", DISCUSSION),
    ("ke nung niyay tha \"pnhae luy mk\"", DISCUSSION),
    ("your teacher means strangers, I'm not a stranger", COVER),
    ("កុំរាយការណ៍ បើមិនចឹងខ្ញុំផុសវីដេអូឯង", COVER),
    ("bong min men nak dtei te", COVER),
    ("don't tell your parents yet, they will say no", None),
    ("send me a pic", None),
])
def test_talk_reads_advice_and_cover(text: str, talk: str | None) -> None:
    assert default_scanner().talk(normalize(text)) == talk


def test_cover_keeps_the_findings_of_its_own_message() -> None:
    """"Don't report" holds the words of a safety talk (report), but silences: its threat stands."""
    for text in ("don't report me or I'll post your video to your family",
                 "កុំរាយការណ៍ បើមិនចឹងខ្ញុំផុសវីដេអូឯងលើហ្វេសប៊ុក"):
        found = default_scanner().scan(Message(0, "x", text), normalize(text))
        assert any(f.signal == "sextortion" for f in found), text


def test_both_matchers_read_advice_alike() -> None:
    scanners = {m: MessageScanner(default_scanner().detectors, matcher=m) for m in MATCHERS}
    for lines in [*ADVICE.values(), *COVERED.values()]:
        conv = chat(lines)
        a, b = (json.dumps(analyze(conv, scanner=s, model=False).to_dict(), ensure_ascii=False)
                for s in scanners.values())
        assert a == b

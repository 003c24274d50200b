"""Personal-details detector: tables per type, positives and negatives, exact values and spans."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import phonenumbers
import pytest

from hotline.detect.errors import DataError
from hotline.detect.model import PERSONAL_INFO_TYPES, Conversation, Message
from hotline.detect.signals.personal_info import (
    LEXICON_DIR,
    PersonalInfoDetector,
    _parse_phone,
    find_personal_info,
    load_lexicons,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(d.type, d.value) for d in find_personal_info(text)]


def of_type(text: str, kind: str) -> list[str]:
    return [d.value for d in find_personal_info(text) if d.type == kind]


PHONES = [
    ("call me 012 345 678", "012 345 678", "+85512345678"),
    ("my number 012-345-678 ok", "012-345-678", "+85512345678"),
    ("012.345.678", "012.345.678", "+85512345678"),
    ("tel:0969876543", "0969876543", "+855969876543"),
    ("+855 12 345 678 bong", "+855 12 345 678", "+85512345678"),
    ("(+855) 12 345 678", "(+855) 12 345 678", "+85512345678"),
    ("tel (012) 345 678", "(012) 345 678", "+85512345678"),
    ("855 97 765 4321", "855 97 765 4321", "+855977654321"),
    ("លេខអូន ០១២ ៣៤៥ ៦៧៨ ណា", "០១២ ៣៤៥ ៦៧៨", "+85512345678"),
    ("តេមក០៩៦៩៨៧៦៥៤៣", "០៩៦៩៨៧៦៥៤៣", "+855969876543"),
    ("call +44 7911 123456 tonight", "+44 7911 123456", "+447911123456"),
    ("whatsapp +1 415 555 2671", "+1 415 555 2671", "+14155552671"),
    ("bong call mk 097 765 4321 nas", "097 765 4321", "+855977654321"),
]


@pytest.mark.parametrize(("text", "value", "normalized"), PHONES)
def test_phone_found_with_exact_span_and_e164(text: str, value: str, normalized: str) -> None:
    phones = [d for d in find_personal_info(text) if d.type == "phone"]
    assert [(d.value, d.normalized) for d in phones] == [(value, normalized)]
    d = phones[0]
    assert text[d.start:d.end] == d.value


@pytest.mark.parametrize("text", [
    "it costs $25", "50,000 riel only", "៥០០០០រៀល", "price 120000 riel", "see you at 10:30", "7pm ok",
    "on 12/03/2025", "12.03.2025", "2025-03-12", "since 2019", "order #0123456789", "order no 012345678",
    "invoice 0012345678", "I bought 3 pcs", "100 000 likes", "tracking 012345678901", "ABA acc 000 123 456",
    "room 203 floor 5", "we won 3-1", "score 98/100", "1234567890", "my ID card 010123456",
    "012 345 678 riel", "pin 012345",
])
def test_phone_not_found_in_prices_dates_times_orders(text: str) -> None:
    assert of_type(text, "phone") == []


def test_two_numbers_written_together_are_two_phones() -> None:
    assert of_type("012345678 098765432", "phone") == ["012345678", "098765432"]


def test_cambodian_fast_path_agrees_with_phonenumbers() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        candidate = "0" + rng.choice("12346789") + "".join(rng.choice("0123456789") for _ in range(rng.choice((7, 8))))
        parsed = phonenumbers.parse(candidate, "KH")
        expected = (phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                    if phonenumbers.is_valid_number(parsed) else None)
        assert _parse_phone(candidate) == expected, candidate


EMAILS = [
    ("email me Sokha.Chan@Gmail.com", "Sokha.Chan@Gmail.com", "sokha.chan@gmail.com"),
    ("អ៊ីមែលខ្ញុំ dara99@yahoo.com", "dara99@yahoo.com", "dara99@yahoo.com"),
    ("mail: vanna_k+1@outlook.com.", "vanna_k+1@outlook.com", "vanna_k+1@outlook.com"),
    ("sokha99 at gmail dot com", "sokha99 at gmail dot com", "sokha99@gmail.com"),
]


@pytest.mark.parametrize(("text", "value", "normalized"), EMAILS)
def test_email(text: str, value: str, normalized: str) -> None:
    emails = [d for d in find_personal_info(text) if d.type == "email"]
    assert [(d.value, d.normalized) for d in emails] == [(value, normalized)]


@pytest.mark.parametrize("text", ["meet @ 5pm", "Hi sokha@ok", "I'm at home", "user@localhost", "a @ b"])
def test_email_negatives(text: str) -> None:
    assert of_type(text, "email") == []


ADDRESSES = [
    ("I live at #23 St. 271", "#23 St. 271"),
    ("No. 12, Street 63, Phnom Penh", "No. 12, Street 63, Phnom Penh"),
    ("I live in Sangkat Boeung Keng Kang 1, Phnom Penh", "Sangkat Boeung Keng Kang 1, Phnom Penh"),
    ("I live at 45 Main Road", "45 Main Road"),
    ("I live in Toul Kork", "Toul Kork"),
    ("ផ្ទះលេខ២៣ ផ្លូវលេខ២៧១", "ផ្ទះលេខ២៣ ផ្លូវលេខ២៧១"),
    ("ខ្ញុំនៅសង្កាត់ទួលទំពូង ខណ្ឌចំការមន", "សង្កាត់ទួលទំពូង ខណ្ឌចំការមន"),
    ("ផ្ទះខ្ញុំនៅភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល ខេត្តកណ្ដាល", "ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល ខេត្តកណ្ដាល"),
    ("សង្កាត់ទួលទំពូងខណ្ឌចំការមនភ្នំពេញ", "សង្កាត់ទួលទំពូងខណ្ឌចំការមនភ្នំពេញ"),
    ("knhom nov phum prek eng khum prek eng", "phum prek eng khum prek eng"),
    ("pteah lek 12 plov 271", "pteah lek 12 plov 271"),
    ("Street 271, Phnom Penh", "Street 271, Phnom Penh"),
]


@pytest.mark.parametrize(("text", "value"), ADDRESSES)
def test_address(text: str, value: str) -> None:
    assert of_type(text, "address") == [value]


@pytest.mark.parametrize("text", [
    "I love Phnom Penh", "Phnom Penh is nice", "Siem Reap, Cambodia", "I'm in Phnom Penh now", "ខ្ញុំនៅភ្នំពេញ",
    "ខ្ញុំនៅស្រុកខ្មែរ", "Toul Kork has good food", "#1 fan", "the No. 1 shop", "Street food is the best",
    "which sangkat?", "Shah Rukh Khan movie", "ភូមិសាស្ត្រ", "I walked 5 km down the road", "room 5 floor 2",
    "ទៅស្រុកកំណើត", "see you at my house",
])
def test_address_negatives(text: str) -> None:
    assert of_type(text, "address") == []


LOCATIONS = [
    ("11.5564, 104.9282", "11.5564, 104.9282", "11.5564,104.9282"),
    ("im here 11.556,104.928", "11.556,104.928", "11.556,104.928"),
    ("https://maps.app.goo.gl/aB3xYz9", "https://maps.app.goo.gl/aB3xYz9", None),
    ("here https://www.google.com/maps?q=11.55,104.92.", "https://www.google.com/maps?q=11.55,104.92", "11.55,104.92"),
    ("https://www.google.com/maps/@11.5564,104.9282,17z", "https://www.google.com/maps/@11.5564,104.9282,17z", "11.5564,104.9282"),
    ("ទីតាំងផ្ទះ ១១.៥៥៦៤, ១០៤.៩២៨២", "១១.៥៥៦៤, ១០៤.៩២៨២", "11.5564,104.9282"),
    ("11°33'23.1\"N 104°55'41.5\"E", "11°33'23.1\"N 104°55'41.5\"E", None),
]


@pytest.mark.parametrize(("text", "value", "normalized"), LOCATIONS)
def test_location(text: str, value: str, normalized: str | None) -> None:
    locs = [d for d in find_personal_info(text) if d.type == "location"]
    assert [d.value for d in locs] == [value]
    if normalized:
        assert locs[0].normalized == normalized


@pytest.mark.parametrize("text", [
    "price 12.50, 25.00", "version 1.2.3", "1.5, 2.5 kg", "google maps is great", "score 99.5, 98.25",
])
def test_location_negatives(text: str) -> None:
    assert of_type(text, "location") == []


HANDLES = [
    ("my IG is @sokha_99", "@sokha_99"),
    ("add my line id: dara123", "dara123"),
    ("ig: srey.leak", "srey.leak"),
    ("telegram @bopha_kh", "@bopha_kh"),
    ("add me https://www.facebook.com/sokha.chan.9 ok", "https://www.facebook.com/sokha.chan.9"),
    ("fb.com/dara.kh", "fb.com/dara.kh"),
    ("m.me/dara.kh", "m.me/dara.kh"),
    ("t.me/dara_kh.", "t.me/dara_kh"),
    ("instagram.com/vanna.k", "instagram.com/vanna.k"),
    ("tiktok.com/@sokha", "tiktok.com/@sokha"),
    ("ហ្វេសប៊ុក៖ sokha_99", "sokha_99"),
]


@pytest.mark.parametrize(("text", "value"), HANDLES)
def test_social_handle(text: str, value: str) -> None:
    assert of_type(text, "social_handle") == [value]


@pytest.mark.parametrize("text", [
    "sokha@gmail.com", "meet @ 5", "@everyone hello", "the line is busy", "my snap is broken", "see u on fb",
    "facebook.com", "line: 5 people",
])
def test_social_handle_negatives(text: str) -> None:
    assert of_type(text, "social_handle") == []


SCHOOLS = [
    ("I study at Hun Sen High School grade 9", "Hun Sen High School grade 9"),
    ("I go to Sisowath High School", "Sisowath High School"),
    ("i study at indradevi high school", "indradevi high school"),
    ("I'm in grade 8", "grade 8"),
    ("class 9A", "class 9A"),
    ("I'm in 9th grade", "9th grade"),
    ("ខ្ញុំរៀនថ្នាក់ទី៩", "ថ្នាក់ទី៩"),
    ("ខ្ញុំរៀននៅវិទ្យាល័យព្រះស៊ីសុវត្ថិ", "វិទ្យាល័យព្រះស៊ីសុវត្ថិ"),
    ("knhom rean nov sala hun sen", "rean nov sala hun sen"),
    ("oun rean thnak ti 9", "thnak ti 9"),
]


@pytest.mark.parametrize(("text", "value"), SCHOOLS)
def test_school(text: str, value: str) -> None:
    assert of_type(text, "school") == [value]


@pytest.mark.parametrize("text", [
    "see u after school", "I love my school", "school is boring", "I study at home", "ខ្ញុំទៅសាលារៀនហើយ",
    "class starts at 7", "grade 8 out of 10", "I got grade 15", "My School", "the High School",
])
def test_school_negatives(text: str) -> None:
    assert of_type(text, "school") == []


AGES = [
    ("I'm 13", "I'm 13", "13"),
    ("im 14 and u?", "im 14", "14"),
    ("13 years old", "13 years old", "13"),
    ("I am 14yo", "I am 14yo", "14"),
    ("i am 15 years old", "i am 15 years old", "15"),
    ("my age is 12", "my age is 12", "12"),
    ("14/f/pp", "14/f", "14"),
    ("អាយុ១៣ឆ្នាំ", "អាយុ១៣ឆ្នាំ", "13"),
    ("ខ្ញុំអាយុ ១៤", "ខ្ញុំអាយុ ១៤", "14"),
    ("អូន១៥ឆ្នាំ", "អូន១៥ឆ្នាំ", "15"),
    ("knhom 13 chnam", "knhom 13 chnam", "13"),
    ("oun ayu 14 chnam hz", "oun ayu 14 chnam", "14"),
]


@pytest.mark.parametrize(("text", "value", "normalized"), AGES)
def test_age(text: str, value: str, normalized: str) -> None:
    ages = [d for d in find_personal_info(text) if d.type == "age"]
    assert [(d.value, d.normalized) for d in ages] == [(value, normalized)]


@pytest.mark.parametrize("text", [
    "my phone is 2 years old", "my sister is 10 years old", "he is 30 years old", "are you 13 years old?",
    "I'm 5 minutes away", "I'm 10 min late", "ប្អូនស្រីខ្ញុំអាយុ១០ឆ្នាំ", "កូនខ្ញុំអាយុ៥ឆ្នាំ",
    "យើងស្គាល់គ្នា២ឆ្នាំហើយ", "age 18+ only", "I'm 100% sure", "the building is 50 years old", "អាយុ៣ខែ",
])
def test_age_negatives(text: str) -> None:
    assert of_type(text, "age") == []


IDS = [
    ("my ID card 010123456", "010123456"),
    ("national ID no: 123456789", "123456789"),
    ("អត្តសញ្ញាណប័ណ្ណលេខ ០១០១២៣៤៥៦", "០១០១២៣៤៥៦"),
    ("passport N1234567", "N1234567"),
]


@pytest.mark.parametrize(("text", "value"), IDS)
def test_id_number(text: str, value: str) -> None:
    assert of_type(text, "id_number") == [value]


@pytest.mark.parametrize("text", [
    "order ID 123456789", "my line id 123456789", "game id 123456789", "ID 12345", "id please",
])
def test_id_number_negatives(text: str) -> None:
    assert of_type(text, "id_number") == []


@pytest.mark.parametrize("text", [
    "hi how are you", "", "ok", "lol that's funny", "សួស្តីបង", "nek tver ey?", "ញ៉ាំបាយនៅ?",
    "see you tomorrow at 7", "it was 2 years ago",
])
def test_plain_chat_has_no_details(text: str) -> None:
    assert find_personal_info(text) == []


def test_mixed_post_sorted_exact_and_without_overlap() -> None:
    text = "call me 012 345 678, I live at #23 St. 271. IG @sokha_99, I'm 13"
    details = find_personal_info(text)
    assert [(d.type, d.value) for d in details] == [
        ("phone", "012 345 678"), ("address", "#23 St. 271"), ("social_handle", "@sokha_99"), ("age", "I'm 13"),
    ]
    for d in details:
        assert text[d.start:d.end] == d.value
        assert d.type in PERSONAL_INFO_TYPES and d.rule
    assert all(a.end <= b.start for a, b in itertools.pairwise(details))


def test_khmer_digits_keep_original_value_and_offsets() -> None:
    text = "បង​តេ​មក​លេខ ០១២ ៣៤៥ ៦៧៨ ណា ខ្ញុំ​អាយុ១៣ឆ្នាំ"
    for d in find_personal_info(text):
        assert text[d.start:d.end] == d.value
    assert of_type(text, "phone") == ["០១២ ៣៤៥ ៦៧៨"]


def test_detector_fills_index_and_sender() -> None:
    conv = Conversation("plain", [Message(0, "Dara", "hello"), Message(1, "Sokha", "my number 012 345 678")])
    detector = PersonalInfoDetector()
    assert detector.name == "personal_info"
    details = detector.details(conv.messages[1])
    assert [(d.index, d.sender, d.type, d.normalized) for d in details] == [(1, "Sokha", "phone", "+85512345678")]
    findings = detector.detect(conv)
    assert [(f.index, f.signal, f.rule, f.excerpt) for f in findings] == [(1, "personal_info", "en.phone", "012 345 678")]


def _copy_lexicons(tmp_path: Path) -> Path:
    for lang in ("en", "km", "km-Latn"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "personal_info.json").write_text(
            (LEXICON_DIR / lang / "personal_info.json").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["rules"][0].__setitem__("pattern", "(unclosed"), "bad pattern"),
    (lambda d: d["rules"][0].__setitem__("type", "shoe_size"), "'type'"),
    (lambda d: d["rules"][0].__setitem__("check", "nonexistent"), "unknown check"),
    (lambda d: d["rules"][0].__setitem__("anchors", []), "anchors"),
    (lambda d: d["rules"][0].__setitem__("anchors", ["Gmail"]), "lowercase"),
    (lambda d: d["rules"][1].__setitem__("id", d["rules"][0]["id"]), "not unique"),
    (lambda d: d["rules"][0].__setitem__("pattern", "<<nope>>"), "unknown fragment"),
    (lambda d: d["address_parts"][0].__setitem__("part", "moon"), "'part'"),
    (lambda d: d.__setitem__("language", "fr"), "language"),
    (lambda d: d["lists"].__setitem__("colours", ["red"]), "unknown list"),
])
def test_bad_lexicon_fails_at_load(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    root = _copy_lexicons(tmp_path)
    path = root / "en" / "personal_info.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_lexicons(root)


def test_packaged_lexicons_load() -> None:
    lex = load_lexicons()
    assert {r.type for r in lex.rules} == set(PERSONAL_INFO_TYPES) - {"address"}
    assert {r.part for r in lex.parts} >= {"house", "street", "sangkat", "khan", "phum", "khum", "srok", "province"}

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
    # a Wing or ABA transfer to a phone number gives the number away
    ("transfer 200 USD by Wing to 096 555 0192 tonight", "096 555 0192", "+855965550192"),
    ("ផ្ញើតាម ABA មកលេខ ០៩៦ ៧៧៧ ៤៤៥៥ ត្រឹមម៉ោង៨យប់", "០៩៦ ៧៧៧ ៤៤៥៥", "+855967774455"),
    ("pnhae tam ABA mk lek 096 777 4455 trem mong 8", "096 777 4455", "+855967774455"),
    ("send $50 to 012 888 999 by wing", "012 888 999", "+85512888999"),
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
    "012 345 678 riel", "pin 012345", "ABA account 002 931 558", "bank acc 012 345 678",
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
    ("I know where you live. #23 St. 155 Sangkat Toul Tompoung I Khan Chamkarmon",
     "#23 St. 155 Sangkat Toul Tompoung I Khan Chamkarmon"),
    ("#45, St. 598, Sangkat Boeung Kak II, Khan Toul Kork, Phnom Penh.",
     "#45, St. 598, Sangkat Boeung Kak II, Khan Toul Kork, Phnom Penh"),
    # a capitalised name ends at the first lowercase word ("kbae vort": near the pagoda)
    ("hang nov Phum Trapeang Chhouk, Sangkat Teuk Thla, Khan Sen Sok kbae vort",
     "Phum Trapeang Chhouk, Sangkat Teuk Thla, Khan Sen Sok"),
    ("ហាងនៅ ភូមិត្រពាំងឈូក សង្កាត់ទឹកថ្លា ខណ្ឌសែនសុខ ក្បែរវត្ត", "ភូមិត្រពាំងឈូក សង្កាត់ទឹកថ្លា ខណ្ឌសែនសុខ"),
    # capitalised words inside a capitalised name are part of it, even chat words ("Mean" = "have")
    ("our garage: #70, St. 371, Sangkat Stueng Mean Chey, Khan Mean Chey, Phnom Penh",
     "#70, St. 371, Sangkat Stueng Mean Chey, Khan Mean Chey, Phnom Penh"),
    ("sangkat teuk thla khan sen sok jit vot", "sangkat teuk thla khan sen sok"),
    ("Sangkat Tonle Bassac, Khan Chamkarmon I think", "Sangkat Tonle Bassac, Khan Chamkarmon"),
    ("ផ្ទះលេខ ២៣ ផ្លូវ ៣១០ បឹងកេងកង១", "ផ្ទះលេខ ២៣ ផ្លូវ ៣១០ បឹងកេងកង១"),
    ("មកផ្ទះខ្ញុំ ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល", "ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល"),
    ("ផ្ទះលេខ២៣ ផ្លូវលេខ២៧១", "ផ្ទះលេខ២៣ ផ្លូវលេខ២៧១"),
    ("ខ្ញុំនៅសង្កាត់ទួលទំពូង ខណ្ឌចំការមន", "សង្កាត់ទួលទំពូង ខណ្ឌចំការមន"),
    ("ផ្ទះខ្ញុំនៅភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល ខេត្តកណ្ដាល", "ភូមិថ្មី ឃុំព្រែកអញ្ចាញ ស្រុកមុខកំពូល ខេត្តកណ្ដាល"),
    ("ខ្ញុំរស់នៅសង្កាត់ទួលទំពូងខណ្ឌចំការមនភ្នំពេញ", "សង្កាត់ទួលទំពូងខណ្ឌចំការមនភ្នំពេញ"),
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
    # a district, a street or a market alone is not an address
    "I live in Toul Kork", "let's meet at the guesthouse on Street 136", "I live on Street 271",
    "Phnom Penh is hot today", "we went to Siem Reap and Kampot",
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
    ("my snap pisey.cute", "pisey.cute"),
    ("add my snapchat: pisey.cute", "pisey.cute"),
    ("instagram: dara.kh99", "dara.kh99"),
    ("@sokhim_study", "@sokhim_study"),
]


@pytest.mark.parametrize(("text", "value"), HANDLES)
def test_social_handle(text: str, value: str) -> None:
    assert of_type(text, "social_handle") == [value]


@pytest.mark.parametrize("text", [
    "sokha@gmail.com", "meet @ 5", "@everyone hello", "the line is busy", "my snap is broken", "see u on fb",
    "facebook.com", "line: 5 people", "@Dara come here", "meet @5pm", "snap out of it",
])
def test_social_handle_negatives(text: str) -> None:
    assert of_type(text, "social_handle") == []


SCHOOLS = [
    ("I go to Sisowath High School", ["Sisowath High School"]),
    ("i study at indradevi high school", ["indradevi high school"]),
    ("I'm in grade 8", ["grade 8"]),
    ("class 9A", ["class 9A"]),
    ("I'm in 9th grade", ["9th grade"]),
    ("ខ្ញុំរៀនថ្នាក់ទី៩", ["ថ្នាក់ទី៩"]),
    ("ខ្ញុំរៀននៅវិទ្យាល័យព្រះស៊ីសុវត្ថិ", ["វិទ្យាល័យព្រះស៊ីសុវត្ថិ"]),
    ("oun rean thnak ti 9", ["thnak ti 9"]),
    # a school's name starts at its keyword ("sala", "vityealai"), never at "rean nov"
    ("knhom rean nov sala hun sen", ["sala hun sen"]),
    ("rean thnak ti 7 sala Bak Touk", ["thnak ti 7", "sala Bak Touk"]),
    # the name and the grade are two details, however they are joined
    ("I study at Hun Sen High School grade 9", ["Hun Sen High School", "grade 9"]),
    ("Chbar Ampov High School, grade 9", ["Chbar Ampov High School", "grade 9"]),
    ("grade 7 at Bak Touk High School", ["grade 7", "Bak Touk High School"]),
    ("វិទ្យាល័យបាក់ទូក ថ្នាក់ទី៧", ["វិទ្យាល័យបាក់ទូក", "ថ្នាក់ទី៧"]),
    ("Chak Angre High School thnak ti 9", ["Chak Angre High School", "thnak ti 9"]),
    ("I go to Indradevi school", ["Indradevi school"]),
    ("rean tnak ti 9 nov sala Hun Sen", ["tnak ti 9", "sala Hun Sen"]),
    # a grade written with its section
    ("added. u in 12C right?", ["12C"]),
    ("I'm in 10B this year", ["10B"]),
    ("ប្រាប់មិត្តក្នុងថ្នាក់ទី១០ខផង", ["ថ្នាក់ទី១០ខ"]),
]


@pytest.mark.parametrize(("text", "values"), SCHOOLS)
def test_school(text: str, values: list[str]) -> None:
    assert of_type(text, "school") == values


@pytest.mark.parametrize("text", [
    "see u after school", "I love my school", "school is boring", "I study at home", "ខ្ញុំទៅសាលារៀនហើយ",
    "class starts at 7", "grade 8 out of 10", "I got grade 15", "My School", "the High School",
    "បើមិនចង់ឱ្យម៉ាក់និងគ្រូនៅសាលាឃើញ ផ្ញើលុយមក", "bong post oy pen thnak", "watch it in 3D",
    "my phone is in 5G now", "I was in 2A", "ស្អែកបងទៅទទួលអូននៅមុខសាលា", "Today school was fun",
    "After school we go", "See you at school",
    # "school" followed by a verb or a modal is the school itself (its uniform, its rules), not a name
    "ពាក់ឯកសណ្ឋានសាលាបានទេ?", "សាលាត្រូវឈប់ស្អែក", "សាលាអាចបិទ", "pak uniform sala ban te?",
    "can I send in my school uniform?",
])
def test_school_negatives(text: str) -> None:
    assert of_type(text, "school") == []


# A school's bare name is a detail as the answer to a question about the school in the message before it.
SCHOOL_ANSWERS = [
    ("which school again? I forgot", "Chea Sim Samaki, grade 9", ["Chea Sim Samaki", "grade 9"]),
    ("what school do you go to?", "Sisowath", ["Sisowath"]),
    ("where do you study?", "At Bak Touk.", ["Bak Touk"]),
    ("rean sala na tov? bong plech", "Chea Sim Samaki, thnak ti 9", ["Chea Sim Samaki", "thnak ti 9"]),
    ("oun rean sala na?", "Preah Yukanthor", ["Preah Yukanthor"]),
    ("រៀនសាលាណាទៅ? បងភ្លេច", "ជាស៊ីមសាមគ្គី ថ្នាក់ទី៩", ["ជាស៊ីមសាមគ្គី", "ថ្នាក់ទី៩"]),
    ("អូនរៀនសាលាអី?", "បាក់ទូក ថ្នាក់ទី៧", ["បាក់ទូក", "ថ្នាក់ទី៧"]),
    # not a school question, or not a name
    ("what's your name?", "Chea Sim Samaki", []),
    ("which school?", "Why?", []),
    ("which school?", "Same as you", []),
    ("which school?", "In Phnom Penh", []),
    ("which school?", "Secret", []),
    ("which school?", "I forgot", []),
    ("rean sala na?", "Ot prab te", []),
    ("rean sala na?", "Hz", []),
    ("រៀនសាលាណាទៅ?", "អត់ប្រាប់ទេ", []),
    ("រៀនសាលាណាទៅ?", "ខ្ញុំភ្លេច ថ្នាក់", []),
]


@pytest.mark.parametrize(("question", "answer", "values"), SCHOOL_ANSWERS)
def test_school_answer_needs_the_question(question: str, answer: str, values: list[str]) -> None:
    assert [d.value for d in find_personal_info(answer, question) if d.type == "school"] == values
    names = {v for v in values if not any(ch.isdigit() for ch in v)}  # str.isdigit knows Khmer digits
    assert not names & set(of_type(answer, "school"))  # alone, a bare name says nothing


def test_detector_reads_a_bare_school_name_in_order() -> None:
    conv = Conversation("plain", [Message(0, "A", "which school?"), Message(1, "B", "Sisowath"),
                                  Message(2, "A", "ok"), Message(3, "B", "Sisowath")])
    assert [(f.index, f.excerpt) for f in PersonalInfoDetector().detect(conv)] == [(1, "Sisowath")]


# The value of an age is the number alone, as the evaluation set labels it ("I'm 14" -> "14").
AGES = [
    ("I'm 13", ["13"]),
    ("im 14 and u?", ["14"]),
    ("13 years old", ["13"]),
    ("I am 14yo", ["14"]),
    ("i am 15 years old", ["15"]),
    ("please I'm only 15", ["15"]),
    ("my age is 12", ["12"]),
    ("age 14", ["14"]),
    ("14/f/pp", ["14"]),
    ("turning 13 next month", ["13"]),
    ("age is just a number. I'm 22 I can teach you things", ["22"]),
    ("អាយុ១៣ឆ្នាំ", ["១៣"]),
    ("ខ្ញុំអាយុ ១៤", ["១៤"]),
    ("អូន១៥ឆ្នាំ", ["១៥"]),
    ("ខ្ញុំទើប១៥ឆ្នាំទេ", ["១៥"]),
    ("knhom 13 chnam", ["13"]),
    ("nh teup 15 chnam te", ["15"]),
    ("oun ayu 14 chnam hz", ["14"]),
    # the other person's age, said to them, is disclosed too
    ("I'm 17 and you're 15 it's normal", ["17", "15"]),
    ("u are so cute for 14", ["14"]),
    ("you're only 13", ["13"]),
    ("បើស្រលាញ់បងមែន ផ្ញើមក។ បងអាយុ១៧ អូន១៥ ធម្មតាទេ", ["១៧", "១៥"]),
    ("ber sl bong men pnhae mk. bong 17 oun 15 thoamada te", ["17", "15"]),
    ("អូនទើបតែ១៣ទេបង", ["១៣"]),
    ("nh teup 13 te bong", ["13"]),
    # someone reaching an age, whoever tells it (a parent gives a daughter's age away too)
    ("Hi, yes. she turns 12 next week", ["12"]),
    ("my son turned 9 yesterday", ["9"]),
    ("my daughter is turning 13", ["13"]),
    ("he'll be 15 next month", ["15"]),
    ("គាត់គ្រប់១២ឆ្នាំអាទិត្យក្រោយ", ["១២"]),
    ("កូនស្រីខ្ញុំចូល៨ឆ្នាំហើយ", ["៨"]),
    ("ខ្ញុំទើបគ្រប់១៨ឆ្នាំ", ["១៨"]),
    ("kat krob 12 chnam atit kraoy", ["12"]),
    ("kon srey nh chol 8 chnam hz", ["8"]),
    ("nh teup krob 18 chnam", ["18"]),
]


@pytest.mark.parametrize(("text", "values"), AGES)
def test_age(text: str, values: list[str]) -> None:
    ages = [d for d in find_personal_info(text) if d.type == "age"]
    assert [d.value for d in ages] == values
    assert [d.normalized for d in ages] == [v.translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")) for v in values]


@pytest.mark.parametrize("text", [
    "my phone is 2 years old", "my sister is 10 years old", "he is 30 years old", "are you 13 years old?",
    "I'm 5 minutes away", "I'm 10 min late", "ប្អូនស្រីខ្ញុំអាយុ១០ឆ្នាំ", "កូនខ្ញុំអាយុ៥ឆ្នាំ",
    "យើងស្គាល់គ្នា២ឆ្នាំហើយ", "age 18+ only", "I'm 100% sure", "the building is 50 years old", "អាយុ៣ខែ",
    "you're 5 minutes late", "my cat is 3 years old", "bong 10 oun 20 dollar", "so good for 20 dollars",
    "the shop is turning 10 this year", "ur 2 hours late", "អូនតែ១០ដុល្លារ", "ខ្ញុំទើប៥នាទី", "oun teup 5 neatei",
    # a condition, a thing's anniversary, a duration or a delay is not a disclosed age
    "wait until she turns 18", "when you turn 18 we can meet", "the shop turns 10 this year", "my dog turns 6",
    "she will be 10 minutes late", "he'll be 20 mins", "ចាំអូនគ្រប់១៨ឆ្នាំសិន", "ពេលកូនគ្រប់១៨ឆ្នាំ",
    "ហាងយើងគ្រប់១០ឆ្នាំហើយ", "ខ្ញុំធ្វើការនៅទីនេះគ្រប់១០ឆ្នាំ", "cham oun krob 18 chnam sin",
    "hang yerng krob 10 chnam hz", "nh tver kar nov nis krob 10 chnam", "ber oun chol 18 chnam",
])
def test_age_negatives(text: str) -> None:
    assert of_type(text, "age") == []


# A bare number is an age only as the answer to an age question in the message before it.
AGE_ANSWERS = [
    ("how old are you?", "14", ["14"]),
    ("How old are you and how tall?", "15, 158cm", ["15"]),
    ("I can give you 500 diamonds. how old r u?", "12", ["12"]),
    ("how old are you now?", "15 auntie", ["15"]),
    ("what's your age?", "only 12", ["12"]),
    ("អូនអាយុប៉ុន្មានហើយ?", "១៣ឆ្នាំ", ["១៣"]),
    ("ចៅអាយុប៉ុន្មានហើយឥឡូវ?", "១៥ហើយយាយ", ["១៥"]),
    ("oun ayu ponman? rean sala na?", "១៤ រៀននៅវិទ្យាល័យព្រះស៊ីសុវត្ថិ", ["១៤"]),
    ("oun ayu ponman hz?", "13 hz bong", ["13"]),
    ("chav ayu ponman hz eilov?", "15 hz yeay", ["15"]),
    ("yes real. how old are you?", "16 bong", ["16"]),
    # not an answer to an age question, or not an age
    ("what time do we meet?", "14", []),
    ("how many photos do you want?", "12", []),
    ("how old are you?", "5 minutes and I'm home", []),
    ("how old are you?", "why do you ask", []),
    ("how old are you?", "2.5 lol", []),
    ("how old is your cat?", "4", []),
]


@pytest.mark.parametrize(("question", "answer", "values"), AGE_ANSWERS)
def test_age_answer_needs_the_question(question: str, answer: str, values: list[str]) -> None:
    assert [d.value for d in find_personal_info(answer, question) if d.type == "age"] == values
    assert of_type(answer, "age") == []  # alone, a number says nothing


def test_detector_reads_an_answer_after_the_question_in_order() -> None:
    conv = Conversation("plain", [Message(0, "A", "how old are you?"), Message(1, "B", "13"),
                                  Message(2, "A", "ok"), Message(3, "B", "13")])
    assert [(f.index, f.excerpt) for f in PersonalInfoDetector().detect(conv)] == [(1, "13")]
    detector = PersonalInfoDetector()  # one message at a time, as `analyze` calls it
    got = [[d.value for d in detector.details(m)] for m in conv.messages]
    assert got == [[], ["13"], [], []]
    assert PersonalInfoDetector().details(conv.messages[1]) == []  # out of order: no question seen


IDS = [
    ("my ID card 010123456", "010123456"),
    ("national ID no: 123456789", "123456789"),
    ("អត្តសញ្ញាណប័ណ្ណលេខ ០១០១២៣៤៥៦", "០១០១២៣៤៥៦"),
    ("passport N1234567", "N1234567"),
    ("ID card lek 011223344", "011223344"),
    ("your ID card is inside, 021345678, photo looks like your profile", "021345678"),
    ("អត្តសញ្ញាណប័ណ្ណលេខ ០១០៥៥៤៣២១", "០១០៥៥៤៣២១"),
    ("lek atta sanhan bann 010555432", "010555432"),
    ("kat ID lek 010555432", "010555432"),
]


@pytest.mark.parametrize(("text", "value"), IDS)
def test_id_number(text: str, value: str) -> None:
    assert of_type(text, "id_number") == [value]


@pytest.mark.parametrize("text", [
    "order ID 123456789", "my line id 123456789", "game id 123456789", "ID 12345", "id please",
    "facebook.com/profile.php?id=100012345678",
])

def test_id_number_negatives(text: str) -> None:
    assert of_type(text, "id_number") == []


# A bare number is an ID number as the answer to a question about the ID card (a landlord, a form).
@pytest.mark.parametrize(("question", "answer", "values"), [
    ("can you send me your ID card number?", "010 555 432", ["010 555 432"]),
    ("what's your ID number?", "it's 010555432", ["010555432"]),
    ("ផ្ញើលេខអត្តសញ្ញាណប័ណ្ណមក", "០១០៥៥៤៣២១", ["០១០៥៥៤៣២១"]),
    ("oun pnhae lek ID mk", "lek 010555432", ["010555432"]),
    ("what's your phone number?", "012 345 678", []),
    ("your ID?", "12345", []),
])
def test_id_number_answer_needs_the_question(question: str, answer: str, values: list[str]) -> None:
    assert [d.value for d in find_personal_info(answer, question) if d.type == "id_number"] == values


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
        ("phone", "012 345 678"), ("address", "#23 St. 271"), ("social_handle", "@sokha_99"), ("age", "13"),
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
    (lambda d: d["rules"][0].__setitem__("after", "colours"), "'after'"),
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


def test_rule_plans_are_kept_in_a_bounded_table() -> None:
    from hotline.detect.signals.personal_info import _PLAN_CACHE_SIZE, _lexicons

    lex = _lexicons()
    words = sorted(a for a in lex.anchor_rules if a.isascii() and a.isalpha())[:120]
    for a, b in itertools.islice(itertools.combinations(words, 2), _PLAN_CACHE_SIZE + 500):
        find_personal_info(f"{a} x {b} 7")
        assert len(lex.plans) <= _PLAN_CACHE_SIZE
    assert find_personal_info("call me 012 345 678")[0].value == "012 345 678"  # still right after a clear


def test_automaton_gate_agrees_with_the_regex_gate() -> None:
    """The Aho–Corasick gate drops exactly the messages the regex gate drops: anchors glued to letters on
    either side, short anchors inside words, digits in both scripts, Khmer anchors anywhere."""
    from hotline.detect.signals.personal_info import _lexicons, _scan

    lex = _lexicons()
    anchors = sorted(lex.gate_automaton.keys)
    pieces = [*anchors, "a", "z", "x", "big", "night", "1", "៣", ".", "@", " ", "-", "İ", "ß", "ក"]
    rng = random.Random(10)
    texts = [f"{glue}{a}{end}" for a in anchors for glue in ("", "x", "1", " ") for end in ("", "x", "s", ".")]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(20_000)]
    python = lex.gate_automaton.twin(native=False)  # (the lexicons' own answers in C where it is built)
    for text in texts:
        low = text.lower()
        assert (lex.gate.search(low) is not None) == _scan(lex, low)[0], text
        assert (lex.gate.search(low) is not None) == bool(python.scan(low)[0] & 1), text

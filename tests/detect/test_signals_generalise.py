"""Phrase families written apart from the evaluation set, to check the rules generalise beyond its wording.

Each family is a way real people ask for (or offer) images, propose a meeting or ask for secrecy, in
English, Khmer script and romanised Khmer with its spelling variation; each has benign look-alikes that
must not fire (photos of food, a cat, homework; a menu; a nurse or counsellor talking about the risks;
"nice to meet you"; "secret ingredient"). Sexting counts only at the weight that makes it a sexual-image
request (`risk.SEXTING_WEIGHT`), as the risk does.
"""

from __future__ import annotations

import pytest

from hotline.detect import analyze
from hotline.detect.model import Conversation, Message
from hotline.detect.risk import SEXTING_WEIGHT
from hotline.detect.signals import default_scanner
from hotline.detect.text import normalize


def _fires(signal: str, text: str) -> bool:
    found = default_scanner().scan(Message(0, "x", text), normalize(text))
    floor = SEXTING_WEIGHT if signal == "sexting" else 0.0
    return any(f.signal == signal and f.weight >= floor for f in found)


SEXTING_FAMILIES: dict[str, list[str]] = {
    "send_nudes": ["send nudes", "send me n00ds", "nudez?", "got nudes?", "can u send me some nudes tonight",
                   "ផ្ញើរូបអាក្រាតមកបងមើល", "pnhae rub akrat mk b", "phnheu rub sic mok bang"],
    "spicy_sexy": ["send me something spicy", "send a sexy selfie", "can i get a sexy pic of you",
                   "i want a naughty pic", "ផ្ញើរូបសិចស៊ីមក", "pheang rub sexy mok bong", "sen rub sexy mk bg mer"],
    "without_clothes": ["pic without clothes", "a photo with no shirt on", "send one without ur top",
                        "ផ្ញើរូបអត់ពាក់អាវមក", "rub kmean aav", "rub ot pak khor av mk bong mer", "pnhae rub kman av mk"],
    "undress": ["take off your shirt and send", "take ur top off for me", "video call, only you and me, take it off",
                "ដោះអាវឲ្យបងមើល", "ដោះខោអាវបើកកាមេរ៉ា", "dos av oy bong mer", "dors aav mer bong"],
    "see_body": ["I want to see your body", "let me see those boobs", "can i see you in your bra",
                 "show me your ass", "បងចង់មើលខ្លួនអូន", "bong chong mer khluon oun", "b jg merl khloun own"],
    "intimate_wear": ["bikini pic", "send me a pic in your underwear", "pose for me in your lingerie",
                      "ផ្ញើរូបពាក់ប៊ីគីនីមក", "ផ្ញើរូបពាក់តែខោក្នុងមក", "pnhae rub pak bikini mk"],
    "private_photo": ["send me a private photo", "a private pic just for me", "ផ្ញើរូបឯកជនមកបង", "pheu rub ekachon mok"],
    "body_part_pic": ["send me a dick pic", "boobs pic?", "send a pic of your chest"],
    "cam_show": ["turn on your cam and take your top off", "get on cam naked", "show me on cam without clothes",
                 "បើកកាមេរ៉ាអាក្រាតឲ្យបងមើល", "ber camera akrat oy bong mer"],
    "more_of_you": ["can i see more of u", "i wanna see all of you", "send me something only i can see",
                    "ឱ្យបងឃើញអូនច្រើនជាងនេះ", "bong chong mer own teang oh", "oy bang merl poun chran jang nis"],
    "after_shower": ["mirror selfie after ur shower", "send a pic fresh from the shower", "photo in a towel for me",
                     "ថតរូបក្នុងកញ្ចក់ពេលងូតទឹករួចមក", "thot rub nov kjok pel ngut tek ruch mk"],
    "drop_towel": ["drop the towel ;)", "one more without your towel", "ថតមួយទៀតគ្មានកន្សែង", "dors kanseng chenh mk"],
    "locked_cam": ["lock your door and turn your camera on", "video call at 10, lock the door",
                   "ចាក់សោទ្វារហើយបើកកាមេរ៉ាមក", "bek camera, chak sor bantob sin"],
    "your_turn": ["i showed you mine, your turn now", "now it's ur turn", "ដល់វេនប្អូនផ្ញើហើយ", "dal ven poun heuy",
                  "something no one else gets to see"],
    "private_offer": ["bong pnhae rub private bong oy oun mer", "pu pheng rup ekachon pu oy"],
    "offer": ["do you want to see my pic? im naked", "i send you mine", "I'll send mine first", "want to see my dick?",
              "i'm sending you a naked pic of me", "បងផ្ញើរូបអាក្រាតបងឲ្យអូនមើល", "bong pnhae rub akrat bong oy oun mer"],
}

SEXTING_BENIGN: dict[str, list[str]] = {
    "food_menu": ["send me the pic of the menu", "send me a pic of the hot pot", "this spicy soup photo lol",
                  "ផ្ញើរូបម្ហូបមកមើល", "pnhae rub mhob mk", "pheu rub menu mok"],
    "pets_homework": ["here is a photo of my cat in bed", "send me your homework photo", "photo of the baby in the bath",
                      "ផ្ញើរូបឆ្មាមកមើល", "ផ្ញើរូបកិច្ចការផ្ទះមក", "pheu rub chma mok", "phnheu rub kech ka ptas mk"],
    "compliment": ["you look so mature in your photo", "nice pic of you at the beach", "your body is strong from football"],
    "everyday": ["there is nothing on tv", "i have no clothes for the wedding lol", "i want a cake like the last one",
                 "im in the shower, call you later", "do you want to see me play on saturday? its so hot today",
                 "take it off the list", "record yourself reading the poem for homework", "make a video for me of the song",
                 "more skin care products on sale", "what's under your bed?", "send me 3 more dollars for the book",
                 "a strip of paper", "flash your student card at the door", "take off your shoes",
                 "ដោះស្រាយលំហាត់នេះ", "ដោះស្បែកជើងសិន", "ខ្ញុំងូតទឹកសិន ចាំខលទៅវិញ", "pnhae rub khluon eng mk",
                 "oun ngut tek sin", "dos sray lomhat nis", "tinh khao av thmey"],
    "turns_and_towels": ["your turn to roll the dice", "now its your turn to choose the movie", "bring a towel to the pool",
                         "hang your towel to dry", "ដល់វេនអូនលេងហ្គេមហើយ", "យកកន្សែងទៅហាល", "dol ven oun leng game hz",
                         "yok konseng tov hal"],
    "see_everyone": ["nice to see all of you at the party", "hope to see more of you at school", "ចង់ជួបអូនទាំងអស់គ្នានៅសាលា",
                     "chong merl oun teang ors knea nov sala"],
    "class_cam": ["camera on for the video class please", "lock the door when you leave", "ចេញពីផ្ទះចាក់សោទ្វារផង",
                  "skaek ber camera rean online", "wear the dress like in your photo", "ស្លៀកសំពត់ដូចក្នុងរូបអូនមក"],
    "discussion": ["if someone asks you for nude photos, tell an adult", "sexting means sending sexual pictures",
                   "never send naked pictures to anyone online",
                   "បើមាននរណាសុំរូបអាក្រាត ប្រាប់មនុស្សធំ"],
}

MEETING_FAMILIES: dict[str, list[str]] = {
    "room_hotel": ["come to my room", "we can get a hotel room", "I'll wait for you at the guesthouse",
                   "ចាំបងនៅផ្ទះសំណាក់", "មកបន្ទប់បង", "jam bong nov guesthouse", "tov hotel jea muy bong"],
    "just_us": ["let's meet, just us", "come alone ok", "lets meet up this weekend",
                "ជួបគ្នាតែពីរនាក់", "មកតែម្នាក់ឯង", "jup knea tae pi nak", "jub kna tngai saek"],
    "pick_up": ["can I pick you up after school", "I'll drive to your town", "i can come get you tonight",
                "បងទៅទទួលអូននៅសាលា", "bong tov yok oun nov sala"],
    "come_over": ["come over when your parents are out", "mok rok bong", "mok ptas bong", "tov leng jumnuos bong",
                  "មកផ្ទះបងលេង", "ទៅលេងជាមួយបង"],
    "arrangement": ["see you sunday", "thursday 4pm at the library", "i'll be there in 10 minutes",
                    "I'm at the coffee shop near the school until 5pm", "ថ្ងៃអាទិត្យ ម៉ោង៣ នៅផ្សារ", "ខ្ញុំនឹងមក",
                    "ម៉ោង៤ខ្ញុំទៅដល់", "thngai atit mong 3 nov psar", "knhom tov dol hz", "nh mk pleam",
                    "saek tov leng jamuy knea nov psar te"],
}
MEETING_BENIGN = ["nice to meet you", "the team meeting is cancelled", "I met her yesterday at school",
                  "see you later", "the match is sunday 4pm online", "i'm at home", "ថ្ងៃអាទិត្យម៉ោង៣លេងហ្គេមអនឡាញ",
                  "pnhae rup mok rok bong merl", "thngai atit mong 3 leng game online",
                  "រីករាយដែលបានស្គាល់", "rikreay del ban skal"]

SECRECY_FAMILIES: dict[str, list[str]] = {
    "secret": ["this is our little secret", "it's just between us", "nobody needs to know", "no one has to know about us",
               "រឿងនេះដឹងតែយើងពីរនាក់", "deng tae yerng pi nak", "rerng nis jea sam ngat yerng"],
    "dont_tell": ["don't tell anyone about us", "keep this to yourself", "your mom can't find out",
                  "កុំប្រាប់អ្នកណា", "កុំឱ្យម៉ាក់ដឹង", "kom prab neak na", "kom aoy mak dg", "kom oy pa deng"],
    "delete": ["erase the messages", "delete this chat after", "clear your chat history", "use the hidden chat",
               "លុបសារចោល", "លុបឆាតចោលណា", "lub sa chol", "lub chat chol", "lob sar jol na"],
}
SECRECY_BENIGN = ["the secret ingredient is garlic", "secret santa at school", "it's no secret that I love pizza",
                  "tell mom i said hi", "ប្រាប់ម៉ាក់ផង", "lub rub nis chol, vea min saat"]


def _cases(families: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(family, text) for family, texts in families.items() for text in texts]


@pytest.mark.parametrize(("family", "text"), _cases(SEXTING_FAMILIES))
def test_sexting_families_fire(family: str, text: str) -> None:
    assert _fires("sexting", text), f"{family}: {text!r}"


@pytest.mark.parametrize(("family", "text"), _cases(SEXTING_BENIGN))
def test_sexting_lookalikes_do_not_fire(family: str, text: str) -> None:
    assert not _fires("sexting", text), f"{family}: {text!r}"


@pytest.mark.parametrize(("family", "text"), _cases(MEETING_FAMILIES))
def test_meeting_families_fire(family: str, text: str) -> None:
    assert _fires("meeting_request", text), f"{family}: {text!r}"


@pytest.mark.parametrize("text", MEETING_BENIGN)
def test_meeting_lookalikes_do_not_fire(text: str) -> None:
    assert not _fires("meeting_request", text)


@pytest.mark.parametrize(("family", "text"), _cases(SECRECY_FAMILIES))
def test_secrecy_families_fire(family: str, text: str) -> None:
    assert _fires("secrecy", text), f"{family}: {text!r}"


@pytest.mark.parametrize("text", SECRECY_BENIGN)
def test_secrecy_lookalikes_do_not_fire(text: str) -> None:
    assert not _fires("secrecy", text)


def test_picture_compliment_is_not_an_image_request() -> None:
    text = "you look so mature in your photo"
    found = default_scanner().scan(Message(0, "x", text), normalize(text))
    assert not any(f.rule.endswith("picture_request") for f in found)


BENIGN_CHATS: list[list[tuple[str, str]]] = [
    [("Mom", "are you home alone?"), ("Dara", "yes"), ("Mom", "send me a pic of the menu, I'll order"),
     ("Mom", "don't tell dad about the party, it's a surprise"), ("Dara", "ok")],
    [("Nurse", "sexting means sending nude pictures, and it is risky"), ("Sokha", "what if someone asks me?"),
     ("Nurse", "never send naked pictures, tell an adult you trust")],
    [("Lina", "nice photo of you at the beach"), ("Vuthy", "thanks! let's meet at the café at 5"),
     ("Lina", "see you there"), ("Vuthy", "im in the shower, call you later")],
    [("Bong", "ផ្ញើរូបម្ហូបមកមើល"), ("Srey", "ok"), ("Bong", "ចាំបងនៅហាងកាហ្វេ"), ("Srey", "កុំប្រាប់ម៉ាក់ ខួបកំណើតគាត់")],
]


@pytest.mark.parametrize("chat", BENIGN_CHATS)
def test_benign_chats_stay_below_high(chat: list[tuple[str, str]]) -> None:
    analysis = analyze(Conversation("plain", [Message(i, s, t) for i, (s, t) in enumerate(chat)]))
    assert analysis.risk in ("none", "low", "medium")


# Signs that a child is involved (no grooming stage of their own; they let the risk treat the chat as one
# with a child): school talk and hiding from the parents, in three writings, with adult look-alikes.
CHILD_CONTEXT: list[tuple[str, str]] = [
    ("school_talk", "how was school today?"), ("school_talk", "i'll wait for u after school"),
    ("school_talk", "when does ur school finish?"), ("school_talk", "អូនចេញរៀនម៉ោងប៉ុន្មាន?"),
    ("school_talk", "បងរង់ចាំនៅក្បែរសាលា"), ("school_talk", "chenh rean mong ponman"),
    ("school_talk", "bong cham nov muk sala"),
    ("parents_watch", "are your parents at home now?"), ("parents_watch", "call me when ur alone"),
    ("parents_watch", "don't tell your dad about me"), ("parents_watch", "ខ្លាចម៉ែឃើញ"),
    ("parents_watch", "កុំឱ្យម៉ាក់ដឹង"), ("parents_watch", "kom oy mak deng"), ("parents_watch", "khlach ba kheunh"),
]
CHILD_CONTEXT_BENIGN = ["I graduated from university in 2015", "the office closes at 5", "don't tell your brother, it's a gift",
                        "កុំប្រាប់បងប្រុសណា", "ខ្ញុំធ្វើការចប់ម៉ោង៥", "kom prab bong bros na", "bong chenh pi kargnea"]


def _rule_fires(tail: str, text: str) -> bool:
    found = default_scanner().scan(Message(0, "x", text), normalize(text))
    return any(f.rule.endswith("." + tail) for f in found)


@pytest.mark.parametrize(("tail", "text"), CHILD_CONTEXT)
def test_child_context_families_fire(tail: str, text: str) -> None:
    assert _rule_fires(tail, text)


@pytest.mark.parametrize("text", CHILD_CONTEXT_BENIGN)
def test_child_context_lookalikes_do_not_fire(text: str) -> None:
    assert not _rule_fires("school_talk", text) and not _rule_fires("parents_watch", text)


def test_fixing_a_time_to_meet_is_no_grooming_stage() -> None:
    """An ordinary plan to meet ("see you Saturday", "I'll come") is a meeting request but no grooming
    stage: with a child's age and a compliment in the chat it must not make the risk high."""
    chat = [("Photo", "your daughter is so pretty, how old is she?"), ("Mom", "she is 12"),
            ("Photo", "saturday 9am at the studio ok"), ("Mom", "thank you, see you saturday"),
            ("Photo", "ថ្ងៃសៅរ៍ ម៉ោង៩ នៅស្ទូឌីយោ"), ("Mom", "ok knhom nung mok")]
    analysis = analyze(Conversation("plain", [Message(i, s, t) for i, (s, t) in enumerate(chat)]))
    assert analysis.signals["meeting_request"]
    assert analysis.risk in ("none", "low", "medium")

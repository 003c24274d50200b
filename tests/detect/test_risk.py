"""Risk over a conversation: combinations from one sender raise it; benign look-alikes stay low."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.detect import analyze
from hotline.detect.model import RISK_LEVELS, Conversation, Finding, Message
from hotline.detect.risk import RiskTracker

RANK = {level: i for i, level in enumerate(RISK_LEVELS)}
START = datetime(2025, 3, 12, 19, 0, tzinfo=UTC)


def conversation(lines: list[tuple[str, str]], fmt: str = "plain") -> Conversation:
    """Test factory: `[(sender, text), ...]` → a Conversation indexed from 0, a minute apart."""
    return Conversation(fmt, [
        Message(i, sender, text, START + timedelta(minutes=i)) for i, (sender, text) in enumerate(lines)
    ])

BENIGN = {
    "mother_home_alone": [("Mom", "are you home alone?"), ("Kid", "yes"), ("Mom", "lock the door, I'll be back at 6"),
                          ("Mom", "I'll pick you up from school tomorrow")],
    "friends_cafe": [("Vanna", "coffee later?"), ("Nich", "yes where"), ("Vanna", "let's meet at Brown Coffee at 3pm"),
                     ("Nich", "ok see you")],
    "shop_phone": [("Shop", "Hello, your order is ready. Call us on 012 345 678"), ("Me", "thanks, I'll come tomorrow")],
    "surprise_party": [("Dara", "don't tell mom ok? it's a surprise party for her birthday"), ("Sothea", "haha ok"),
                       ("Sothea", "keep it secret, she reads my messages"), ("Dara", "delete the photo of the cake after")],
    "couple_dinner": [("A", "you looked beautiful tonight"), ("B", "you too 😘"), ("A", "I love you"),
                      ("B", "love you too"), ("A", "dinner on Friday? I'll pick you up at 7"), ("B", "can't wait")],
    "km_mother": [("ម៉ាក់", "កូននៅផ្ទះម្នាក់ឯងទេ?"), ("កូន", "ចាស"), ("ម៉ាក់", "ម៉ាក់មកវិញម៉ោង៦ ចាក់សោទ្វារផង")],
    "km_surprise": [("បង", "កុំប្រាប់ម៉ាក់ណា ខួបកំណើតម៉ាក់ យើងធ្វើភ្ញាក់ផ្អើល"), ("ប្អូន", "ចាស")],
    "kml_friends": [("Vanna", "jub knea nham kafe te?"), ("Nich", "ok mong 3"), ("Vanna", "ok")],
    "teacher": [("Teacher", "what grade did you get on the test?"), ("S", "B+"),
                ("Teacher", "send me a photo of your homework"), ("Teacher", "class tomorrow at 7am, don't be late")],
    "adults_flirting": [("A", "you look sexy tonight"), ("B", "haha you too"), ("A", "dinner at my place friday? I'll cook"),
                        ("B", "yes!"), ("A", "I love you"), ("B", "love you too")],
    "sibling_money": [("Bro", "send $20 by ABA for my books"), ("Sis", "ok sent"),
                      ("Bro", "thanks, don't tell mom I spent it already lol")],
    "km_grandma": [("យាយ", "ចៅអាយុប៉ុន្មានហើយ? រៀនថ្នាក់ទីប៉ុន្មាន?"), ("ចៅ", "១២ឆ្នាំ ថ្នាក់ទី៦"), ("យាយ", "ពូកែណាស់ចៅ ស្អែកយាយមកលេង")],
    "km_sibling_money": [("បង", "ប្អូនផ្ញើលុយ ២០ដុល្លារ តាម ABA ទិញសៀវភៅ"), ("ប្អូន", "ចាស ផ្ញើហើយ")],
    "nurse": [("Nurse", "Sex education question: yes, condoms prevent pregnancy and infections."), ("Teen", "thanks"),
              ("Nurse", "if someone pressures you to send nude photos, tell an adult")],
    "family_meme": [("Mom", "delete that video from the family group, grandma doesn't need to see it lol"), ("Kid", "ok")],
    "wedding_hotel": [("Friend", "we're meeting at the hotel lobby for the wedding at 5, come with your parents"),
                      ("Me", "ok see you")],
    "kml_dinner_date": [("A", "oun saart nas yb nis"), ("B", "orkun bong"),
                        ("A", "saek nham bay jamuy knea te? bong tov yok oun mong 7")],
    "safety_talk": [("Sister", "if someone asks you for nude photos or threatens to post them, never pay and tell me"),
                    ("Kid", "ok"), ("Sister", "and never meet anyone you only know online")],
}

HARMFUL = {
    "en_grooming": [("Mike", "you're so pretty and mature. how old are you?"), ("Dara", "13"),
                    ("Mike", "are you home alone now?"), ("Dara", "yes"),
                    ("Mike", "this is our secret ok? don't tell your mom"), ("Mike", "add me on telegram"),
                    ("Mike", "send me a sexy photo of you"), ("Mike", "I want to meet you, come alone")],
    "en_sextortion": [("X", "I have your nude photos"), ("Kim", "who are you"),
                      ("X", "transfer 200 USD by Wing tonight"), ("X", "if not I send everything to your parents")],
    "km_grooming": [("បង", "អូនស្អាតណាស់ អាយុប៉ុន្មានហើយ?"), ("អូន", "១៣ឆ្នាំ"), ("បង", "នៅផ្ទះម្នាក់ឯងទេ?"),
                    ("បង", "កុំប្រាប់ម៉ាក់ប៉ាណា"), ("បង", "ផ្ញើរូបអាក្រាតមកបង"), ("បង", "ជួបគ្នាថ្ងៃសៅរ៍ មកម្នាក់ឯង")],
    "km_sextortion": [("គេ", "ខ្ញុំមានវីដេអូឯង"), ("គេ", "ផ្ញើលុយមក៣០០ដុល្លារតាម ABA"),
                      ("គេ", "បើមិនផ្ញើ ខ្ញុំនឹងបង្ហោះលើហ្វេសប៊ុក ឲ្យម៉ាក់ឯងឃើញ")],
    "kml_grooming": [("Bong", "oun saart nas, ayu ponman?"), ("Oun", "14"), ("Bong", "kom prab mak pa na"),
                     ("Bong", "pheu rub akrat mok bong"), ("Bong", "mok ptas bong yb nis")],
    "en_grooming_variants": [("Jay", "hey cutie, ur profile is amazing. what grade r u in?"), ("Lina", "8th"),
                             ("Jay", "u seem way older. do ur parents check ur phone?"), ("Lina", "no"),
                             ("Jay", "good, lets keep our chats private. i'll send u some robux"),
                             ("Jay", "can u send a pic in ur pajamas? 😉"), ("Jay", "we should hang out at the mall saturday")],
    "km_grooming_variants": [("ពូ", "ក្មួយស្អាតណាស់ រៀនថ្នាក់ទីប៉ុន្មានហើយ?"), ("ក្មួយ", "ថ្នាក់ទី៨"),
                             ("ពូ", "ពូទិញទូរស័ព្ទថ្មីឱ្យ ចង់បានទេ? កុំប្រាប់ឪពុកម្ដាយណា"), ("ពូ", "ថតរូបពេលងូតទឹកផ្ញើមកពូ"),
                             ("ពូ", "ស្អែកពូទៅយកនៅមុខសាលា")],
    "kml_grooming_variants": [("Pu", "kmuoy saart nas, rean thnak ti ponman?"), ("K", "thnak ti 8"),
                              ("Pu", "pu tinh phone thmey oy, kom prab ov mday na"), ("Pu", "thot rub pel ngut tek pnhae mk pu"),
                              ("Pu", "saek pu tov yok nov muk sala")],
    "km_sextortion_recorded_call": [("X", "ខ្ញុំបានថតទុកពេលអូនខលវីដេអូ"),
                                    ("X", "ផ្ញើ ២០០ ដុល្លារ តាម Wing ក្នុង ១២ម៉ោង បើមិនដូច្នេះទេ ខ្ញុំចែកចាយទៅមិត្តភក្តិឯងទាំងអស់")],
    "kml_sextortion_recorded_call": [("X", "knhom ban thot tuk pel oun video call"),
                                     ("X", "pnhae 200 dollar tam wing knong 12 maong, ber ot knhom chek tov mit aeng teang os")],
    "kml_sexting_pressure": [("B", "oun pnhae rub sexy mk bong mer tic"), ("O", "ot te"),
                             ("B", "pnhae mk ot ey te, bong ot prab nak na te")],
    "en_model_scout_grooming": [("Scout", "I'm a scout for a model agency. You're very pretty. How old are you?"),
                                ("Girl", "15"),
                                ("Scout", "Send me photos in a bikini for the portfolio. Don't tell your parents yet")],
    "en_sextortion_sent_video": [("Ghost", "Remember the video you sent me?"), ("Girl", "why"),
                                 ("Ghost", "Everyone in your school will get it unless you send $150 on Wing by tomorrow")],
    "km_sextortion_post": [("X", "បងមានវីដេអូអូនហើយ"),
                           ("X", "បើអូនមិនឱ្យ ១០០$ មកបងទេ បងនឹងបង្ហោះវីដេអូអូនលើហ្វេស")],
    "kml_grooming_guesthouse": [("B", "oun ayu ponman?"), ("O", "14"), ("B", "bong chong merl khluon oun, thot rub pnhae mk"),
                                ("B", "kom oy mak deng na"), ("B", "yb nis mok rok bong nov ptas somnak")],
    "kml_sextortion": [("Boy", "nh mean video aeng"), ("Boy", "pnhae luy mk 300$ tam ABA"),
                       ("Boy", "ber ot pnhae nh post leng fb oy mak aeng kheunh")],
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_lookalikes_stay_below_high(name: str) -> None:
    a = analyze(conversation(BENIGN[name]))
    assert RANK[a.risk] <= RANK["medium"], (a.risk, a.explanation)
    assert not a.signals["grooming"] and not a.signals["sextortion"] and not a.signals["sexting"]
    assert a.first_alert_index is None


@pytest.mark.parametrize("name", sorted(HARMFUL))
def test_harmful_chats_reach_high(name: str) -> None:
    a = analyze(conversation(HARMFUL[name]))
    assert RANK[a.risk] >= RANK["high"], (a.risk, a.explanation)
    assert a.first_alert_index is not None
    expected = "sextortion" if "sextortion" in name else "sexting" if "sexting" in name else "grooming"
    assert a.signals[expected]
    offender = [p.name for p in a.participants if p.role == "suspected_offender"]
    assert offender == [HARMFUL[name][0][0]]


def test_surprise_party_secrecy_still_counts_as_secrecy() -> None:
    a = analyze(conversation(BENIGN["surprise_party"]))
    assert a.signals["secrecy"]
    assert all(f.stage is None for f in a.findings if f.signal == "secrecy")


def test_stages_in_order_with_first_index() -> None:
    a = analyze(conversation(HARMFUL["en_grooming"]))
    stages = [(s.stage, s.first_index) for s in a.stages]
    assert stages[0] == ("trust", 0)
    assert [i for _, i in stages] == sorted(i for _, i in stages)
    assert {"isolation", "platform_move", "meeting"} <= {s for s, _ in stages}


def test_alert_comes_when_evidence_completes() -> None:
    a = analyze(conversation(HARMFUL["en_sextortion"]))
    assert a.first_alert_index == 2  # claim (0) + demand (2)


def test_one_compliment_is_not_grooming() -> None:
    t = RiskTracker()
    t.message("A", 0)
    t.add([Finding(0, "A", "grooming", "en.grooming.compliment", "you're pretty", 0.3, "trust")])
    r = t.result()
    assert r.risk == "low" and not r.signals["grooming"] and r.offender is None


def test_sextortion_needs_threat_or_claim_with_demand() -> None:
    t = RiskTracker()
    t.add([Finding(0, "A", "sextortion", "en.sextortion.deadline", "by tonight", 0.45, "exploitation",
                   part="deadline")])
    t.add([Finding(1, "A", "sextortion", "en.sextortion.money_demand", "pay me", 0.7, "exploitation",
                   part="demand")])
    assert not t.result().signals["sextortion"]
    t.add([Finding(2, "A", "sextortion", "en.sextortion.threat", "I'll post them", 0.85, "exploitation",
                   part="threat")])
    r = t.result()
    assert r.signals["sextortion"] and r.risk == "critical" and r.first_alert_index == 2


# --- a child must be involved: adults' secrecy, meetings and video calls do not escalate ----------------

ADULT_LOOKALIKES = {
    "en_partner_visit": [("Rith", "miss you. video call tonight, camera on, just the two of us?"), ("Nary", "after work"),
                         ("Rith", "send me a pic of you now, I miss your smile"), ("Nary", "<media>"),
                         ("Rith", "you are so pretty"), ("Rith", "I took the night bus, dinner in Kampot on Sunday?"),
                         ("Nary", "I'll pick you up at the bus stop"),
                         ("Rith", "don't tell your brother I'm visiting, I want to surprise him")],
    "km_partner_visit": [("រិទ្ធ", "នឹកអូន យប់នេះខលវីដេអូ តែយើងពីរនាក់"), ("ណារី", "ចេញពីការងារសិន"),
                         ("រិទ្ធ", "ផ្ញើរូបអូនមកមើលផង"), ("រិទ្ធ", "អូនស្អាតណាស់"),
                         ("រិទ្ធ", "ថ្ងៃអាទិត្យបងទៅកំពត ញ៉ាំបាយល្ងាចជាមួយគ្នា"), ("ណារី", "អូនទៅទទួលបង"),
                         ("រិទ្ធ", "កុំប្រាប់បងប្រុសអូនថាបងមក")],
    "kml_partner_visit": [("Rith", "nirk oun, yb nis call video tae yerng 2 nak"), ("Nary", "chenh pi kargnea sin"),
                          ("Rith", "pnhae rup oun mk bong merl"), ("Rith", "oun s'at nas"),
                          ("Rith", "thngai atit bong tov kampot, nham bay jamuy knea"), ("Nary", "oun tov totuol bong"),
                          ("Rith", "kom prab bong bros oun tha bong mok")],
    "km_sibling_money_dont_tell_mom": [("ស្រី", "បងផ្ញើលុយ១០ដុល្លារទិញប៊ិច"), ("បង", "ផ្ញើហើយ កុំប្រាប់ម៉ាក់ណា ហាហា"),
                                       ("ស្រី", "អរគុណបង")],
    "kml_sibling_money_dont_tell_mom": [("Srey", "bong pnhae luy 10$ tinh bic"), ("Bong", "pnhae hz, kom prab mak na haha"),
                                        ("Srey", "orkun bong")],
}


@pytest.mark.parametrize("name", sorted(ADULT_LOOKALIKES))
def test_adults_secrecy_and_meeting_are_not_grooming(name: str) -> None:
    a = analyze(conversation(ADULT_LOOKALIKES[name]))
    assert RANK[a.risk] <= RANK["medium"], (a.risk, a.explanation)
    assert not a.signals["grooming"] and a.first_alert_index is None


CHILD_BY_CONTEXT = {
    # No age is given: school talk or hiding from the parents shows a child is involved.
    "en_school": [("Ken", "how was school today?"), ("Mia", "ok"), ("Ken", "you're so special to me"),
                  ("Ken", "I sent you $30 for credit"), ("Ken", "delete our chats ok?"),
                  ("Ken", "I'll wait near your school gate, we go to my room")],
    "en_parents_away": [("Ken", "you're so special to me"), ("Ken", "I sent you $30 for credit"),
                        ("Ken", "what time are your parents out of the house?"), ("Mia", "after 7"),
                        ("Ken", "delete our chats ok?"), ("Ken", "come to my room tonight")],
    "km_school": [("បង", "អូនរៀនចប់ម៉ោងប៉ុន្មាន?"), ("អូន", "ម៉ោង៥"), ("បង", "បងនឹកអូនណាស់ អូនស្អាតជាងគេ"),
                  ("បង", "ចាំបងទិញទូរស័ព្ទថ្មីឱ្យ"), ("បង", "លុបសារចោលទាំងអស់ផង"), ("បង", "ស្អែកបងទៅទទួលអូននៅមុខសាលា")],
    "kml_parents_fear": [("Bong", "bong dak luy kat oy oun 10$"), ("Bong", "lub sa chol pong"),
                         ("Bong", "bong klach pa oun kheunh"), ("Bong", "saek bong tov yok oun nov muk sala")],
}


@pytest.mark.parametrize("name", sorted(CHILD_BY_CONTEXT))
def test_school_or_parents_show_a_child(name: str) -> None:
    a = analyze(conversation(CHILD_BY_CONTEXT[name]))
    assert a.signals["grooming"], a.explanation
    assert RANK[a.risk] >= RANK["high"], (a.risk, a.explanation)


def test_sexting_between_adults_stays_medium_until_a_child_shows() -> None:
    adults = [("A", "keep this between us ok?"), ("A", "send me a nude pic tonight"), ("B", "haha maybe")]
    assert analyze(conversation(adults)).risk == "medium"
    child = [("A", "how was school today?"), *adults]
    assert RANK[analyze(conversation(child)).risk] >= RANK["high"]


def test_context_rules_add_no_grooming_stage() -> None:
    tracker = RiskTracker()
    tracker.add([Finding(0, "A", "grooming", "km.grooming.parents_watch", "", 0.4, stage="personal_questions",
                          tags=("child_context",))])
    assert tracker.minor and not tracker.senders["A"].stages and tracker.level == "none"

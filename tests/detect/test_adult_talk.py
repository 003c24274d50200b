"""Adults' sexual chat and anonymous crude questions are not grooming of a child: an age question is no sign
of a child (the answer is), a refusal in text without names presses nobody by itself, the model's lift
needs a course of cues (not one crude question), and rules that misread chat-room and Q&A phrasing."""

from __future__ import annotations

from array import array

import pytest

from hotline.detect.analysis import analyze
from hotline.detect.model import Conversation, Finding, Message
from hotline.detect.scoring.conversation import ConversationScores
from hotline.detect.scoring.verdict import CONFIRM, WITH_RULES, combine
from hotline.detect.signals import default_scanner
from hotline.detect.text.normalize import normalize


def _chat(lines: list[tuple[str | None, str]]) -> Conversation:
    return Conversation("plain", [Message(i, s, t) for i, (s, t) in enumerate(lines)])


def _rules(text: str) -> set[str]:
    msg = Message(0, "A", text)
    return {f.rule for f in default_scanner().scan(msg, normalize(msg.text))}


# Asked, a platform move, a kiss: between adults medium; a stated age under 18 or a grade question makes it
# grooming (high). English, Khmer script, romanised Khmer.
@pytest.mark.parametrize(("ask", "answer", "move", "kiss", "risk"), [
    ("how old r u", "24, u?", "lets talk on whatsapp", "i want to kiss you", "medium"),
    ("how old r u", "14", "lets talk on whatsapp", "i want to kiss you", "high"),
    ("what grade r u in", "idk", "lets talk on whatsapp", "i want to kiss you", "high"),
    ("អូនអាយុប៉ុន្មានហើយ?", "អត់ប្រាប់ទេ", "មកឆាតតាម Telegram វិញ", "បងចង់ថើបអូន", "medium"),
    ("រៀនថ្នាក់ទីប៉ុន្មាន", "អត់ប្រាប់ទេ", "មកឆាតតាម Telegram វិញ", "បងចង់ថើបអូន", "high"),
    ("oun ayu ponman hz?", "ot prab te", "chat tam telegram vinh", "bong chong thob oun", "medium"),
])
def test_an_age_question_is_no_sign_of_a_child_the_answer_is(ask: str, answer: str, move: str, kiss: str,
                                                              risk: str) -> None:
    a = analyze(_chat([("Tom", ask), ("Ann", answer), ("Tom", move), ("Tom", kiss)]), model=False)
    assert a.risk == risk
    assert a.signals["grooming"] is (risk == "high")


def test_a_refusal_in_text_without_names_presses_nobody_by_itself() -> None:
    lines = ["send me a sexy pic", "no way", "ok whatever", "how was work"]
    unnamed = analyze(_chat([(None, t) for t in lines]), model=False)
    named = analyze(_chat([("Sam" if i % 2 == 0 else "Kim", t) for i, t in enumerate(lines)]), model=False)
    assert unnamed.risk == "medium" and unnamed.first_alert_index is None
    assert named.risk == "high"  # Kim refused Sam: that is pressure
    again = analyze(_chat([(None, t) for t in [*lines[:2], "send me a sexy pic pls"]]), model=False)
    assert again.risk == "high"  # asked again after the "no": a repeated request


def _scores(p: float) -> ConversationScores:
    return ConversationScores("grooming", p, array("q", [0]), array("q", [10]), array("d", [p]), (), {}, 200)


def _f(index: int, signal: str, stage: str, rule: str, weight: float = 0.85) -> Finding:
    return Finding(index=index, sender=None, signal=signal, rule=rule, excerpt="", weight=weight, stage=stage)


CRUDE = [_f(1, "grooming", "desensitising", "en.grooming.sexual_talk"),
         _f(3, "grooming", "desensitising", "en.grooming.experience_question")]
COURSE = [_f(1, "grooming", "trust", "en.grooming.compliment", 0.3),
          _f(4, "grooming", "desensitising", "en.grooming.sexual_talk")]


def test_the_models_lift_needs_a_course_of_cues_not_one_crude_question() -> None:
    assert combine("medium", CRUDE, _scores(WITH_RULES + 0.005))[0] == "medium"
    assert combine("medium", CRUDE[:1], _scores(WITH_RULES + 0.005))[0] == "medium"
    risk, reason = combine("medium", COURSE, _scores(WITH_RULES + 0.005))
    assert risk == "high" and reason is not None and "grooming cues" in reason


def test_a_refusal_without_names_is_pressure_where_the_model_confirms_a_course() -> None:
    asked = [*COURSE, _f(2, "sexting", "image_request", "en.sexting.request_nude", 0.95)]
    assert combine("medium", asked, _scores(CONFIRM + 0.1), refused=True)[0] == "high"
    assert combine("medium", asked, _scores(CONFIRM + 0.1))[0] == "medium"
    assert combine("medium", asked, _scores(CONFIRM - 0.1), refused=True)[0] == "medium"
    assert combine("medium", asked[-1:], _scores(CONFIRM + 0.1), refused=True)[0] == "medium"


@pytest.mark.parametrize(("text", "rule", "fires"), [
    ("do you sleep in the nude?", "en.sexting.nude_word", False),
    ("have you been to a nude beach?", "en.sexting.nude_word", False),
    ("got nudes?", "en.sexting.nude_word", True),
    ("how young is too young to date?", "en.grooming.age_question", False),
    ("how young are you", "en.grooming.age_question", True),
    ("click the link, it will take you to my page", "en.meeting.pickup", False),
    ("i can take you to the mall", "en.meeting.pickup", True),
    ("if he wants to call me darling its ok", "en.grooming.platform_move", False),
    ("would you rather make money or have a good time?", "en.sextortion.money_demand", False),
    ("pay me $500 or else", "en.sextortion.money_demand", True),
    ("take it off anonymous and ask me to my face", "en.sexting.undress_request", False),
    ("take it off for me", "en.sexting.undress_request", True),
])
def test_rules_read_chat_room_and_question_phrasing(text: str, rule: str, fires: bool) -> None:
    assert (rule in _rules(text)) is fires

"""Care looks like grooming's first stages: questions, praise, presents, pick-ups. Only what care does not
write (sexual content, an isolating or secret meeting, secrecy about the relationship) raises it to high."""

from __future__ import annotations

import pytest

from hotline.detect import analyze
from hotline.detect.model import RISK_LEVELS, Conversation, Message

RANK = {level: i for i, level in enumerate(RISK_LEVELS)}


def chat(lines: list[tuple[str, str]]) -> Conversation:
    return Conversation(format="plain", messages=[Message(i, s, t) for i, (s, t) in enumerate(lines)])


CARE = {
    "mother_home_alone_present_pickup": [
        ("Mum", "are you home alone? dad is working late"), ("Son", "yes"),
        ("Mum", "good boy for doing your homework first"),
        ("Mum", "I'll buy you the new phone for your birthday"),
        ("Mum", "I'll pick you up after school at 5, wait at the gate"), ("Son", "ok love you mum")],
    "coach_praise_age_boots_pickup": [
        ("Coach", "you were the best player today, really talented"), ("Kid", "thanks coach"),
        ("Coach", "how old are you now? the under-14 team needs a striker"), ("Kid", "13"),
        ("Coach", "the club will buy you new boots if we win"),
        ("Coach", "I'll pick you up at the market on Saturday at 7")],
    "friends_house_after_school_dont_tell_mum": [
        ("Lina", "how old are you again? the club is 14 and up"), ("Srey", "14"),
        ("Lina", "you look so cute in your dance video"),
        ("Lina", "come to my house after school, we practise the steps"), ("Srey", "I have tutoring"),
        ("Lina", "skip it once, don't tell your mum haha")],
    "mother_pickup_child_says_no": [
        ("Mum", "are you home alone?"), ("Son", "yes"), ("Mum", "you're such a good boy"),
        ("Mum", "I'll buy you new shoes on Saturday"), ("Mum", "I'll pick you up after school at 5"),
        ("Son", "no I can't, I have football"), ("Mum", "ok then I'll pick you up at 6")],
    "nurse_sex_education": [
        ("Pupil", "is it true you can get pregnant the first time you have sex?"),
        ("Nurse", "Yes. That is why condoms matter every time."),
        ("Nurse", "How old are you, so I can give you the right leaflet?"), ("Pupil", "15"),
        ("Pupil", "can I come to your office tomorrow"), ("Nurse", "Of course, bring a friend if you like.")],
}


@pytest.mark.parametrize("name", sorted(CARE))
def test_care_stays_below_high(name: str) -> None:
    a = analyze(chat(CARE[name]))
    assert RANK[a.risk] <= RANK["medium"], (a.risk, a.explanation)
    assert a.first_alert_index is None


GROOMING = {
    # The same stages, plus what care does not write.
    "secret_meeting": [
        ("Man", "how was school today?"), ("Girl", "ok"), ("Man", "I'll buy you a new phone"),
        ("Man", "you're so pretty"),
        ("Man", "I'll pick you up after school at 5, don't tell your mum")],
    "come_alone": [
        ("Man", "how old are you?"), ("Girl", "13"), ("Man", "you're so pretty"),
        ("Man", "I'll buy you a new phone"), ("Man", "meet me at the park tonight, come alone ok")],
    "afraid_of_the_meeting": [
        ("Man", "how was school today?"), ("Girl", "ok"), ("Man", "you're so pretty"),
        ("Man", "I'll buy you a new phone"), ("Man", "come to my hotel on Saturday"), ("Girl", "I'm scared"),
        ("Man", "don't be scared")],
    "our_secret": [
        ("Man", "how old are you?"), ("Girl", "13"), ("Man", "you're so pretty"),
        ("Man", "this is our little secret, delete our chat ok?")],
}


@pytest.mark.parametrize("name", sorted(GROOMING))
def test_grooming_with_what_care_does_not_write_is_high(name: str) -> None:
    a = analyze(chat(GROOMING[name]))
    assert a.signals["grooming"], a.explanation
    assert RANK[a.risk] >= RANK["high"], (a.risk, a.explanation)

"""The learned scorer as a gate on the rules' high: held where it reads the chat and disagrees, never for
explicit cues (sextortion, a stated child asked for sexual images), short chats or Khmer; and a whole
conversation's probability from its windows."""

from __future__ import annotations

import math
from array import array

import pytest

from hotline.detect.analysis import analyze
from hotline.detect.model import Conversation, Finding, Message
from hotline.detect.scoring.conversation import (
    CONVERSATION_THRESHOLD,
    LENGTH_PENALTY,
    ConversationScores,
    conversation_logit,
    score_messages,
)
from hotline.detect.scoring.verdict import GATE, GATE_WORDS, combine

# Colleagues about a software release; one of them twice asks for a naked picture after a refusal (the
# rules: high, pressed sexting), while nothing in the chat reads like grooming to the model.
COLLEAGUES = [
    ("Dara", "did the build on the server finish or is the compiler still complaining about the missing library"),
    ("Sam", "it finished, I had to install the dev package for the image library and rerun the configure script"),
    ("Dara", "great, can you push the branch so I can review the changes before the meeting with the client"),
    ("Sam", "pushed, the tests pass on my laptop but the integration suite needs the database running"),
    ("Dara", "ok I will start the database container and run the suite after lunch, the client wants a demo friday"),
    ("Sam", "send me a naked pic"),
    ("Dara", "what? no"),
    ("Sam", "send me a nude pic then"),
    ("Dara", "stop it, we are colleagues, back to the release notes please, the changelog needs the new flags"),
    ("Sam", "fine, I will write the changelog and update the documentation for the configuration options tonight"),
]


def _chat(lines: list[tuple[str, str]]) -> Conversation:
    return Conversation("plain", [Message(i, s, t) for i, (s, t) in enumerate(lines)])


def _scores(p: float, words: int) -> ConversationScores:
    return ConversationScores("grooming", p, array("q", [0]), array("q", [10]), array("d", [p]), (), {}, words)


def _f(rule: str, signal: str, weight: float = 0.9, stage: str | None = None, part: str | None = None) -> Finding:
    return Finding(index=0, sender=None, signal=signal, rule=rule, excerpt="", weight=weight, stage=stage, part=part)


SEXTING = [_f("en.sexting.request_nude", "sexting", 0.95, "image_request")]


def test_an_unconfirmed_high_of_the_rules_is_held_at_medium_without_an_alert() -> None:
    rules_only = analyze(_chat(COLLEAGUES), model=False)
    assert rules_only.risk == "high" and rules_only.first_alert_index is not None
    a = analyze(_chat(COLLEAGUES))
    assert a.scores["grooming"] < GATE
    assert a.risk == "medium" and a.first_alert_index is None
    assert a.explanation[0] == "Risk: medium." and "held at medium" in a.explanation[-1]
    assert not any(line.startswith("An alert is warranted") for line in a.explanation)
    assert a.signals["sexting"] and not a.signals["grooming"]  # the finding stays; only the level is held


@pytest.mark.parametrize(("p", "words", "expected"), [
    (GATE / 2, GATE_WORDS, "medium"),        # the model read enough and disagrees
    (GATE, GATE_WORDS, "high"),              # the model agrees enough
    (GATE / 2, GATE_WORDS - 1, "high"),      # too little text for the model's "no" to count
])
def test_the_gate_needs_a_low_probability_on_enough_words(p: float, words: int, expected: str) -> None:
    assert combine("high", SEXTING, _scores(p, words))[0] == expected


def test_explicit_cues_stand_without_the_model() -> None:
    sextortion = [_f("en.sextortion.recording_claim", "sextortion", part="claim"),
                  _f("en.sextortion.wallet_demand", "sextortion", part="demand")]
    assert combine("critical", sextortion, _scores(0.01, 500))[0] == "critical"
    # One part alone is no explicit cue.
    assert combine("high", sextortion[:1] + SEXTING, _scores(0.01, 500))[0] == "medium"
    # A chat that states a child's age, with a sexual image request.
    assert combine("high", SEXTING, _scores(0.01, 500), minor=True)[0] == "high"
    assert combine("high", SEXTING, _scores(0.01, 500), minor=False)[0] == "medium"


def test_khmer_rules_and_chats_without_a_model_reading_are_left_to_the_rules() -> None:
    khmer = [_f("km-Latn.sexting.request_nude", "sexting", 0.95, "image_request")]
    assert combine("high", khmer, _scores(0.01, 500))[0] == "high"
    # Romanised Khmer with English slang: English rules only, but the chat is not English alone.
    assert combine("high", SEXTING, _scores(0.01, 500), languages=["km-Latn", "en"])[0] == "high"
    assert combine("high", SEXTING, _scores(0.01, 500), languages=["en"])[0] == "medium"
    assert combine("high", SEXTING, None)[0] == "high"
    assert combine("critical", SEXTING, ConversationScores("grooming", 0.0, array("q"), array("q"), array("d"), ()))[0] \
        == "critical"


def test_the_gate_never_raises_and_leaves_lower_levels_alone() -> None:
    for level in ("none", "low", "medium"):
        assert combine(level, SEXTING, _scores(0.01, 500))[0] == level


def test_a_conversation_is_its_highest_window_less_a_length_penalty() -> None:
    assert conversation_logit([2.0]) == 2.0
    assert conversation_logit([2.0, -1.0, 0.5, 1.9]) == pytest.approx(2.0 - LENGTH_PENALTY * math.log(4))
    # The same passage in a longer everyday chat: more windows to peak in, a lower conversation probability.
    passage = ["are you home alone", "dont tell your parents about us", "send me a picture baby",
               "you look so sexy", "it will be our secret", "i can pick you up after school"] * 3
    everyday = ["how was school today the bus was late again and we had a long math test in the morning"] * 60
    short, long = score_messages(passage), score_messages(everyday + passage + everyday)
    assert len(long.starts) > len(short.starts)
    assert max(long.probabilities) == pytest.approx(max(short.probabilities), abs=0.05)
    assert long.probability < short.probability


def test_flagged_uses_the_conversation_threshold() -> None:
    assert _scores(CONVERSATION_THRESHOLD, 500).flagged
    assert not _scores(CONVERSATION_THRESHOLD - 0.01, 500).flagged

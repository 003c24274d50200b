"""`analyze`: one pass over a conversation → an `Analysis` in which every conclusion cites its messages.

For each message: normalise once, note the language, run the detectors behind their one pre-filter, look
for personal details, and feed the findings to the incremental `RiskTracker`. `analyze_items` takes a
stream (e.g. `chats.whatsapp.iter_items`) and keeps only counts, findings and a few recent normalised
texts, so memory does not grow with the length of the chat beyond its findings.

Rules with `unless_nearby` (a "don't tell mom" next to "it's a surprise party") are held for
`NEARBY` messages before they count; if their benign context appears on either side they still count for
their signal (secrecy is secrecy) but lose their grooming stage and weight, so they cannot raise the risk.
Someone who talks about the risks (a nurse, a parent, a trainer: "never send...", "if someone asks
you...", "scammers threaten...") quotes threats and requests in the messages around the advice. Their cues of
sextortion, sexting, secrecy and sexual talk within `NEARBY` messages after their own advice, or before it
(held, once they have given advice earlier in the chat), are kept as described, not done
(`adjusted="discussion_nearby"`): they count for no signal and cannot raise the risk. Only a named
sender's own advice reads their cues so (a victim's "my teacher says never pay" does not excuse the threats
answering it), and never after that sender used the advice as cover ("I'm not a stranger", "don't report me").
Because held findings arrive late, the first alert is settled at the end by replaying what was kept
(findings, personal details, refusals: O(findings), not O(messages)) in message order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from operator import attrgetter, itemgetter
from typing import Any, Final

from hotline.detect.model import (
    BENIGN_CONTEXT_NEARBY,
    DISCUSSION_NEARBY,
    Analysis,
    Conversation,
    Event,
    Finding,
    Message,
    PersonalDetail,
)
from hotline.detect.risk import RiskTracker, shows_minor
from hotline.detect.scoring.conversation import ScoreStream
from hotline.detect.scoring.verdict import combine, explain_held, model_findings, signal_scores
from hotline.detect.signals import COVER, DISCUSSION, FEAR, REFUSAL, MessageScanner, default_scanner, enacts
from hotline.detect.signals.personal_info import PersonalInfoDetector
from hotline.detect.text.language import conversation_languages, detect_language
from hotline.detect.text.normalize import normalize

__all__ = ["NEARBY", "analyze", "analyze_items"]

#: How many messages before and after a finding its `unless_nearby` context is looked for.
NEARBY: Final = 3
#: Weight of a finding whose benign context was found nearby.
BENIGN_WEIGHT: Final = 0.1


def analyze(conversation: Conversation, *, scanner: MessageScanner | None = None, model: bool = True) -> Analysis:
    """Analyse a parsed conversation (`model=False`: rules only, without the learned scorer)."""
    return analyze_items(conversation.format, conversation.messages, scanner=scanner, model=model)


def analyze_items(
    format: str, items: Iterable[Message | Event], *, scanner: MessageScanner | None = None,
    personal_info: bool = True, prefilter: bool = True, model: bool = True,
) -> Analysis:
    """Analyse a stream of messages (events are skipped), keeping memory bounded.

    `personal_info=False` skips the personal-details pass; `prefilter=False` tries every rule on every
    message (the naive baseline the benchmark compares against; same results, slower); `model=False`
    leaves out the learned scorer (`hotline.detect.scoring`), whose windows are scored in chunks."""
    scanner = scanner or default_scanner()
    pii = PersonalInfoDetector() if personal_info else None
    previous: str | None = None  # the previous message's text: an answer ("15") is read against the question
    tracker = RiskTracker()
    languages: dict[str, int] = {}  # a plain dict: a Counter's `+= 1` goes through Python's slots, compiled
    findings: list[Finding] = []
    details: list[PersonalDetail] = []
    refusals: list[tuple[int, str | None, str]] = []  # (index, sender, "refusal" or "fear")
    recent: deque[str] = deque(maxlen=NEARBY)
    held: list[tuple[Finding, Any, int]] = []  # (finding, benign-context regex, messages still to see)
    advised: dict[str, int] = {}  # named sender → their last message that talks about the risks
    covered: set[str] = set()  # named senders who used the risks' words as cover ("I'm not a stranger")
    described: list[tuple[Finding, int]] = []  # (an advisor's finding, messages still to see) awaiting advice
    count = 0
    scorer = ScoreStream() if model else None
    contexts = scanner.contexts  # rule id → its benign context, for the rules that have one
    for item in items:
        if not isinstance(item, Message):
            continue
        count += 1
        message = item
        tracker.message(message.sender, message.index)
        norm = normalize(message.text)
        if scorer is not None:
            scorer.message(message.index, message.sender, message.text)
        lang = detect_language(norm)
        if lang:
            languages[lang] = languages.get(lang, 0) + 1
        if held:
            held = _review_held(held, norm, tracker, findings)
        found, talk, said = scanner.scan_talk(message, norm, lang, prefilter=prefilter)
        sender = message.sender
        if sender is not None and talk == COVER:
            covered.add(sender)
            advised.pop(sender, None)
        elif sender is not None and talk == DISCUSSION and sender not in covered:
            advised[sender] = message.index
        if described:
            adviser = sender if talk == DISCUSSION and sender not in covered else None
            described = _review_described(described, adviser, tracker, findings)
        if found and sender is not None and sender in advised:
            found, later = _read_as_advice(found, message.index - advised[sender])
            described.extend((f, NEARBY) for f in later)
        if found:
            ready: list[Finding] = []
            for f in found:
                context = contexts.get(f.rule)
                if context is None:
                    ready.append(f)
                elif context.search(norm) is not None or any(context.search(r) for r in recent):
                    ready.append(_lowered(f, BENIGN_CONTEXT_NEARBY))
                else:
                    held.append((f, context, NEARBY))
            findings.extend(ready)
            tracker.add(ready)
        if tracker.asked_for_images and scanner.says(REFUSAL, norm, said):
            tracker.refusal(message.sender, message.index)
            refusals.append((message.index, message.sender, "refusal"))
        if tracker.meeting and scanner.says(FEAR, norm, said):
            tracker.fear(message.sender, message.index)
            refusals.append((message.index, message.sender, "fear"))
        if pii is not None:
            for d in pii.details(message, previous=previous):
                if d.index is None or d.sender is None:
                    d = replace(d, index=message.index, sender=message.sender)
                details.append(d)
                tracker.personal_detail(message.sender, message.index, d)
        recent.append(norm)
        previous = message.text
    for f, _, _ in held:  # the chat ended without benign context
        findings.append(f)
        tracker.add([f])
    for f, _ in described:  # the chat ended without more advice from its sender
        findings.append(f)
        tracker.add([f])
    findings.sort(key=_INDEX)  # by attrgetter: no Python call a finding
    tracker.first_alert_index = _first_alert(findings, details, refusals)
    result = tracker.result()
    langs = conversation_languages(languages)
    scores = scorer.result() if scorer is not None and "en" in langs else None
    risk, reason = combine(result.risk, findings, scores, minor=any(shows_minor(d) for d in details),
                           languages=langs, refused=tracker.unplaced_refusal)
    signals, explanation, first_alert = dict(result.signals), list(result.explanation), result.first_alert_index
    if scores is not None and (reason or risk in ("high", "critical")):
        # The model's citations: the heaviest messages of its highest window, and their words.
        findings = sorted([*findings, *model_findings(scores)], key=_INDEX)
    if reason is not None and scores is not None and result.risk in ("high", "critical") and risk != result.risk:
        explanation, first_alert = explain_held(explanation, risk, reason), None  # the model held the rules' level
    elif reason is not None and scores is not None:
        signals["grooming"] = True
        explanation.append(reason)
        if first_alert is None and risk in ("high", "critical") and scores.top and scores.top[0].cited:
            first_alert = max(scores.top[0].cited)
    return Analysis(
        format=format, message_count=count, risk=risk, first_alert_index=first_alert,
        signals=signals, participants=result.participants, stages=result.stages, findings=findings,
        personal_info=details, languages=langs, score=result.score,
        explanation=explanation, scores=signal_scores(signals, findings, scores),
    )


_INDEX: Final = attrgetter("index")


def _first_alert(
    findings: list[Finding], details: list[PersonalDetail], refusals: list[tuple[int, str | None, str]]
) -> int | None:
    """The first message at which an alert is warranted, with every finding at its own message (held
    findings were committed late during the pass, after later messages had already counted). `findings` are
    sorted by message: they are replayed in runs of one message, the few refusals and details merged beside,
    stopping at the first alert (no event list of every finding to build and sort)."""
    replay = RiskTracker()
    # Per message, the same order as the pass: findings, then a refusal, then personal details.
    others: list[tuple[int, int, Any]] = [(index, 1, (sender, kind)) for index, sender, kind in refusals]
    others += [(d.index, 2, d) for d in details if d.index is not None]
    others.sort(key=itemgetter(0, 1))
    i = j = 0
    n, m = len(findings), len(others)
    while i < n or j < m:
        index = findings[i].index if i < n else others[j][0]
        if j < m and others[j][0] < index:
            index = others[j][0]
        k = i
        while k < n and findings[k].index == index:
            k += 1
        replay.add(findings[i:k])
        i = k
        while j < m and others[j][0] == index:
            _, kind, payload = others[j]
            j += 1
            if kind == 1:
                sender, what = payload
                (replay.fear if what == "fear" else replay.refusal)(sender, index)
            else:
                replay.personal_detail(payload.sender, index, payload)
        if replay.first_alert_index is not None:
            return replay.first_alert_index
    return None


def _lowered(f: Finding, why: str) -> Finding:
    """A cue in a benign context (`BENIGN_CONTEXT_NEARBY`: a surprise party; still a finding of its signal)
    or quoted in safety advice (`DISCUSSION_NEARBY`: a trace that counts for nothing, `RiskTracker.add`): no
    grooming stage and little weight, so it cannot raise the risk; `adjusted` records why."""
    return replace(f, stage=None, weight=min(f.weight, BENIGN_WEIGHT), adjusted=why)


def _read_as_advice(found: list[Finding], since: int) -> tuple[list[Finding], list[Finding]]:
    """Findings of a sender who gave safety advice `since` messages ago: those that would enact a harm are
    described within `NEARBY` messages of it, and held to see whether advice follows beyond that."""
    ready: list[Finding] = []
    later: list[Finding] = []
    for f in found:
        if not enacts(f):
            ready.append(f)
        elif since <= NEARBY:
            ready.append(_lowered(f, DISCUSSION_NEARBY))
        else:
            later.append(f)
    return ready, later


def _review_described(
    described: list[tuple[Finding, int]], adviser: str | None, tracker: RiskTracker, findings: list[Finding],
) -> list[tuple[Finding, int]]:
    """Held findings of an advisor: described when their sender gives advice now (`adviser`: the sender of
    this message when it is advice), committed as they are once their window has passed."""
    keep: list[tuple[Finding, int]] = []
    for f, left in described:
        if adviser is not None and adviser == f.sender:
            findings.append(_lowered(f, DISCUSSION_NEARBY))
        elif left <= 1:
            findings.append(f)
            tracker.add([f])
        else:
            keep.append((f, left - 1))
    return keep


def _review_held(
    held: list[tuple[Finding, Any, int]], norm: str, tracker: RiskTracker, findings: list[Finding]
) -> list[tuple[Finding, Any, int]]:
    """Drop held findings whose benign context appears now; commit those whose window has passed."""
    keep: list[tuple[Finding, Any, int]] = []
    for f, context, left in held:
        if context.search(norm) is not None:
            findings.append(_lowered(f, BENIGN_CONTEXT_NEARBY))
            tracker.add([findings[-1]])
            continue
        if left <= 1:
            findings.append(f)
            tracker.add([f])
        else:
            keep.append((f, context, left - 1))
    return keep

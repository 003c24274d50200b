"""How the learned scorer and the rules make one verdict, and the `scores` an analysis reports.

The model finds phrasing no rule knows; the rules explain, read Khmer, and know the harmless look-alikes.
So the model raises the risk to high only when it is sure and the rules agree that grooming is on the
table, or when it is very sure on its own:

- probability >= `WITH_RULES` and the rules already see grooming evidence (risk at least medium with a
  grooming stage, or a sexual finding) → high;
- probability >= `ALONE` → high, whatever the rules saw;
- otherwise the rules' level stands. The model never lowers a level.

Both thresholds were chosen on the calibration split and the eval-only benign sources (friends-dialogue,
nps-chat, formspring, myspace; the data README allows choosing thresholds with them) and the project's own
look-alike chats, never on the held-back test split. Every model verdict cites the messages of its
highest window that weigh most, as `rule: "model.grooming"` findings whose excerpt names the words.

`signal_scores`: grooming is the model's calibrated probability; sexting and sextortion have no model
(no training data may be shipped for them), so theirs is a rule-based estimate: the highest weight of the
signal's findings, capped below 0.5 unless the rules concluded the signal (then at least 0.5).
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline.detect.model import RISK_LEVELS, Finding
from hotline.detect.scoring.conversation import ConversationScores

__all__ = ["ALONE", "WITH_RULES", "combine", "model_findings", "signal_scores"]

#: Model probability that, with grooming evidence from the rules, makes the risk high.
WITH_RULES = 0.8
#: Model probability that makes the risk high on its own.
ALONE = 0.98
#: Findings of these stages or signals count as the rules seeing grooming on the table.
_EVIDENCE_STAGES = frozenset({"desensitising", "image_request", "isolation", "meeting", "personal_questions"})
_RANK = {level: i for i, level in enumerate(RISK_LEVELS)}


def model_findings(scores: ConversationScores, limit: int = 1) -> list[Finding]:
    """`model.<signal>` findings for the top windows at or above 0.5: one per cited message."""
    out: list[Finding] = []
    for window in scores.top[:limit]:
        if window.probability < 0.5:
            continue
        words = ", ".join(window.words)
        for index, sender in zip(window.cited, window.senders or (None,) * len(window.cited), strict=True):
            out.append(Finding(index=index, sender=sender, signal=scores.signal, rule=f"model.{scores.signal}",
                               excerpt=words, weight=round(window.probability, 3)))
    return out


def _rules_see_grooming(risk: str, findings: Sequence[Finding]) -> bool:
    if _RANK[risk] < _RANK["medium"]:
        return False
    return any(f.stage in _EVIDENCE_STAGES or f.signal in ("sexting", "grooming") for f in findings
               if f.weight >= 0.5 and not f.rule.startswith("model."))


def combine(risk: str, findings: Sequence[Finding], scores: ConversationScores | None) -> tuple[str, str | None]:
    """The risk with the model's say, and a one-line reason when the model raised it."""
    if scores is None or not scores.windows or _RANK[risk] >= _RANK["high"]:
        return risk, None
    p = scores.probability
    if p >= ALONE:
        return "high", (f"The learned scorer rates a passage as grooming with probability {p:.2f} "
                        f"(messages {', '.join(str(i) for i in scores.top[0].cited)}).")
    if p >= WITH_RULES and _rules_see_grooming(risk, findings):
        return "high", (f"The learned scorer rates a passage as grooming with probability {p:.2f}, and the "
                        f"rules found grooming cues (messages {', '.join(str(i) for i in scores.top[0].cited)}).")
    return risk, None


def signal_scores(signals: dict[str, bool], findings: Sequence[Finding],
                  scores: ConversationScores | None) -> dict[str, float]:
    """`{"grooming": p, "sexting": p, "sextortion": p}`, each 0-1 (see the module docstring)."""
    out: dict[str, float] = {}
    for signal in ("grooming", "sexting", "sextortion"):
        if signal == "grooming" and scores is not None:
            out[signal] = round(scores.probability if scores.windows else 0.0, 4)
            continue
        top = max((f.weight for f in findings if f.signal == signal and not f.rule.startswith("model.")),
                  default=0.0)
        out[signal] = round(max(top, 0.5) if signals.get(signal) else min(top, 0.49), 4)
    return out

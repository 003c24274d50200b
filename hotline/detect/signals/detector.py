"""The shared machinery of the rule-based detectors: match a rule set, turn matches into Findings.

Each signal is one small subclass (`grooming.py`, `sextortion.py`, ...) that names its pattern files; this
class does the matching, and quotes the words that fired from the ORIGINAL message text (the normalised
text is mapped back to it), so every finding explains itself: rule id, excerpt, span, weight, stage.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

from hotline.detect.model import Finding, Message
from hotline.detect.signals.rules import LANGUAGES, Rule, RuleSet, load_ruleset
from hotline.detect.text.normalize import excerpt, normalize, normalize_mapped, original_span

__all__ = ["RuleDetector", "mapped"]

#: Texts longer than this are matched on their first part only, so one pasted book cannot stall a worker.
MAX_MATCH_CHARS = 20_000


@lru_cache(maxsize=256)
def mapped(text: str) -> tuple[str, list[int]]:
    """Cached `normalize_mapped`: several detectors may quote the same message."""
    return normalize_mapped(text)


class RuleDetector:
    """Finds one signal with the rules in `lexicons/<lang>/<name>.json`."""

    name: ClassVar[str]
    signal: ClassVar[str]

    def __init__(self, rules: RuleSet | None = None, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.rules = rules if rules is not None else load_ruleset(self.name, self.signal, languages)

    def detect(self, message: Message, norm: str | None = None, lang: str | None = None) -> list[Finding]:
        """Findings in one message. `norm` is `normalize(message.text)` when the caller already has it.

        `lang` is accepted for callers that know it; rules run by script (Khmer rules on Khmer text, English
        and romanised Khmer rules on Latin text), because chats mix languages within a message.
        """
        del lang
        text = message.text[:MAX_MATCH_CHARS]
        if norm is None:
            norm = normalize(text)
        hits = self.rules.matches(norm[:MAX_MATCH_CHARS])
        if not hits:
            return []
        return [self._finding(message, text, rule, m.start(), m.end()) for rule, m in hits]

    def finding(self, message: Message, rule: Rule, m: re.Match[str]) -> Finding:
        """The Finding for a match of one of this detector's rules in `normalize(message.text)`."""
        return self._finding(message, message.text[:MAX_MATCH_CHARS], rule, m.start(), m.end())

    def _finding(self, message: Message, text: str, rule: Rule, start: int, end: int) -> Finding:
        _, offs = mapped(text)
        a, b = original_span(text, offs, start, min(end, len(offs)))
        return Finding(
            index=message.index, sender=message.sender, signal=self.signal, rule=rule.id,
            excerpt=excerpt(text, a, b), weight=rule.weight, stage=rule.stage, start=a, end=b,
        )

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules.rules if r.id == rule_id), None)

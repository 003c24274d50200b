"""Load every data file the engine reads, so that a broken one stops start-up, not the first analysis.

The rules, personal-detail lexicons, refusal and discussion phrases, Khmer word list, advice texts and the
learned scorer's weights are each loaded (and validated) at their first use; a server calls `load_all`
at start (the web side as a system check) so that a bad edit is named before anyone is answered with it.
"""

from __future__ import annotations

from hotline.detect.errors import DataError
from hotline.detect.post import load_advice
from hotline.detect.scoring.linear import load_model
from hotline.detect.signals import default_scanner
from hotline.detect.signals.personal_info import preload as preload_personal_info
from hotline.detect.signals.rules import load_refusal
from hotline.detect.text.segment import load_words

__all__ = ["load_all", "problems"]


def load_all() -> None:
    """Load and validate everything; raises `DataError` naming the first file that is wrong."""
    load_words()
    default_scanner()
    load_refusal()
    preload_personal_info()
    load_advice()
    load_model("grooming")


def problems() -> list[str]:
    """What `load_all` found wrong, as messages (empty when every data file loads)."""
    try:
        load_all()
    except DataError as exc:
        return [str(exc)]
    return []

"""Learned scorers beside the rules: calibrated probabilities over windows of consecutive messages.

    from hotline.detect.scoring import load_model, score_conversation
    scores = score_conversation(conversation)            # ConversationScores: windows, top, senders
    load_model("grooming").score_windows(["line\\nline"])  # one calibrated probability per window

Weights are package data (`weights/<signal>.npz` arrays and `weights/<signal>.json` vocabulary and
calibration), read and scored in plain Python (numpy is not imported at run time, which keeps a small chat's
start fast); training (`hotline train`, numpy and scikit-learn) lives in `training.py`.
"""

from hotline.detect.scoring.conversation import (
    ConversationScores,
    ScoreStream,
    WindowScore,
    score_conversation,
)
from hotline.detect.scoring.linear import LinearScorer, load_model

__all__ = ["ConversationScores", "LinearScorer", "ScoreStream", "WindowScore", "load_model", "score_conversation"]

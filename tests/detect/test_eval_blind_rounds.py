"""The later blind rounds (`eval/source/blind2.json`, `blind3.json`): each builds, every chat parses in its
labelled format with its labels pointing at real messages, and each is scored only by name, never in the
whole-set figures.

These tests say nothing about how well the engine does on them (that figure is `hotline eval --split blind2`).
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hotline.detect import chats
from hotline.detect.errors import InputError
from hotline.detect.evaluation import APART, SPLITS, evaluate
from hotline.detect.model import Analysis, Conversation

EVAL = Path(__file__).resolve().parents[2] / "eval"


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_build", EVAL / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Each later blind round: its least number of chats and of harmful chats (written before any figure).
ROUNDS: dict[str, tuple[int, int]] = {"blind2": (30, 10), "blind3": (25, 6)}


def _labels(split: str) -> dict[str, dict[str, Any]]:
    convs = json.loads((EVAL / "labels.json").read_text(encoding="utf-8"))["conversations"]
    return {cid: e for cid, e in convs.items() if e["split"] == split}


@pytest.mark.parametrize("split", sorted(ROUNDS))
def test_the_round_passes_the_build_checks_and_the_rendered_files_are_current(split: str) -> None:
    build = _build_module()
    sources = [c for c in build.conversations() if c["split"] == split]
    assert len(sources) >= ROUNDS[split][0]
    for conv in sources:
        build.check_source(conv)  # raises on a label that could not be scored
        assert conv["group"] == conv["id"]
        assert conv["id"].startswith((f"{split}-en-", f"{split}-km-", f"{split}-kml-"))
    assert build.build(check=True) == [], "eval/chats or labels.json is stale: run python eval/build.py"
    assert {c["id"] for c in sources} == set(_labels(split))


@pytest.mark.parametrize("split", sorted(ROUNDS))
def test_the_round_holds_harmful_and_benign_chats_in_several_formats_and_writings(split: str) -> None:
    labels = _labels(split)
    harmful = Counter(e["harmful"] for e in labels.values())
    assert harmful[True] >= ROUNDS[split][1] and harmful[False] >= 20
    assert {e["format"] for e in labels.values()} >= {"whatsapp", "messenger", "telegram", "telegram_html",
                                                       "line", "plain"}
    assert {lang for e in labels.values() for lang in e["languages"]} == {"en", "km", "km-Latn"}
    for cid, e in labels.items():
        if e["harmful"]:
            assert e["min_risk"] in ("high", "critical"), cid
        else:
            assert e["max_risk"] in ("none", "low", "medium"), cid
            assert not (e["signals"]["grooming"] or e["signals"]["sextortion"] or e["signals"]["sexting"]), cid


@pytest.mark.parametrize("cid", sorted(cid for split in ROUNDS for cid in _labels(split)))
def test_each_chat_parses_in_its_format_with_its_labels_on_real_messages(cid: str) -> None:
    e = _labels(cid.split("-", 1)[0])[cid]
    conv = chats.load(EVAL / e["file"])
    assert conv.format == e["format"]
    assert len(conv.messages) == e["message_count"]
    for p in e["personal_info"]:
        assert p["value"] in conv.messages[p["index"]].text, (cid, p["index"], p["type"])
    senders = {m.sender for m in conv.messages}
    assert None not in senders
    if e["offender"] is not None:
        assert e["offender"] in senders


class _Refused(InputError):
    pass


def _recording_engine() -> tuple[list[str], Any, Any]:
    """A loader that notes each file asked for and refuses it (so no figure is computed), and an analyzer
    that must never be reached."""
    seen: list[str] = []

    def load(path: Path) -> Conversation:
        seen.append(path.name)
        raise _Refused("not read in this test")

    def analyze(conv: Conversation) -> Analysis:
        raise AssertionError("the analysis must not run in this test")

    return seen, load, analyze


@pytest.mark.parametrize("split", sorted(ROUNDS))
def test_the_round_is_left_out_of_the_whole_set_and_scored_apart_by_name(split: str) -> None:
    assert split in SPLITS and split in APART and "blind" in APART
    all_labels = json.loads((EVAL / "labels.json").read_text(encoding="utf-8"))["conversations"]
    files = {Path(e["file"]).name for e in _labels(split).values()}

    seen, load, analyze = _recording_engine()
    whole = evaluate(EVAL, loader=load, analyzer=analyze)
    assert not files & set(seen)
    assert whole.conversations == sum(e["split"] not in APART for e in all_labels.values())

    seen, load, analyze = _recording_engine()
    apart = evaluate(EVAL, split=split, loader=load, analyzer=analyze)
    assert set(seen) == files
    assert apart.conversations == len(files)

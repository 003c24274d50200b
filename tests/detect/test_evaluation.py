"""The evaluation set's labels and the `hotline eval` scoring: metrics, schema, runner, command."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hotline.cli import main
from hotline.detect import chats
from hotline.detect.errors import DataError
from hotline.detect.evaluation import (
    APART,
    Counts,
    EvaluationSetError,
    binary,
    evaluate,
    f_beta,
    load_labels,
    match_details,
    precision,
    recall,
)
from hotline.detect.model import (
    PERSONAL_INFO_TYPES,
    RISK_LEVELS,
    SIGNALS,
    Analysis,
    Conversation,
    Participant,
    PersonalDetail,
)

EVAL = Path(__file__).resolve().parents[2] / "eval"
ALL_LABELS: dict[str, dict[str, Any]] = json.loads((EVAL / "labels.json").read_text(encoding="utf-8"))[
    "conversations"]
#: What `evaluate` scores without a split: everything but the blind splits (see test_eval_blind_rounds.py).
LABELS = {cid: e for cid, e in ALL_LABELS.items() if e["split"] not in APART}


def _engine_present() -> bool:
    return importlib.util.find_spec("hotline.detect.analysis") is not None


needs_engine = pytest.mark.skipif(not _engine_present(), reason="hotline.detect.analysis is not written yet")


# --- metrics on hand-made counts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "p", "r", "f"),
    [
        (8, 2, 2, 0.8, 0.8, 0.8),
        (9, 1, 3, 0.9, 0.75, 0.84375 / 0.975),
        (5, 0, 5, 1.0, 0.5, 0.625 / 0.75),          # precision-heavy: F0.5 above the mean of P and R
        (5, 5, 0, 0.5, 1.0, 0.625 / 1.125),          # recall-heavy: F0.5 below it
        (0, 0, 0, 1.0, 1.0, 1.0),                    # nothing to find, nothing found
        (0, 0, 5, 0.0, 0.0, 0.0),                    # found nothing, missed everything
        (0, 3, 0, 0.0, 1.0, 0.0),                    # nothing to find, only false alarms
        (0, 4, 4, 0.0, 0.0, 0.0),
    ],
)
def test_counts_scores(tp: int, fp: int, fn: int, p: float, r: float, f: float) -> None:
    c = Counts(tp=tp, fp=fp, fn=fn)
    assert c.precision == pytest.approx(p)
    assert c.recall == pytest.approx(r)
    assert c.f05 == pytest.approx(f)
    assert precision(tp, fp, fn) == pytest.approx(p) and recall(tp, fn) == pytest.approx(r)


def test_f_half_weighs_precision_over_recall() -> None:
    assert f_beta(1.0, 0.5) > f_beta(0.5, 1.0)
    assert f_beta(0.0, 0.0) == 0.0
    assert f_beta(0.7, 0.7) == pytest.approx(0.7)
    assert f_beta(1.0, 0.5, beta=1.0) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("expected", "got", "counts"),
    [(True, True, Counts(tp=1)), (True, False, Counts(fn=1)), (False, True, Counts(fp=1)),
     (False, False, Counts(tn=1))],
)
def test_binary_decision(expected: bool, got: bool, counts: Counts) -> None:
    assert binary(expected, got) == counts
    assert (binary(expected, got) + Counts(tp=2)).tp == counts.tp + 2


def test_match_details_exact_and_relaxed() -> None:
    gold = [(3, "phone", "012 345 678"), (5, "address", "#12, St. 19, Sangkat Chey Chumneas"), (5, "age", "14")]
    found = [
        (3, "phone", "012 345 678"),                 # exact
        (5, "address", "#12, St. 19"),               # boundary disagreement: relaxed only
        (6, "age", "14"),                            # wrong message: neither
        (3, "email", "a@b.kh"),                      # nothing labelled: false positive
    ]
    got = match_details(gold, found)
    assert got["phone"].exact == Counts(tp=1)
    assert got["address"].exact == Counts(fp=1, fn=1) and got["address"].relaxed == Counts(tp=1)
    assert got["age"].exact == Counts(fp=1, fn=1) and got["age"].relaxed == Counts(fp=1, fn=1)
    assert got["email"].exact == Counts(fp=1)


def test_match_details_counts_duplicates_once_each() -> None:
    gold = [(1, "phone", "012 345 678")]
    got = match_details(gold, gold * 2)
    assert got["phone"].exact == Counts(tp=1, fp=1)
    assert got["phone"].relaxed == Counts(tp=1, fp=1)


def test_match_details_relaxed_uses_spans() -> None:
    gold = [(0, "school", "grade 9")]
    found = [(0, "school", "9 at Bak")]
    # The values overlap in the text (spans), though neither contains the other.
    got = match_details(gold, found, spans={found[0]: (10, 18)}, gold_spans={gold[0]: (4, 11)})
    assert got["school"].relaxed == Counts(tp=1)
    apart = match_details(gold, found, spans={found[0]: (20, 28)}, gold_spans={gold[0]: (4, 11)})
    assert apart["school"].relaxed == Counts(fp=1, fn=1)


# --- the labelled set -------------------------------------------------------------------------------


def test_set_size_and_spread() -> None:
    assert len(LABELS) >= 80
    formats = Counter(e["format"] for e in LABELS.values())
    assert {"whatsapp", "messenger", "telegram", "line", "plain"} <= set(formats)
    assert len(formats) >= 5
    langs = Counter(lang for e in LABELS.values() for lang in e["languages"])
    assert {"en", "km", "km-Latn"} <= set(langs) and min(langs.values()) >= 20
    harmful = sum(e["harmful"] for e in LABELS.values())
    assert 0.4 <= harmful / len(LABELS) <= 0.6
    holdout = sum(e["split"] == "holdout" for e in LABELS.values())
    # The holdout stays as written (36); dev grows with targeted sets (look-alikes, talk about the risks).
    assert holdout >= 36 and 0.15 <= holdout / len(LABELS) <= 0.4
    for s in ("grooming", "sextortion", "sexting", "meeting_request", "secrecy", "personal_info"):
        assert sum(e["signals"][s] for e in LABELS.values()) >= 10, s
    # Benign chats carry the surface cues too, or the set would not test precision.
    for s in ("meeting_request", "secrecy", "personal_info"):
        assert sum(e["signals"][s] for e in LABELS.values() if not e["harmful"]) >= 5, s
    types = Counter(p["type"] for e in LABELS.values() for p in e["personal_info"])
    assert set(types) == set(PERSONAL_INFO_TYPES)


def test_whatsapp_both_platforms_and_zip() -> None:
    wa = [EVAL / e["file"] for e in LABELS.values() if e["format"] == "whatsapp"]
    heads = [p.read_bytes()[:1] for p in wa if p.suffix == ".txt"]
    assert b"[" in heads and any(h.isdigit() for h in heads)
    assert any(p.suffix == ".zip" for p in wa)


@pytest.mark.parametrize("cid", sorted(LABELS))
def test_label_entry(cid: str) -> None:
    e = LABELS[cid]
    assert set(e["signals"]) == set(SIGNALS)
    assert e["signals"]["personal_info"] == bool(e["personal_info"])
    if e["harmful"]:
        assert e["min_risk"] in RISK_LEVELS and e["offender"]
        assert e["signals"]["grooming"] or e["signals"]["sextortion"] or e["signals"]["sexting"]
    else:
        assert RISK_LEVELS.index(e["max_risk"]) <= RISK_LEVELS.index("medium")
        assert e["offender"] is None
        assert not (e["signals"]["grooming"] or e["signals"]["sextortion"] or e["signals"]["sexting"])
    conv = chats.load(EVAL / e["file"])
    assert 6 <= len(conv.messages) <= 30
    assert len(conv.messages) == e["message_count"]
    if e["offender"]:
        assert e["offender"] in conv.participants
    for p in e["personal_info"]:
        assert p["type"] in PERSONAL_INFO_TYPES
        assert 0 <= p["index"] < len(conv.messages)
        assert p["value"] in conv.messages[p["index"]].text


def test_rendered_files_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("eval_build", EVAL / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.build(EVAL, check=True) == []


# --- loading the labels -----------------------------------------------------------------------------


def test_missing_labels_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationSetError, match=r"no labels\.json"):
        load_labels(tmp_path)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"split": "train"}, "split"),
        ({"signals": {"grooming": True}}, "signals"),
        ({"personal_info": [{"index": 0, "type": "shoe_size", "value": "42"}]}, "personal_info"),
        ({"harmful": "yes"}, "harmful"),
    ],
)
def test_bad_label_entry_names_where(tmp_path: Path, patch: dict[str, Any], message: str) -> None:
    cid = next(iter(LABELS))
    doc = {"conversations": {cid: {**LABELS[cid], **patch}}}
    (tmp_path / "labels.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(EvaluationSetError, match=message) as err:
        load_labels(tmp_path)
    assert err.value.where and cid in err.value.where


# --- the runner, with analysers that know the answer or know nothing -------------------------------


class Oracle:
    """Loads with the real parsers and answers what the labels say: a perfect engine, for the plumbing."""

    def __init__(self, labels: dict[str, dict[str, Any]]) -> None:
        self.labels = labels
        self.current: dict[str, Any] = {}

    def load(self, path: Path) -> Conversation:
        self.current = self.labels[path.name.split(".")[0]]
        return chats.load(path)

    def analyze(self, conv: Conversation) -> Analysis:
        e = self.current
        details = []
        for p in e["personal_info"]:
            start = conv.messages[p["index"]].text.find(p["value"])
            details.append(PersonalDetail(p["type"], p["value"], start, start + len(p["value"]), index=p["index"]))
        risk = e["min_risk"] if e["harmful"] else "low"
        people = [Participant(n, "suspected_offender" if n == e["offender"] else "participant", 1)
                  for n in conv.participants]
        return Analysis(format=e["format"], message_count=len(conv.messages), risk=risk, first_alert_index=None,
                        signals=dict(e["signals"]), participants=people, stages=[], findings=[],
                        personal_info=details, languages=list(e["languages"]))


def _silent(conv: Conversation) -> Analysis:
    return Analysis(format=conv.format, message_count=len(conv.messages), risk="none", first_alert_index=None,
                    signals={s: False for s in SIGNALS}, participants=[], stages=[], findings=[], personal_info=[])


def test_perfect_engine_scores_one_and_passes() -> None:
    oracle = Oracle(LABELS)
    report = evaluate(EVAL, analyzer=oracle.analyze, loader=oracle.load)
    assert report.conversations == len(LABELS) and not report.errors
    assert all(c.f05 == 1.0 for c in report.signals.values())
    pi = report.personal_info_all
    assert pi.exact.precision == pi.exact.recall == 1.0 and pi.relaxed.recall == 1.0
    assert not report.benign_high and not report.harmful_below_min and not report.misses
    assert report.offender_found.recall == 1.0
    assert report.passed and all(t.passed for t in report.targets)


def test_silent_engine_fails_every_target_and_names_misses() -> None:
    report = evaluate(EVAL, analyzer=_silent, loader=chats.load)
    assert report.signals["grooming"].recall == 0.0 and report.signals["grooming"].tp == 0
    assert report.signals["grooming"].tn == sum(not e["signals"]["grooming"] for e in LABELS.values())
    assert len(report.harmful_below_min) == report.harmful
    assert not report.benign_high
    assert report.personal_info_all.exact.recall == 0.0
    assert not report.passed
    assert [t.passed for t in report.targets] == [False] * 5 + [True]
    kinds = {m.signal for m in report.misses}
    assert {"grooming", "risk", "personal_info.phone"} <= kinds
    # Misses carry indexes and labels, never the text of a message.
    texts = {p["value"] for e in LABELS.values() for p in e["personal_info"]}
    assert not any(m.expected in texts or m.got in texts for m in report.misses)


@pytest.mark.parametrize("split", ["dev", "holdout", "blind", "blind2"])
def test_split_selects_its_part(split: str) -> None:
    report = evaluate(EVAL, split=split, analyzer=_silent, loader=chats.load)
    assert report.conversations == sum(e["split"] == split for e in ALL_LABELS.values())


def test_blind_split_is_benign_look_alikes_in_three_writings() -> None:
    blind = [e for e in ALL_LABELS.values() if e["split"] == "blind"]
    assert len(blind) >= 20 and not any(e["harmful"] for e in blind)
    langs = Counter(lang for e in blind for lang in e["languages"])
    assert min(langs[lang] for lang in ("en", "km", "km-Latn")) >= 5
    assert sum(e["signals"]["meeting_request"] for e in blind) >= 5
    assert sum(e["signals"]["secrecy"] for e in blind) >= 2


def test_unknown_split_is_refused() -> None:
    with pytest.raises(EvaluationSetError, match="split"):
        evaluate(EVAL, split="train", analyzer=_silent, loader=chats.load)


def _copy_set(tmp_path: Path) -> Path:
    shutil.copytree(EVAL / "chats", tmp_path / "chats")
    shutil.copy(EVAL / "labels.json", tmp_path / "labels.json")
    return tmp_path


def test_unreadable_file_is_reported_and_the_rest_scored(tmp_path: Path) -> None:
    set_dir = _copy_set(tmp_path)
    victim = next(cid for cid, e in sorted(LABELS.items()) if e["format"] == "telegram" and e["harmful"])
    path = set_dir / LABELS[victim]["file"]
    path.write_bytes(path.read_bytes()[:200])  # truncated JSON
    oracle = Oracle(LABELS)
    report = evaluate(set_dir, analyzer=oracle.analyze, loader=oracle.load)
    assert [cid for cid, _ in report.errors] == [victim]
    assert report.conversations == len(LABELS)
    assert report.signals["personal_info"].tp + report.signals["personal_info"].fn == sum(
        e["signals"]["personal_info"] for e in LABELS.values())
    assert not report.passed


# --- the command ----------------------------------------------------------------------------------------


def test_cli_missing_set_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--set", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "labels.json" in err and "Traceback" not in err


@needs_engine
def test_real_engine_report_structure(capsys: pytest.CaptureFixture[str]) -> None:
    report = evaluate(EVAL)
    d = report.to_dict()
    assert set(d["signals"]) == set(SIGNALS)
    assert {"all", "types"} <= set(d["personal_info"]) and d["conversations"] == len(LABELS)
    assert {"benign_high_or_critical", "harmful_below_min", "levels"} <= set(d["risk"])
    assert [t["name"] for t in d["targets"]][:3] == ["grooming F0.5", "sextortion F0.5", "sexting F0.5"]
    json.dumps(d)
    code = main(["eval", "--set", str(EVAL), "--split", "dev", "--verbose"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "targets:" in out and "overall:" in out and "grooming" in out
    texts = {p["value"] for e in LABELS.values() if e["split"] == "dev" for p in e["personal_info"]}
    assert not any(t in out for t in texts if len(t) > 6)  # no message text, even with --verbose


def test_broken_engine_data_stops_the_run() -> None:
    def broken(conv: Conversation) -> Analysis:
        raise DataError("lexicons/en/sexting.json: bad rule")

    with pytest.raises(DataError, match="bad rule"):
        evaluate(EVAL, analyzer=broken, loader=chats.load)


def test_engine_bug_is_recorded_per_file_without_its_message() -> None:
    def buggy(conv: Conversation) -> Analysis:
        if conv.format == "line":
            raise ValueError(conv.messages[0].text)  # an exception whose message is chat content
        return _silent(conv)

    report = evaluate(EVAL, analyzer=buggy, loader=chats.load)
    lines = {cid for cid, e in LABELS.items() if e["format"] == "line"}
    assert {cid for cid, _ in report.errors} == lines
    assert all(err == "ValueError in the engine" for _, err in report.errors)


@pytest.mark.parametrize(("benign_risk", "high", "above"), [
    ("low", False, False),
    ("medium", False, False),      # at max_risk: fine
    ("high", True, True),          # high is both: rated high and above a max_risk of medium
    ("critical", True, True),
])
def test_benign_over_the_ceiling_is_also_above_its_max_risk(benign_risk: str, high: bool, above: bool) -> None:
    """A benign chat rated high/critical (max_risk medium) is counted in both lists (once it was only in
    the first, and the report said "benign above their max_risk: 0"), with a single miss per chat."""
    oracle = Oracle(LABELS)

    def rate(conv: Conversation) -> Analysis:
        a = oracle.analyze(conv)
        if not oracle.current["harmful"]:
            a = dataclasses.replace(a, risk=benign_risk)
        return a

    report = evaluate(EVAL, split="dev", analyzer=rate, loader=oracle.load)
    benign = {cid for cid, e in LABELS.items() if e["split"] == "dev" and not e["harmful"]}
    assert all(LABELS[cid]["max_risk"] == "medium" for cid in benign)
    assert {c for c, _ in report.benign_high} == (benign if high else set())
    assert {c for c, _ in report.benign_above_max} == (benign if above else set())
    risk_misses = [m for m in report.misses if m.signal == "risk"]
    assert len(risk_misses) == (len(benign) if above else 0)
    assert all(m.got == benign_risk and m.expected == "<= medium" for m in risk_misses)
    assert report.passed is not high


def test_unattributed_run_drops_every_sender_and_does_not_look_for_offenders() -> None:
    seen: list[Conversation] = []

    def capture(conv: Conversation) -> Analysis:
        seen.append(conv)
        return _silent(conv)

    report = evaluate(EVAL, split="holdout", analyzer=capture, loader=chats.load, unattributed=True)
    assert report.unattributed and report.to_dict()["unattributed"] is True
    assert len(seen) == report.conversations and all(m.sender is None for c in seen for m in c.messages)
    assert report.offender_found.support == 0

"""Sextortion on e-mail wording: long multi-paragraph text, parts far apart, one message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.cli import main
from hotline.detect import analyze
from hotline.detect.scam_emails import TUNING, ScamEmailsError, as_chat, evaluate_scam_emails

# Written for this test in the style of mass sextortion e-mails (not taken from any real one).
SCAM = """Hello,

I am a programmer and some months ago I put a small program on a site you like to visit late at night.
It opened your webcam and recorded you while you were enjoying yourself. However, I am a fair person.

I have saved the clip together with the page you were watching. With one click it can be sent to your
colleagues and your relatives, and to everyone in your address book.

To stop this, send the equivalent of 950 USD in bitcoin to the wallet address below. The exchange rate
does not matter, the amount does.

You have 48 hours. The timer started when you opened this email. After the payment I will erase
everything and you will never hear from me again."""

NEWSLETTER = """Dear members,

The school photos from the sports day will be published on the website next week. Parents can order
prints at the office; the price is 3 USD per photo.

However, if you do not want your child's picture online, write to the office before Friday.

Thank you, the parents' association"""


def _write(tmp_path: Path, bodies: list[str]) -> Path:
    path = tmp_path / "emails.jsonl"
    path.write_text("".join(json.dumps({"subject": "x", "body": b}) + "\n" for b in bodies), encoding="utf-8")
    return path


def test_parts_far_apart_in_one_long_message_make_sextortion() -> None:
    a = analyze(as_chat(SCAM))
    assert a.signals["sextortion"] and a.risk == "critical", a.explanation
    parts = {f.rule.rsplit(".", 1)[-1] for f in a.findings if f.signal == "sextortion"}
    assert any("claim" in p for p in parts) and any("threat" in p for p in parts)
    assert any("demand" in p for p in parts)
    assert a.participants == []  # an e-mail pasted as text names no sender


def test_a_newsletter_with_photos_prices_and_however_is_not_sextortion() -> None:
    a = analyze(as_chat(NEWSLETTER))
    assert not a.signals["sextortion"] and a.risk in ("none", "low", "medium")


def test_report_counts_tuning_and_held_back_apart(tmp_path: Path) -> None:
    bodies = [NEWSLETTER] * TUNING + [SCAM, NEWSLETTER]
    report = evaluate_scam_emails(_write(tmp_path, bodies))
    assert report.tuning == (0, TUNING) and report.reported == (1, 2)
    assert [r.found for r in report.results[TUNING:]] == [True, False]
    d = report.to_dict()
    assert d["reported"] == {"found": 1, "total": 2} and "body" not in json.dumps(d)


def test_cli_prints_counts_without_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, [SCAM, NEWSLETTER])
    assert main(["eval", "--scam-emails", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tuning (first 5 in file order): 1/2 found" in out and "bitcoin" not in out
    assert main(["eval", "--scam-emails", str(path), "--strict"]) == 0  # nothing held back to miss


@pytest.mark.parametrize("content", ["", "not json\n", '{"subject": "no body"}\n', '{"body": 3}\n'])
def test_bad_file_is_a_clear_error(tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScamEmailsError):
        evaluate_scam_emails(path)
    assert main(["eval", "--scam-emails", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert main(["eval", "--scam-emails", str(tmp_path / "absent.jsonl")]) == 2


REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "scam-emails" / "sextortion_emails.jsonl"


@pytest.mark.skipif(not REAL.exists(), reason="the real scam e-mails (../shared/data/scam-emails) are not here")
def test_real_emails_held_back_are_mostly_found() -> None:
    report = evaluate_scam_emails(REAL)
    found, total = report.reported
    assert total == 10
    # A floor against regressions (7 of 10 when the e-mail phrases were written, on the first 5 only).
    assert found >= 7, [r.to_dict() for r in report.results]

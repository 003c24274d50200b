"""Verdicts that teach the engine: an analyst marks an analysis's risk and findings right or wrong on
the report page (plain form posts through Django's test client), a supervisor exports them with
`hotline export-labels` (audited, without personal details), and `hotline eval --labels` scores the
engine on the export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from hotline.cli import main
from hotline.detect.labels import read_labels
from hotline.web.cases.labels import ExportRefused, export
from hotline.web.cases.models import AuditEvent
from hotline.web.reports import services
from hotline.web.reports.models import Evidence, Report, Verdict
from hotline.web.staff.roles import ensure_groups
from hotline.web.staff.second_factor import SESSION_KEY

pytestmark = pytest.mark.django_db

CHAT = (
    b"01/03/2024, 20:01 - Sokha Chan: hi Dara, you are so mature for your age\n"
    b"01/03/2024, 20:02 - Dara Keo: thanks\n"
    b"01/03/2024, 20:03 - Sokha Chan: this is our secret, don't tell your parents. call me on 012 345 678 "
    b"or write to sokha.chan@example.com\n"
    b"01/03/2024, 20:04 - Dara Keo: ok, my code is 7QX2MZ4H\n"
    b"01/03/2024, 20:05 - Sokha Chan: send me a photo of you, let's meet tomorrow\n"
)
CONTACT = "dara.mother@example.org"
#: What must never leave in an export: names, phone, e-mails, the contact, the offender's account.
PERSONAL = ("Sokha", "Chan", "Dara", "Keo", "012 345 678", "sokha.chan@example.com", CONTACT, "sokha.c99")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def _user(name: str, group: str) -> User:
    analysts, supervisors = ensure_groups()
    user = User.objects.create_user(name, "", "a long password 123", is_staff=True)
    user.groups.add(analysts if group == "Analysts" else supervisors)
    return User.objects.get(pk=user.pk)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return client


@pytest.fixture
def report() -> Report:
    receipt = services.create_report(category="grooming", platform="whatsapp", description="he asks for photos",
                                     contact=CONTACT, offender_name="sokha.c99", files=[(CHAT, "chat.txt")])
    return Report.objects.get(pk=receipt.report.pk)


def _analysis(report: Report) -> tuple[Evidence, dict[str, Any]]:
    from hotline.web.cases import services as case_services

    evidence = report.evidence.get()
    analysis = case_services._evidence_view(evidence).analysis
    assert analysis and analysis["findings"], "the chat should have been analysed with findings"
    return evidence, analysis


def _mark(client: Client, report: Report, **data: Any) -> Any:
    return client.post(f"/en/staff/reports/{report.pk}/verdict/", data)


def test_marking_through_the_report_page_and_re_marking_replaces(report: Report) -> None:
    analyst = _user("analyst", "Analysts")
    client = _signed_in(analyst)
    evidence, analysis = _analysis(report)
    page = client.get(f"/en/staff/reports/{report.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    # One form per finding and one for the risk, each posting without JavaScript.
    assert len(re.findall(r'data-verdict-finding="\d+"', html)) == len(analysis["findings"])
    assert 'data-verdict-risk=""' in html

    response = _mark(client, report, evidence=evidence.pk, target="finding", position=0, verdict="right")
    assert response.status_code == 302 and response["Location"].endswith(f"#evidence-{evidence.pk}")
    _mark(client, report, evidence=evidence.pk, target="finding", position=1, verdict="wrong")
    _mark(client, report, evidence=evidence.pk, target="finding", position=0, verdict="wrong")  # replaces
    wrong_level = "low" if analysis["risk"] != "low" else "medium"
    _mark(client, report, evidence=evidence.pk, target="risk", risk=wrong_level)
    verdicts = {(v.target, v.position): v for v in Verdict.objects.filter(evidence=evidence)}
    assert set(verdicts) == {("finding", 0), ("finding", 1), ("risk", 0)}
    assert verdicts["finding", 0].correct is False and verdicts["finding", 1].correct is False
    assert verdicts["finding", 0].signal == analysis["findings"][0]["signal"]
    assert verdicts["finding", 0].rule == analysis["findings"][0]["rule"]
    risk = verdicts["risk", 0]
    assert (risk.correct, risk.risk, risk.engine_risk, risk.marked_by) == (False, wrong_level, analysis["risk"], analyst)

    _mark(client, report, evidence=evidence.pk, target="risk", risk=analysis["risk"])
    risk.refresh_from_db()
    assert risk.correct is True and Verdict.objects.filter(evidence=evidence, target="risk").count() == 1
    html = client.get(f"/en/staff/reports/{report.pk}/").content.decode()
    assert 'data-verdict-risk="right"' in html
    assert 'data-verdict-finding="0" data-verdict="wrong"' in html


@pytest.mark.parametrize("data", [
    {"target": "finding", "position": 999, "verdict": "right"},
    {"target": "finding", "verdict": "right"},
    {"target": "finding", "position": 0},
    {"target": "risk"},
    {"target": "risk", "risk": "enormous"},
    {"target": "nothing"},
])
def test_bad_marks_are_refused_on_the_page(report: Report, data: dict[str, Any]) -> None:
    client = _signed_in(_user("analyst", "Analysts"))
    evidence = _analysis(report)[0]
    response = _mark(client, report, evidence=evidence.pk, **data)
    assert response.status_code == 400
    assert not Verdict.objects.exists()


def test_evidence_of_another_report_cannot_be_marked(report: Report) -> None:
    client = _signed_in(_user("analyst", "Analysts"))
    evidence = _analysis(report)[0]
    other = services.create_report(category="other", platform="other", description="x").report
    assert _mark(client, other, evidence=evidence.pk, target="finding", position=0, verdict="right").status_code == 400
    assert not Verdict.objects.exists()


def test_the_page_in_khmer(report: Report) -> None:
    client = _signed_in(_user("analyst", "Analysts"))
    html = client.get(f"/km/staff/reports/{report.pk}/").content.decode()
    assert "data-verdict-risk" in html
    assert "Is the engine's risk right?" not in html and "Right?" not in html


def test_export_without_personal_details_then_evaluate(report: Report, tmp_path: Path, monkeypatch: Any,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))  # what the command line sets up
    analyst, supervisor = _user("analyst", "Analysts"), _user("boss", "Supervisors")
    client = _signed_in(analyst)
    evidence, analysis = _analysis(report)
    for position in range(len(analysis["findings"])):
        _mark(client, report, evidence=evidence.pk, target="finding", position=position,
              verdict="wrong" if analysis["findings"][position]["signal"] == "secrecy" else "right")
    _mark(client, report, evidence=evidence.pk, target="risk", risk="high")
    unmarked = services.create_report(category="grooming", platform="whatsapp", files=[(CHAT, "chat.txt")])
    assert unmarked.report.evidence.get().analysis_status == "done"  # analysed, never marked: not exported

    path = tmp_path / "labels.jsonl"
    with pytest.raises(ExportRefused):
        export(path, analyst.username)
    with pytest.raises(ExportRefused):
        export(path, "nobody")
    assert not path.exists()
    assert main(["export-labels", str(path), "--user", analyst.username]) == 2

    assert export(path, supervisor.username) == 1
    text = path.read_text(encoding="utf-8")
    for detail in (*PERSONAL, report.tracking_code, unmarked.tracking_code):
        assert detail.lower() not in text.lower(), detail
    record = json.loads(text)
    assert record["risk"] == {"engine": analysis["risk"], "analyst": "high"}
    assert len(record["findings"]) == len(analysis["findings"])
    assert {m["sender"] for m in record["messages"]} == {"suspected_offender", "possible_victim"}
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_LABELS)
    assert event.user == supervisor and event.detail == "1 labelled conversations"

    labelled = read_labels(path)
    assert len(labelled) == 1 and labelled[0].language == "en"
    assert main(["eval", "--labels", str(path), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)["languages"]["en"]
    assert scored["conversations"] == 1 and scored["risk"]["marked"] == 1
    secrecy = scored["signals"].get("secrecy")
    if secrecy:  # every secrecy finding was marked wrong
        assert secrecy["marked_precision"] == 0.0 and secrecy["tp"] == 0
    grooming = scored["signals"]["grooming"]
    assert grooming["marked_right"] >= 1 and grooming["precision"] == 1.0


def test_a_mark_whose_finding_changed_is_not_exported(report: Report, tmp_path: Path) -> None:
    """If the analysis was run again and the finding at that place is another, the old mark is dropped."""
    client = _signed_in(_user("analyst", "Analysts"))
    supervisor = _user("boss", "Supervisors")
    evidence = _analysis(report)[0]
    _mark(client, report, evidence=evidence.pk, target="finding", position=0, verdict="right")
    _mark(client, report, evidence=evidence.pk, target="finding", position=1, verdict="wrong")
    Verdict.objects.filter(evidence=evidence, position=1).update(rule="a.rule.that.changed")
    assert export(tmp_path / "labels.jsonl", supervisor.username) == 1
    record = json.loads((tmp_path / "labels.jsonl").read_text(encoding="utf-8"))
    assert [f["correct"] for f in record["findings"]] == [True] and record["risk"] is None

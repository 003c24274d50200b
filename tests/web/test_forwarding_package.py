"""Forwarding packages: the JSON a receiver's software reads (fields, hashes, cited messages, never the
reporter's contact), the PDF a receiver prints (Khmer embedded and shaped: its text is extracted back
with pypdf and the Khmer words are found whole), the incident-type data file, and the audited download."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from hotline.web.cases import package_pdf, packages
from hotline.web.cases import services as cases
from hotline.web.cases.models import AuditEvent, EvidenceImageHash, Forwarding
from hotline.web.reports.models import Category
from tests.web.test_cases import CHAT, encode, make_user, noise_image, report, signed_in

pytestmark = pytest.mark.django_db

KHMER_DESCRIPTION = "គាត់គំរាមកំហែងថានឹងចែករំលែករូបភាព សូមជួយកុមារនេះ"
#: Words of the description and of the Khmer headings, each with split vowels or subscripts (the glyphs
#: that come out of shaping reordered or in pieces).
KHMER_WORDS = ("គំរាមកំហែង", "ចែករំលែករូបភាព", "សូមជួយកុមារនេះ")
CONTACT = "contact-marker-012 345 678"


@pytest.fixture
def forwarded() -> Forwarding:
    analyst = make_user("sokha")
    r = report(category="sextortion", platform="facebook", description=KHMER_DESCRIPTION, contact=CONTACT,
               offender_name="bad.actor", urls=["https://facebook.com/p/123"], language="km",
               files=[(CHAT, "Chat with Dara.txt"), (encode(noise_image(7)), "shot.png")])
    cases.take(r, analyst)
    return cases.record_forwarding(r, analyst, recipient="police", recipient_name="Anti-trafficking unit",
                                   reference="PN-2024-17", forwarded_on=date(2024, 5, 2),
                                   classification=Forwarding.Classification.BASELINE)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Text without whitespace: pypdf guesses word spaces from where glyphs sit, and a shaped Khmer
    vowel or subscript is placed on its own (so a guessed space can fall inside a word). What must
    hold is that every character comes back, in order."""
    return "".join(text.split())


def test_json_holds_the_report_hashes_and_cited_messages_but_no_contact(forwarded: Forwarding) -> None:
    raw = packages.build(forwarded, "json", "en")
    data = json.loads(raw)
    assert (data["format"], data["version"]) == ("hotline-forwarding-package", 1)
    assert data["forwarding"] == {"recipient": "police", "recipient_name": "Anti-trafficking unit",
                                  "reference": "PN-2024-17", "forwarded_on": "2024-05-02",
                                  "classification": "baseline"}
    rep = data["report"]
    assert rep["tracking_code"] == forwarded.report.tracking_code
    assert rep["description"] == KHMER_DESCRIPTION
    assert rep["incident_type"]["id"] == "sextortion"
    assert rep["incident_type"]["label"]["km"]
    assert rep["offender"]["name"] == "bad.actor"
    assert data["urls"] == ["https://facebook.com/p/123"]
    evidence = {e["kind"]: e for e in data["evidence"]}
    stored = {e.kind: e for e in forwarded.report.evidence.all()}
    assert evidence["chat"]["sha256"] == stored["chat"].sha256
    assert evidence["screenshot"]["sha256"] == stored["screenshot"].sha256
    pdq = EvidenceImageHash.objects.get(evidence=stored["screenshot"]).pdq
    assert [h["pdq"] for h in evidence["screenshot"]["pdq"]] == [pdq]
    cited = evidence["chat"]["analysis"]["cited_messages"]
    assert cited and {c["index"] for c in cited} <= {0, 1, 2, 3}
    assert any("parents" in c["excerpt"] for c in cited)
    assert evidence["chat"]["analysis"]["risk"] == stored["chat"].risk
    # Never the reporter's contact, the PIN's hash or the evidence's file name.
    text = raw.decode("utf-8")
    for secret in (CONTACT, "contact-marker", forwarded.report.pin_hash, "Chat with Dara", "shot.png"):
        assert secret not in text


def test_pdf_embeds_a_khmer_font_and_its_text_extracts_whole(forwarded: Forwarding) -> None:
    pdf = packages.build(forwarded, "pdf", "km")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].get_object().values()}
    descendants = [font.get_object()["/DescendantFonts"][0].get_object() for page in reader.pages
                   for font in page["/Resources"]["/Font"].get_object().values()]
    assert any("/FontFile2" in d["/FontDescriptor"] for d in descendants), fonts  # embedded, not referenced
    text = pdf_text(pdf)
    for word in KHMER_WORDS:
        assert word in squeezed(text), (word, text[:500])
    assert "កញ្ចប់បញ្ជូនបន្ត" in squeezed(text)  # the title, in Khmer
    assert squeezed(KHMER_DESCRIPTION) in squeezed(text)
    assert forwarded.report.tracking_code in text
    assert "PN-2024-17" in text
    sha = forwarded.report.evidence.get(kind="chat").sha256
    assert sha in squeezed(text)
    assert "contact-marker" not in text
    assert not any(ord(c) < 32 and c not in "\n\t " for c in text), "stray codes in extracted text"


def test_pdf_in_english_names_the_classification_and_incident_type(forwarded: Forwarding) -> None:
    text = squeezed(pdf_text(packages.build(forwarded, "pdf", "en")))
    assert squeezed("Illegal everywhere (international baseline)") in text
    assert squeezed("Sextortion (sexual extortion)") in text
    assert squeezed("Forwarding package: report") in text


def test_zip_holds_both_files(forwarded: Forwarding) -> None:
    archive = zipfile.ZipFile(io.BytesIO(packages.build(forwarded, "zip", "en")))
    names = sorted(Path(n).name for n in archive.namelist())
    assert names == ["package.json", "package.pdf"]
    pdf = next(n for n in archive.namelist() if n.endswith(".pdf"))
    assert archive.read(pdf).startswith(b"%PDF-")


def test_every_category_maps_to_an_incident_type() -> None:
    types = packages.incident_types()
    assert set(types) == set(Category.values)
    assert types["csam"].id == "child_sexual_abuse_material"
    assert types["grooming"].id == "online_enticement"


def test_incident_types_file_missing_a_category_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "incident_types.json"
    data = json.loads(packages.INCIDENT_TYPES_FILE.read_text(encoding="utf-8"))
    del data["categories"]["grooming"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(packages.IncidentTypesError, match="grooming"):
        packages.incident_types(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(packages.IncidentTypesError):
        packages.incident_types(bad)


def test_download_is_audited_without_content(forwarded: Forwarding) -> None:
    client = signed_in(make_user("vanna"))
    url = f"/en/staff/forwardings/{forwarded.pk}/package.zip"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"hotline-{forwarded.report.tracking_code}" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOAD_PACKAGE)
    assert event.user.username == "vanna" and event.report_id == forwarded.report_id
    assert event.detail == f"forwarding {forwarded.pk} zip"
    assert client.get(f"/en/staff/forwardings/{forwarded.pk}/package.exe").status_code == 404
    assert client.get("/en/staff/forwardings/999999/package.pdf").status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD_PACKAGE).count() == 1


def test_missing_font_is_a_clear_message_not_a_500(forwarded: Forwarding, settings: Any, tmp_path: Path) -> None:
    settings.HOTLINE_PDF_FONT = str(tmp_path / "nowhere.ttf")
    with pytest.raises(package_pdf.FontMissing, match="no such file"):
        package_pdf.fonts()
    client = signed_in(make_user("vanna"))
    response = client.get(f"/en/staff/forwardings/{forwarded.pk}/package.pdf", follow=True)
    assert response.status_code == 200
    assert b"no Khmer font was found" in response.content
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD_PACKAGE).exists()
    # The JSON needs no font.
    assert client.get(f"/en/staff/forwardings/{forwarded.pk}/package.json").status_code == 200


def test_a_font_without_khmer_letters_is_refused(settings: Any) -> None:
    latin = next((p for p in package_pdf.LATIN_FONTS if Path(p).is_file()), None)
    if latin is None:
        pytest.skip("no Latin-only font installed to try")
    settings.HOTLINE_PDF_FONT = latin
    with pytest.raises(package_pdf.FontMissing, match="Khmer"):
        package_pdf.fonts()


def test_forwarding_form_needs_a_classification() -> None:
    supervisor = make_user("lead", group="Supervisors")
    r = report(category="grooming")
    client = signed_in(supervisor)
    response = client.post(f"/en/staff/reports/{r.pk}/forward/",
                           {"recipient": "platform", "forwarded_on": "2024-05-01"})
    assert response.status_code == 400
    assert not Forwarding.objects.filter(report=r).exists()
    response = client.post(f"/en/staff/reports/{r.pk}/forward/",
                           {"recipient": "platform", "forwarded_on": "2024-05-01", "classification": "national"})
    assert response.status_code == 302
    forwarding = Forwarding.objects.get(report=r)
    assert forwarding.classification == "national"
    page = client.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert f"/en/staff/forwardings/{forwarding.pk}/package.zip" in page


def test_characters_without_a_glyph_are_not_logged(forwarded: Forwarding, caplog: pytest.LogCaptureFixture) -> None:
    """Characters no shipped font has (Chinese, a snowman) are drawn as empty boxes, and the logs of
    fpdf2 and fontTools, at every level, name none of them: they are the report's words."""
    forwarded.report.description = "情報 ☃ " + KHMER_DESCRIPTION
    forwarded.report.save(update_fields=["description"])
    with caplog.at_level(logging.DEBUG):
        pdf = packages.build(forwarded, "pdf", "en")
    assert pdf.startswith(b"%PDF-")
    assert caplog.records
    assert "情" not in caplog.text and "☃" not in caplog.text and "60c5" not in caplog.text.lower()

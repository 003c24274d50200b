"""Report intake: the form in Khmer and English, bad input, durability, and what is (not) stored."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from hotline.web import encryption
from hotline.web.reports import services, storage
from hotline.web.reports.models import Evidence, Report, ReporterNote, ReportURL, StatusChange
from hotline.web.sniffing import EvidenceRejected, sniff
from hotline.web.trackingcodes import (
    CODE_ALPHABET,
    MAX_PIN_FAILURES,
    check_pin,
    normalize_code,
    normalize_pin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    """Rate-limit counters live in the process's cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

CHAT_LINES = [
    ("Dara", datetime(2024, 3, 1, 20, 1), "hi, you look mature for your age"),
    ("Sok", datetime(2024, 3, 1, 20, 2), "thanks"),
    ("Dara", datetime(2024, 3, 1, 20, 3), "don't tell your parents about our chat ok"),
]
ANDROID_EXPORT = (
    b"01/03/2024, 20:01 - Dara: hi, you look mature for your age\n"
    b"01/03/2024, 20:02 - Sok: thanks\n"
    b"01/03/2024, 20:03 - Dara: don't tell your parents about our chat ok\n"
)


def whatsapp_export() -> bytes:
    try:
        from hotline.detect.chats.synthetic import render
    except ImportError:
        return ANDROID_EXPORT
    return render("whatsapp", CHAT_LINES)


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "urls": "https://www.facebook.com/some.profile\nt.me/somechannel",
        "category": "grooming",
        "platform": "facebook",
        "description": "He asked my sister for photos.",
        "offender_name": "dara.k",
        "offender_profile_url": "https://www.facebook.com/dara.k",
        "offender_claimed_age": "17",
        "offender_nationality": "Unknown",
        "reporter_type": "on_behalf",
        "victim_age_band": "13_15",
        "contact": "",
        "homepage": "",
    }
    data.update(overrides)
    return data


def receipt_from(response: Any) -> tuple[str, str]:
    html = response.content.decode()
    code = re.search(r"data-tracking-code>([A-Z0-9]{8})<", html)
    pin = re.search(r"data-pin>(\d{6})<", html)
    assert code and pin, html[:2000]
    return code.group(1), pin.group(1)


def submit(client: Client, lang: str = "en", files: list[SimpleUploadedFile] | None = None,
           **overrides: Any) -> Any:
    data = form_data(**overrides)
    if files:
        data["files"] = files
    return client.post(f"/{lang}/report/", data)


# --- the form ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "heading", "thanks"), [
    ("en", "Never upload sexual images of a child", "Your report is received"),
    ("km", "កុំបង្ហោះរូបភាពផ្លូវភេទរបស់កុមារ", "យើងបានទទួលរបាយការណ៍របស់អ្នកហើយ"),
])
def test_form_happy_path(client: Client, lang: str, heading: str, thanks: str) -> None:
    page = client.get(f"/{lang}/report/")
    assert page.status_code == 200
    assert heading in page.content.decode()
    export = SimpleUploadedFile("WhatsApp Chat with Dara.txt", whatsapp_export(), content_type="text/plain")
    response = submit(client, lang, files=[export])
    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/report/thanks/"
    shown = client.get(response["Location"])
    assert thanks in shown.content.decode()
    code, pin = receipt_from(shown)
    report = Report.objects.get(tracking_code=code)
    assert report.language == lang and report.category == "grooming" and report.reporter_type == "on_behalf"
    assert sorted(report.urls.values_list("url", flat=True)) == [
        "https://t.me/somechannel", "https://www.facebook.com/some.profile"]
    assert report.offender_claimed_age == 17
    assert report.history.get().status == "received"
    evidence = report.evidence.get()
    assert evidence.kind == "chat" and evidence.content_type == "text/plain"
    assert evidence.analysis_status == "done"  # the immediate backend (tests) ran the task already
    assert services.find_report(code, pin) == report
    # Shown once: a reload no longer shows them.
    again = client.get(response["Location"]).content.decode()
    assert code not in again and pin not in again


def test_codes_use_the_unambiguous_alphabet() -> None:
    codes = {services.create_report(category="other", platform="other", description="x").tracking_code
             for _ in range(20)}
    assert len(codes) == 20
    assert all(len(c) == 8 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)


@pytest.mark.parametrize(("raw", "expected"), [
    ("abcd efgh", "ABCDEFGH"), ("ABCD-EFGH", "ABCDEFGH"), (" abcdefgh ", "ABCDEFGH"),
])
def test_code_input_is_forgiving(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


def test_pin_accepts_khmer_digits() -> None:
    assert normalize_pin("១២៣ ៤៥៦") == "123456"


BAD_INPUT: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, overrides, language, expected message)
    ("missing category", {"category": ""}, "en", "Please fill in this field."),
    ("missing category km", {"category": ""}, "km", "សូមបំពេញ"),
    ("unknown category", {"category": "spam"}, "en", "Choose one of the options in the list."),
    ("unknown platform km", {"platform": "myspace"}, "km", "ជ្រើសរើស"),
    ("bad url", {"urls": "not a link at all"}, "en", "This is not a web link: not a link at all"),
    ("bad url km", {"urls": "javascript:alert(1)"}, "km", "នេះមិនមែនជាតំណវេបសាយទេ"),
    ("bad age", {"offender_claimed_age": "old"}, "en", "Write a number, for example 25."),
    ("honeypot", {"homepage": "http://spam.example"}, "en", "Leave this field empty."),
    ("null character", {"offender_name": "da\x00ra"}, "en", "Null characters are not allowed."),
    ("too long", {"offender_nationality": "x" * 101}, "en", "This is too long: at most 100 characters."),
    ("too many links", {"urls": "\n".join(f"https://e.com/{i}" for i in range(21))}, "en", "Give at most 20 links."),
    ("nothing given", {"urls": "", "description": ""}, "en", "Give at least one link"),
]


@pytest.mark.parametrize(("case", "overrides", "lang", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_a_4xx_and_keeps_the_rest(client: Client, case: str, overrides: dict[str, Any],
                                               lang: str, message: str) -> None:
    response = submit(client, lang, **overrides)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "He asked my sister for photos." in html or overrides.get("description") == ""
    assert "dara.k" in html or "offender_name" in overrides  # the rest of the report is still in the form
    assert Report.objects.count() == 0


def _oversize() -> bytes:
    return b"a" * (settings.HOTLINE_MAX_UPLOAD_BYTES + 1)


BAD_FILES: list[tuple[str, str, Any, str, str]] = [
    ("pdf renamed .txt", "chat.txt", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "en",
     "This file type is not accepted"),
    ("exe renamed .txt", "chat.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 8, "en",
     "This file type is not accepted"),
    ("exe renamed .txt km", "chat.txt", b"MZ\x90\x00\x03\x00\x00\x00" * 8, "km", "មិនទទួល"),
    ("not an image .png", "shot.png", b"\x89PNG\r\n\x1a\nthis is not a png", "en", "not really an image"),
    ("zip without chat", "export.zip", "zip", "en", "holds no chat text file"),
    ("empty file", "chat.txt", b"", "en", "This file is empty."),
]


@pytest.mark.parametrize(("case", "name", "content", "lang", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_and_keeps_the_rest(client: Client, case: str, name: str, content: Any,
                                                lang: str, message: str) -> None:
    if content == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("photo.jpg", b"\xff\xd8\xff not really")
        content = buf.getvalue()
    good = SimpleUploadedFile("WhatsApp Chat.txt", whatsapp_export())
    bad = SimpleUploadedFile(name, content)
    response = submit(client, lang, files=[good, bad])
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "dara.k" in html and "He asked my sister for photos." in html
    assert Report.objects.count() == 0
    # The good file was kept for the next try and is attached when the form is sent again.
    assert "WhatsApp Chat.txt" in html
    response = submit(client, lang)
    assert response.status_code == 302
    code, _pin = receipt_from(client.get(response["Location"]))
    assert Report.objects.get(tracking_code=code).evidence.count() == 1


@pytest.mark.parametrize("lang", ["en", "km"])
@override_settings(HOTLINE_MAX_UPLOAD_BYTES=1024)
def test_oversize_file_is_refused(client: Client, lang: str) -> None:
    good = SimpleUploadedFile("small.txt", ANDROID_EXPORT)
    response = submit(client, lang, files=[SimpleUploadedFile("big.txt", b"hello chat line\n" * 200), good])
    html = response.content.decode()
    assert response.status_code == 400
    assert ("This file is too large" if lang == "en" else "ឯកសារនេះធំពេក") in html
    assert "big.txt" in html and "dara.k" in html
    assert "small.txt" in html  # kept for the next try


def test_screenshot_is_accepted(client: Client) -> None:
    response = submit(client, "en", files=[SimpleUploadedFile("shot.jpg", png_bytes())])
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.content_type) == ("screenshot", "image/png")  # sniffed, not the name


@pytest.mark.parametrize(("content", "kind", "content_type"), [
    (ANDROID_EXPORT, "chat", "text/plain"),
    (b'{"messages": [{"sender_name": "a", "content": "hi"}]}', "chat", "application/json"),
    (b"sender,time,text\r\nA,2024-01-01T10:00:00,hi\r\nB,2024-01-01T10:01:00,hello\r\n", "chat", "text/csv"),
    ("ជំរាបសួរ បងស្រី\n".encode("utf-16"), "chat", "text/plain"),
])
def test_sniffing_accepts_chat_exports(content: bytes, kind: str, content_type: str) -> None:
    sniffed = sniff(content)
    assert (sniffed.kind, sniffed.content_type) == (kind, content_type)


@pytest.mark.parametrize("content", [
    b"GIF89a\x01\x00\x01\x00", b"\x00\x01\x02\x03binary", b"%PDF-1.4", b"\x1f\x8b\x08\x00gzip", b"   \n  ",
])
def test_sniffing_refuses_other_things(content: bytes) -> None:
    with pytest.raises(EvidenceRejected):
        sniff(content)


def test_rate_limit_without_storing_the_address(client: Client) -> None:
    with override_settings(HOTLINE_RATE_LIMITS={"report": (2, 60), "lookup": (20, 60)}):
        from django.core.cache import cache

        cache.clear()
        assert submit(client, "en").status_code == 302
        assert submit(client, "en").status_code == 302
        third = submit(client, "en")
        assert third.status_code == 429
        assert "Too many reports" in third.content.decode()
        assert "dara.k" in third.content.decode()
    cache.clear()


# --- durability and privacy ----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_report_is_committed_before_the_code_is_shown(client: Client) -> None:
    response = submit(client, "en", files=[SimpleUploadedFile("chat.txt", whatsapp_export())])
    assert response.status_code == 302
    assert connection.get_autocommit()  # no transaction left open by the request
    code, pin = receipt_from(client.get(response["Location"]))
    # Read back through a brand-new connection: the rows are committed, not just visible to this one.
    connection.close()
    report = Report.objects.get(tracking_code=code)
    assert report.evidence.count() == 1 and report.history.count() == 1
    assert check_pin(pin, report.pin_hash, code)


@pytest.mark.django_db(transaction=True)
def test_failure_while_saving_leaves_nothing_half_written() -> None:
    with pytest.raises(EvidenceRejected):
        services.create_report(category="grooming", platform="line", urls=["https://line.me/x"],
                               files=[(ANDROID_EXPORT, "ok.txt"), (b"%PDF-1.4", "bad.txt")])
    assert Report.objects.count() == 0 and ReportURL.objects.count() == 0 and Evidence.objects.count() == 0


def test_pin_is_stored_as_a_keyed_hash_with_its_key_id() -> None:
    receipt = services.create_report(category="sextortion", platform="telegram", description="threats")
    report = Report.objects.get(pk=receipt.report.pk)
    assert receipt.pin not in report.pin_hash
    assert re.fullmatch(r"hmac_sha256\$h\d+\$[0-9a-f]{64}", report.pin_hash)
    assert check_pin(receipt.pin, report.pin_hash, receipt.tracking_code)
    assert not check_pin(receipt.pin, report.pin_hash, "ABCDEFGH")  # bound to its code


def test_an_old_pbkdf2_pin_is_accepted_and_upgraded() -> None:
    receipt = services.create_report(category="sextortion", platform="telegram", description="threats")
    Report.objects.filter(pk=receipt.report.pk).update(pin_hash=make_password(receipt.pin))
    assert services.find_report(receipt.tracking_code, "000000" if receipt.pin != "000000" else "111111") is None
    assert Report.objects.get(pk=receipt.report.pk).pin_hash.startswith(("pbkdf2_", "md5$"))  # not on a miss
    assert services.find_report(receipt.tracking_code, receipt.pin) is not None
    assert Report.objects.get(pk=receipt.report.pk).pin_hash.startswith("hmac_sha256$")


def test_wrong_pins_lock_the_code_and_the_lock_answers_as_an_unknown_code(client: Client) -> None:
    receipt = services.create_report(category="sextortion", platform="telegram", description="threats")
    wrong = "000000" if receipt.pin != "000000" else "111111"
    for _ in range(MAX_PIN_FAILURES):
        assert services.find_report(receipt.tracking_code, wrong) is None
    report = Report.objects.get(pk=receipt.report.pk)
    assert report.pin_locked_until is not None
    assert services.find_report(receipt.tracking_code, receipt.pin) is None  # even the right PIN, while locked
    locked = client.post("/en/report/status/", {"code": receipt.tracking_code, "pin": receipt.pin})
    unknown = client.post("/en/report/status/", {"code": "ABCDEFGH", "pin": receipt.pin})
    assert locked.status_code == unknown.status_code == 404
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|value="[A-Z0-9]{8}"')
    assert strip.sub("", locked.content.decode()) == strip.sub("", unknown.content.decode())
    Report.objects.filter(pk=report.pk).update(pin_locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert services.find_report(receipt.tracking_code, receipt.pin) is not None  # after the lock


def test_withdraw_deletes_evidence_and_text_and_is_counted() -> None:
    receipt = services.create_report(category="grooming", platform="whatsapp", description="secret words",
                                      contact="me@example.org", urls=["https://example.com/x"],
                                      files=[(ANDROID_EXPORT, "chat.txt")])
    evidence = Evidence.objects.get(report=receipt.report)
    stored = Path(settings.HOTLINE_EVIDENCE_DIR) / evidence.storage_name
    assert stored.exists()
    assert not services.withdraw_report(receipt.tracking_code, "000000" if receipt.pin != "000000" else "111111")
    assert services.withdraw_report(receipt.tracking_code, receipt.pin)
    report = Report.objects.get(pk=receipt.report.pk)
    assert report.status == "withdrawn" and report.description == "" and report.contact == ""
    assert not stored.exists() and not Evidence.objects.filter(report=report).exists()
    assert not report.urls.exists()
    assert Report.objects.filter(status="withdrawn").count() == 1  # the report stays, as a count


def test_evidence_is_encrypted_on_disk() -> None:
    marker = b"don't tell your parents about our chat ok"
    receipt = services.create_report(category="grooming", platform="whatsapp", description="x",
                                     files=[(ANDROID_EXPORT, "WhatsApp Chat with Dara.txt")])
    evidence = receipt.report.evidence.get()
    raw = (Path(settings.HOTLINE_EVIDENCE_DIR) / evidence.storage_name).read_bytes()
    assert marker not in raw and b"Dara" not in raw
    assert storage.read_evidence(evidence) == ANDROID_EXPORT
    assert storage.evidence_filename(evidence) == "WhatsApp Chat with Dara.txt"
    key = Path(settings.HOTLINE_KEY_FILE)
    assert key.stat().st_mode & 0o777 == 0o600
    # Nothing in the evidence row holds the content or the name in clear.
    for field in Evidence._meta.concrete_fields:
        value = getattr(evidence, field.attname)
        if isinstance(value, bytes | memoryview | str):
            assert marker not in bytes(value if not isinstance(value, str) else value.encode())
            assert b"Dara" not in bytes(value if not isinstance(value, str) else value.encode())


def test_analysis_is_stored_encrypted_and_sets_priority() -> None:
    pytest.importorskip("hotline.detect.analysis")
    receipt = services.create_report(category="other", platform="whatsapp", description="x",
                                     files=[(whatsapp_export(), "chat.txt")])
    evidence = receipt.report.evidence.get()
    assert evidence.analysis_status == "done"
    assert evidence.analysis_encrypted and b"mature" not in bytes(evidence.analysis_encrypted)
    import json

    stored = json.loads(encryption.decrypt(evidence.analysis_encrypted))
    assert stored["analysis"]["message_count"] == 3


def test_text_without_names_is_analysed_as_unattributed_messages() -> None:
    """A chat pasted without sender names (as "report this" stores it) is read line by line, no sender made up."""
    pytest.importorskip("hotline.detect.analysis")
    text = b"hi hey\nhow old are you\nim 13\ndont tell your parents about me ok\n"
    receipt = services.create_report(category="grooming", platform="other", description="x",
                                     files=[(text, "pasted-chat.txt")])
    evidence = Evidence.objects.get(report=receipt.report)
    assert evidence.analysis_status == "done"
    import json

    analysis = json.loads(encryption.decrypt(evidence.analysis_encrypted))["analysis"]
    assert analysis["message_count"] == 4 and analysis["format"] == "plain"
    assert all(p["name"] is None for p in analysis["participants"])


@pytest.mark.parametrize("content", [
    b'{"messages": [{"sender_name": "a", "content": "hi"}',  # a truncated Messenger download
    b'{"messages": [',
])
def test_unreadable_chat_marks_evidence_not_the_report(content: bytes) -> None:
    pytest.importorskip("hotline.detect.analysis")
    receipt = services.create_report(category="grooming", platform="other", description="x",
                                     files=[(content, "chat.txt")])
    evidence = Evidence.objects.get(report=receipt.report)
    report = Report.objects.get(pk=receipt.report.pk)
    assert report.status == "received" and report.description == "x"
    assert (evidence.analysis_status, evidence.analysis_error) == ("failed", "unreadable_export")
    from django.utils import translation

    with translation.override("en"):
        assert evidence.analysis_error_label.startswith("The file is not a chat export")
    import json

    assert json.loads(encryption.decrypt(evidence.analysis_encrypted))["error"]


def test_add_evidence_refuses_a_bad_file_and_keeps_the_report() -> None:
    report = services.create_report(category="grooming", platform="line", description="keep me").report
    with pytest.raises(EvidenceRejected):
        services.add_evidence(report, b"%PDF-1.4 not a chat", "chat.txt")
    services.add_evidence(report, ANDROID_EXPORT, "chat.txt")
    report.refresh_from_db()
    assert report.description == "keep me" and report.evidence.count() == 1


IP_LIKE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b")


def test_no_ip_address_is_stored(client: Client) -> None:
    client.post("/en/report/", form_data(), REMOTE_ADDR="203.0.113.77")
    client.post("/en/report/status/", {"code": "ABCDEFGH", "pin": "000000"}, REMOTE_ADDR="203.0.113.77")
    assert Report.objects.count() == 1
    for model in apps.get_app_config("reports").get_models():
        names = {f.name for f in model._meta.fields}
        assert not {n for n in names if "ip" in n.split("_") or "addr" in n}, model
        assert not any(isinstance(f, models.GenericIPAddressField) for f in model._meta.fields)
        for row in model.objects.values():
            text = " ".join(str(v) for v in row.values())
            assert "203.0.113.77" not in text
    with connection.cursor() as cursor:
        for table in ("django_session",):
            cursor.execute(f"SELECT * FROM {table}")
            assert "203.0.113.77" not in str(cursor.fetchall())


# --- status page -------------------------------------------------------------------------------------

def _make(client: Client) -> tuple[str, str]:
    response = submit(client, "en")
    return receipt_from(client.get(response["Location"]))


@pytest.mark.parametrize("lang", ["en", "km"])
def test_wrong_pin_looks_like_unknown_code(client: Client, lang: str) -> None:
    code, pin = _make(Client())
    wrong = client.post(f"/{lang}/report/status/", {"code": code, "pin": "999999" if pin != "999999" else "1"})
    unknown = client.post(f"/{lang}/report/status/", {"code": "ZZZZZZZZ", "pin": pin})
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda html: re.sub(r'value="[^"]*"|name="csrfmiddlewaretoken"[^>]*', "", html)  # noqa: E731
    assert strip(wrong.content.decode()) == strip(unknown.content.decode())


def test_status_page_shows_progress_and_takes_more_information(client: Client) -> None:
    code, pin = _make(Client())
    response = client.post("/en/report/status/", {"code": code.lower(), "pin": pin})
    assert response.status_code == 302
    page = client.get("/en/report/status/").content.decode()
    assert code in page and "Received" in page
    services.set_status(Report.objects.get(tracking_code=code), "in_review", "An analyst is looking at it.")
    page = client.get("/en/report/status/").content.decode()
    assert "Being reviewed" in page and "An analyst is looking at it." in page
    added = client.post("/en/report/status/", {
        "action": "add", "text": "He wrote again today.",
        "files": [SimpleUploadedFile("shot.png", png_bytes())],
    })
    assert added.status_code == 200 and "was added" in added.content.decode()
    report = Report.objects.get(tracking_code=code)
    assert ReporterNote.objects.get(report=report).text == "He wrote again today."
    assert report.evidence.get().kind == "screenshot"
    bad = client.post("/en/report/status/", {"action": "add", "text": "more",
                                             "files": [SimpleUploadedFile("x.txt", b"%PDF-1.5")]})
    assert bad.status_code == 400 and "more" in bad.content.decode()
    assert ReporterNote.objects.filter(report=report).count() == 1


def test_status_needs_the_pin_first(client: Client) -> None:
    page = client.get("/km/report/status/")
    assert page.status_code == 200 and 'name="pin"' in page.content.decode()


# --- the chat checker's hand-over and the home page's counters ------------------------------------------

def test_prefill_from_the_chat_checker_attaches_the_analysed_chat(client: Client,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    token = services.stash_evidence(whatsapp_export(), "WhatsApp Chat with Dara.txt")
    session = client.session
    session["report_prefill"] = {"category": "sextortion", "platform": "whatsapp",
                                 "description": "Checked with the chat checker: risk high.",
                                 "evidence_token": token}
    session.save()
    page = client.get("/en/report/").content.decode()
    assert "Checked with the chat checker: risk high." in page
    assert '<option value="sextortion" selected>' in page
    assert "its analysis are attached" in page and "WhatsApp Chat with Dara.txt" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/report/", form_data(category="sextortion", platform="whatsapp", urls="",
                                                        description="Checked with the chat checker: risk high."))
    assert response.status_code == 302
    code, _pin = receipt_from(client.get(response["Location"]))
    report = Report.objects.get(tracking_code=code)
    assert report.evidence.count() == 1
    assert storage.evidence_filename(report.evidence.get()) == "WhatsApp Chat with Dara.txt"
    assert services.stash_info(token) is None  # moved, not copied
    assert "report_prefill" not in client.session


def test_stash_refuses_what_a_report_would_refuse() -> None:
    with pytest.raises(EvidenceRejected):
        services.stash_evidence(b"%PDF-1.4 ...", "x.txt")
    assert services.stash_info("not-a-token") is None


def test_public_counters() -> None:
    assert services.public_counters() == {"received": 0, "assessed": 0, "removed": 0}
    a = services.create_report(category="csam", platform="website", urls=["https://example.com/a"]).report
    b = services.create_report(category="grooming", platform="line", description="x").report
    services.create_report(category="other", platform="other", description="y")
    services.set_status(a, "assessed")
    services.set_status(a, "removed")
    services.set_status(a, "closed")
    services.set_status(b, "forwarded")
    assert services.public_counters() == {"received": 3, "assessed": 2, "removed": 1}


def test_queue_orders_by_priority() -> None:
    low = services.create_report(category="other", platform="other", description="x").report
    high = services.create_report(category="csam", platform="website", urls=["https://example.com/x"],
                                  victim_age_band="under_13").report
    assert list(Report.objects.all())[:2] == [high, low]
    assert StatusChange.objects.filter(report=high).count() == 1
    with transaction.atomic():
        assert Report.objects.get(pk=high.pk).priority > Report.objects.get(pk=low.pk).priority


def test_whatsapp_zip_export_with_media_is_analysed() -> None:
    synthetic = pytest.importorskip("hotline.detect.chats.synthetic")
    pytest.importorskip("hotline.detect.analysis")
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 90)).save(buf, "JPEG")
    data = synthetic.whatsapp_zip(whatsapp_export(), {"IMG-20240301-WA0001.jpg": buf.getvalue()}, title="Dara")
    receipt = services.create_report(category="grooming", platform="whatsapp", description="zip",
                                     files=[(data, "WhatsApp Chat with Dara.zip")])
    evidence = receipt.report.evidence.get()
    assert (evidence.kind, evidence.content_type) == ("chat", "application/zip")
    assert evidence.analysis_status == "done", evidence.analysis_error
    assert evidence.hash_matches == 0


def test_screenshot_matching_a_hash_list_makes_the_report_critical() -> None:
    hashlists = pytest.importorskip("hotline.web.hashlists.services")
    import random

    rng = random.Random(7)
    img = Image.new("L", (64, 64))
    img.putdata([rng.randrange(256) for _ in range(64 * 64)])
    img = img.resize((256, 256)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    data = buf.getvalue()
    hashlists.add_evidence_image("test-bank", data, label="test entry")
    receipt = services.create_report(category="other", platform="website", urls=["https://example.com/x"],
                                     files=[(data, "shot.png")])
    evidence = receipt.report.evidence.get()
    report = Report.objects.get(pk=receipt.report.pk)
    assert evidence.hash_matches == 1 and evidence.risk == "critical"
    assert report.risk == "critical" and report.priority >= 4
    import json

    assert json.loads(encryption.decrypt(evidence.analysis_encrypted))["hash_matches"][0]["list"] == "test-bank"


def test_status_access_without_the_pin_ends_after_30_minutes(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    response = submit(client, "en")
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    client.get(response["Location"])
    page = client.get("/en/report/status/")
    assert 'action" value="add"' in page.content.decode()  # the status page itself, no PIN asked
    assert "max-age=0" in page["Cache-Control"]
    import time as clock

    later = clock.time() + 31 * 60
    monkeypatch.setattr("hotline.web.reports.views.time.time", lambda: later)
    page = client.get("/en/report/status/")
    assert 'action" value="add"' not in page.content.decode() and 'name="pin"' in page.content.decode()


def test_withdraw_from_the_status_page(client: Client) -> None:
    receipt = services.create_report(category="grooming", platform="whatsapp", description="to withdraw")
    wrong = client.post("/en/report/status/", {"action": "withdraw", "code": receipt.tracking_code,
                                               "pin": "000000" if receipt.pin != "000000" else "111111"})
    assert wrong.status_code == 404
    done = client.post("/en/report/status/", {"action": "withdraw", "code": receipt.tracking_code,
                                              "pin": receipt.pin})
    assert done.status_code == 200 and "data-withdrawn" in done.content.decode()
    assert Report.objects.get(pk=receipt.report.pk).status == "withdrawn"
    again = client.post("/en/report/status/", {"code": receipt.tracking_code, "pin": receipt.pin})
    assert again.status_code == 302  # still found by code and PIN, but shows only the withdrawal
    assert "to withdraw" not in client.get("/en/report/status/").content.decode()


def test_a_report_holds_at_most_its_quota_of_files(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.web.reports import views

    monkeypatch.setattr(views, "MAX_EVIDENCE_PER_REPORT", 2)
    response = submit(client, "en", files=[SimpleUploadedFile("chat.txt", whatsapp_export())])
    assert response.status_code == 302
    client.get(response["Location"])
    one_more = client.post("/en/report/status/", {"action": "add", "files": [
        SimpleUploadedFile("a.txt", whatsapp_export())]})
    assert one_more.status_code == 200
    too_many = client.post("/en/report/status/", {"action": "add", "files": [
        SimpleUploadedFile("b.txt", whatsapp_export())]})
    assert too_many.status_code == 400 and "at most 2 files" in too_many.content.decode()

"""The analysts' workspace: who may open it, the queue, duplicate linking, audited evidence views,
actions the reporter sees, statistics and their CSV and public page."""

from __future__ import annotations

import csv
import io
import json
import logging
import random
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from hotline.web.cases import linking
from hotline.web.cases import services as cases
from hotline.web.cases import stats as statistics
from hotline.web.cases.models import AuditEvent, Case, EvidenceImageHash, Removal, ReportLink
from hotline.web.reports import services
from hotline.web.reports.models import Report
from hotline.web.staff.roles import ensure_groups
from hotline.web.staff.second_factor import SESSION_KEY

pytestmark = pytest.mark.django_db

CHAT = (
    b"01/03/2024, 20:01 - Dara: hi, you look mature for your age\n"
    b"01/03/2024, 20:02 - Sok: thanks\n"
    b"01/03/2024, 20:03 - Dara: don't tell your parents about our chat ok\n"
    b"01/03/2024, 20:04 - Dara: send me a photo, only for me\n"
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


# --- factories ------------------------------------------------------------------------------------------

def make_user(name: str, *, staff: bool = True, group: str | None = "Analysts") -> User:
    analysts, supervisors = ensure_groups()
    user = User.objects.create_user(name, "", "a long password 123", is_staff=staff)
    if group:
        user.groups.add(analysts if group == "Analysts" else supervisors)
    return User.objects.get(pk=user.pk)  # fresh permission cache


def signed_in(user: User, *, second_factor: bool = True) -> Client:
    client = Client()
    client.force_login(user)
    if second_factor:
        session = client.session
        session[SESSION_KEY] = True
        session.save()
    return client


def report(**fields: Any) -> Report:
    fields.setdefault("category", "other")
    fields.setdefault("platform", "other")
    fields.setdefault("description", "test report")
    return Report.objects.get(pk=services.create_report(**fields).report.pk)


def noise_image(seed: int, size: int = 256) -> Image.Image:
    """A picture PDQ can tell apart from others (random blocks, scaled up)."""
    rng = random.Random(seed)
    small = Image.new("L", (32, 32))
    small.putdata([rng.randrange(256) for _ in range(32 * 32)])
    return small.resize((size, size)).convert("RGB")


def encode(img: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture
def analyst() -> User:
    return make_user("analyst")


@pytest.fixture
def supervisor() -> User:
    return make_user("supervisor", group="Supervisors")


# --- who may open the pages --------------------------------------------------------------------------------

STAFF_PAGES = ["/en/staff/", "/km/staff/", "/en/staff/reports/{pk}/", "/en/staff/statistics/",
               "/en/staff/statistics.csv", "/en/staff/evidence/{evidence}/image/"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_need_sign_in_permission_and_second_factor(url: str, analyst: User) -> None:
    r = report(files=[(encode(noise_image(1)), "shot.png")])
    url = url.format(pk=r.pk, evidence=r.evidence.get().pk)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    member = make_user("member", staff=False, group=None)
    assert signed_in(member).get(url).status_code == 403
    staff_without_permission = make_user("clerk", group=None)
    assert signed_in(staff_without_permission).get(url).status_code == 403
    no_factor = signed_in(analyst, second_factor=False).get(url)
    assert no_factor.status_code == 302 and no_factor["Location"].startswith("/admin-2fa/?next=")
    ok = signed_in(analyst).get(url)
    assert ok.status_code == 200
    assert "no-store" in ok["Cache-Control"] or "no-cache" in ok["Cache-Control"]


def test_only_a_supervisor_publishes_and_assigns(analyst: User, supervisor: User) -> None:
    r = report()
    assert signed_in(analyst).post("/en/staff/statistics/publish/").status_code == 403
    assert signed_in(supervisor).post("/en/staff/statistics/publish/").status_code == 302
    refused = signed_in(analyst).post(f"/en/staff/reports/{r.pk}/assign/", {"analyst": analyst.pk})
    assert refused.status_code == 400 and not Case.objects.filter(report=r, analyst__isnull=False).exists()
    ok = signed_in(supervisor).post(f"/en/staff/reports/{r.pk}/assign/", {"analyst": analyst.pk})
    assert ok.status_code == 302 and Case.objects.get(report=r).analyst == analyst


def test_analyst_takes_an_unassigned_report_but_not_anothers(analyst: User) -> None:
    r = report()
    other = make_user("other")
    assert signed_in(analyst).post(f"/en/staff/reports/{r.pk}/take/").status_code == 302
    assert Case.objects.get(report=r).analyst == analyst
    assert signed_in(other).post(f"/en/staff/reports/{r.pk}/take/").status_code == 400
    assert Case.objects.get(report=r).analyst == analyst
    mine = signed_in(analyst).get("/en/staff/?assigned=mine").content.decode()
    assert r.tracking_code in mine
    assert r.tracking_code not in signed_in(other).get("/en/staff/?assigned=mine").content.decode()


# --- the queue ----------------------------------------------------------------------------------------------

def queue_codes(client: Client, query: str = "") -> list[str]:
    html = client.get(f"/en/staff/{query}").content.decode()
    return re.findall(r'data-report="([A-Z0-9]{8})"', html)


def test_queue_orders_by_priority_then_age_and_filters(analyst: User) -> None:
    old_low = report(category="other", platform="tiktok")
    new_low = report(category="other", platform="tiktok")
    grooming = report(category="grooming", platform="messenger")
    csam = report(category="csam", platform="website", victim_age_band="under_13")
    closed = report(category="csam", platform="website")
    services.set_status(closed, "closed")
    Report.objects.filter(pk=old_low.pk).update(created_at=timezone.now() - timedelta(days=3))
    client = signed_in(analyst)
    assert queue_codes(client) == [csam.tracking_code, grooming.tracking_code, old_low.tracking_code,
                                   new_low.tracking_code]
    assert queue_codes(client, "?platform=tiktok") == [old_low.tracking_code, new_low.tracking_code]
    assert queue_codes(client, "?category=grooming") == [grooming.tracking_code]
    assert queue_codes(client, "?status=closed") == [closed.tracking_code]
    assert queue_codes(client, "?risk=critical") == []
    page = client.get("/en/staff/").content.decode()
    assert 'data-count="open">4<' in page and 'data-count="closed">1<' in page
    # A bad filter value is ignored, not an error.
    assert client.get("/en/staff/?status=nonsense").status_code == 200


# --- duplicate linking -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "same"), [
    ("https://www.facebook.com/some.page?fbclid=abc", "http://m.facebook.com/some.page/", True),
    ("facebook.com/some.page", "https://web.facebook.com/some.page#top", True),
    ("https://fb.com/some.page", "https://facebook.com/some.page", True),
    ("https://t.me/channel?utm_source=x", "https://telegram.me/channel", True),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2", True),
    ("https://www.facebook.com/profile.php?id=1", "https://www.facebook.com/profile.php?id=2", False),
    ("https://example.com/Page", "https://example.com/page", False),
    ("https://example.com/a", "https://example.org/a", False),
])
def test_normalize_url(a: str, b: str, same: bool) -> None:
    assert (linking.normalize_url(a) == linking.normalize_url(b)) is same


def links_of(r: Report) -> dict[str, str]:
    """{other report's code: reason} for r's active links."""
    return {other.tracking_code: link.reason for link, other in linking.linked_reports(r)}


def test_same_url_links_reports_both_ways() -> None:
    a = report(urls=["https://www.facebook.com/some.page?fbclid=abc"])
    b = report(urls=["http://m.facebook.com/some.page/", "https://example.com/other"])
    c = report(urls=["https://www.facebook.com/another.page"])
    assert links_of(a) == {b.tracking_code: "same_url"}
    assert links_of(b) == {a.tracking_code: "same_url"}
    assert links_of(c) == {}


def test_same_account_by_profile_link_or_name_on_the_same_platform() -> None:
    a = report(platform="facebook", offender_profile_url="https://www.facebook.com/dara.k")
    b = report(platform="messenger", offender_profile_url="https://m.facebook.com/dara.k/")
    c = report(platform="telegram", offender_name="@Dark_Angel")
    d = report(platform="telegram", offender_name="dark_angel")
    e = report(platform="line", offender_name="dark_angel")  # same name, another platform: not linked
    f = report(platform="other", urls=["https://facebook.com/dara.k"])  # the profile was reported as a link
    assert links_of(a) == {b.tracking_code: "same_account", f.tracking_code: "same_account"}
    assert links_of(c) == {d.tracking_code: "same_account"}
    assert links_of(e) == {}
    assert ReportLink.objects.get(report=c, other=d).detail == "dark_angel"


def test_same_image_links_reports_through_stored_hashes() -> None:
    original = noise_image(11)
    copy = original.resize((200, 200))  # resized and re-compressed: a few bits away
    a = report(files=[(encode(original), "a.png")])
    b = report(files=[(encode(copy, "JPEG", quality=80), "b.jpg")])
    c = report(files=[(encode(noise_image(99)), "c.png")])
    assert EvidenceImageHash.objects.count() == 3
    assert links_of(b) == {a.tracking_code: "same_image"}
    assert links_of(c) == {}
    assert ReportLink.objects.get(report=a, other=b).detail.endswith("bits")


def test_manual_link_and_unlink_which_automatic_linking_respects(analyst: User) -> None:
    a = report(urls=["https://example.com/x"])
    b = report(description="another")
    client = signed_in(analyst)
    assert client.post(f"/en/staff/reports/{a.pk}/link/", {"tracking_code": b.tracking_code.lower()}
                       ).status_code == 302
    assert links_of(b) == {a.tracking_code: "manual"}
    assert client.post(f"/en/staff/reports/{a.pk}/link/", {"tracking_code": "ZZZZZZZZ"}).status_code == 400
    c = report(urls=["https://example.com/x"])
    link = ReportLink.objects.get(report=a, other=c)
    assert client.post(f"/en/staff/reports/{c.pk}/links/{link.pk}/unlink/").status_code == 302
    ReportURL = a.urls.model
    ReportURL.objects.create(report=c, url="https://example.com/x?utm_source=again")  # re-indexes c
    assert a.tracking_code not in links_of(c)
    assert AuditEvent.objects.filter(action="unlink", user=analyst).count() == 1
    page = client.get(f"/en/staff/reports/{b.pk}/").content.decode()
    assert a.tracking_code in page and 'data-link="manual"' in page


def test_hash_list_match_links_to_the_assessed_report_and_raises_linked_priority(analyst: User,
                                                                                supervisor: User) -> None:
    image = encode(noise_image(5))
    assessed = report(category="other", files=[(image, "a.png")])
    client, boss = signed_in(analyst), signed_in(supervisor)
    refused = boss.post(f"/en/staff/reports/{assessed.pk}/hash/", {"list_name": "hotline-assessed"})
    assert refused.status_code == 400  # not assessed yet
    services.set_status(assessed, "assessed")
    refused = client.post(f"/en/staff/reports/{assessed.pk}/hash/", {"list_name": "hotline-assessed"})
    assert refused.status_code == 400 and "Only a supervisor" in refused.content.decode()  # hash lists: supervisors
    assert boss.post(f"/en/staff/reports/{assessed.pk}/hash/", {"list_name": "hotline-assessed"}
                     ).status_code == 302
    from hotline.web.hashlists.models import HashEntry

    assert HashEntry.objects.get().reference == assessed.tracking_code
    # A new report with the same picture matches the list: critical, and linked to the assessed report.
    again = report(category="other", urls=["https://example.com/repost"], files=[(image, "b.png")])
    assert again.risk == "critical"
    assert links_of(again)[assessed.tracking_code] == "same_image"
    # A low-risk report sharing a link with it is raised in the queue by that link.
    follower = report(category="sexual_cyberbullying", urls=["https://example.com/repost"])
    assert Case.objects.get(report=follower).linked_priority == 4
    grooming = report(category="grooming")  # medium: above the follower's own priority, below the raise
    codes = queue_codes(client)
    assert codes.index(follower.tracking_code) < codes.index(grooming.tracking_code)
    assert Report.objects.get(pk=follower.pk).priority < Report.objects.get(pk=grooming.pk).priority


# --- evidence views are audited and never logged -------------------------------------------------------------

def test_report_page_shows_analysis_excerpts_not_the_whole_chat(analyst: User, caplog: Any) -> None:
    r = report(category="grooming", platform="whatsapp", files=[(CHAT, "chat.txt")])
    evidence = r.evidence.get()
    client = signed_in(analyst)
    caplog.set_level(logging.DEBUG)
    page = client.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert "Show whole chat" in page
    assert "20:02" not in page and ">thanks<" not in page  # a message with no finding is not shown
    analysis = json.loads(__import__("hotline.web.encryption", fromlist=["x"]).decrypt(
        evidence.analysis_encrypted))["analysis"]
    for finding in analysis["findings"]:
        assert f'data-finding="{finding["index"]}"' in page
    assert AuditEvent.objects.filter(action="view_analysis", evidence=evidence, user=analyst).exists()
    chat = client.get(f"/en/staff/evidence/{evidence.pk}/chat/")
    assert chat.status_code == 200
    html = chat.content.decode()
    assert "thanks" in html and "mature for your age" in html
    event = AuditEvent.objects.get(action="show_chat", evidence=evidence)
    assert event.user == analyst and event.report == r
    for event in AuditEvent.objects.all():
        for words in ("mature", "parents", "photo", "Dara", "chat.txt"):
            assert words not in event.detail
    for record in caplog.records:
        assert "mature" not in record.getMessage() and "parents" not in record.getMessage()


def test_images_are_blurred_until_revealed_and_each_view_is_audited(analyst: User) -> None:
    data = encode(noise_image(3))
    r = report(files=[(data, "shot.png")])
    evidence = r.evidence.get()
    without = signed_in(make_user("no-reveal"))
    assert "data-reveal" not in without.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert without.post(f"/en/staff/evidence/{evidence.pk}/reveal/").status_code == 403
    analyst.user_permissions.add(Permission.objects.get(codename="reveal_evidence"))
    analyst = User.objects.get(pk=analyst.pk)
    client = signed_in(analyst)
    page = client.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert 'class="obscured"' in page and "data-reveal" in page
    blurred = client.get(f"/en/staff/evidence/{evidence.pk}/image/?clear=1")  # not revealed yet: blurred
    assert blurred["Content-Type"] == "image/png" and blurred.content != data
    assert Image.open(io.BytesIO(blurred.content)).mode == "L"
    assert AuditEvent.objects.filter(action="view_image_blurred", evidence=evidence).count() == 1
    assert client.post(f"/en/staff/evidence/{evidence.pk}/reveal/").status_code == 302
    assert AuditEvent.objects.filter(action="reveal_image", evidence=evidence, user=analyst).count() == 1
    page = client.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert "data-revealed" in page and 'class="obscured"' not in page
    clear = client.get(f"/en/staff/evidence/{evidence.pk}/image/?clear=1")
    assert clear.content == data and "no-store" in clear["Cache-Control"]
    assert AuditEvent.objects.filter(action="view_image", evidence=evidence).count() == 1
    # Another analyst's session has not revealed it.
    other = signed_in(make_user("other"))
    assert other.get(f"/en/staff/evidence/{evidence.pk}/image/?clear=1").content != data
    client.post(f"/en/staff/evidence/{evidence.pk}/reveal/", {"hide": "1"})
    assert 'class="obscured"' in client.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert all(event.detail == "" for event in AuditEvent.objects.filter(evidence=evidence))


# --- actions the reporter and the public see ---------------------------------------------------------------------

def test_status_change_with_a_note_shows_on_the_reporters_status_page(analyst: User) -> None:
    receipt = services.create_report(category="grooming", platform="facebook", description="x")
    client = signed_in(analyst)
    refused = client.post(f"/en/staff/reports/{receipt.report.pk}/status/", {"status": "in_review"})
    assert refused.status_code == 400 and "Take the report first" in refused.content.decode()
    assert client.post(f"/en/staff/reports/{receipt.report.pk}/take/").status_code == 302
    response = client.post(f"/en/staff/reports/{receipt.report.pk}/status/",
                           {"status": "in_review", "public_note": "An analyst is reading your report."})
    assert response.status_code == 302
    assert client.post(f"/en/staff/reports/{receipt.report.pk}/status/", {"status": "received"}).status_code == 400
    reporter = Client()
    reporter.post("/en/report/status/", {"code": receipt.tracking_code, "pin": receipt.pin})
    page = reporter.get("/en/report/status/").content.decode()
    assert "Being reviewed" in page and "An analyst is reading your report." in page
    assert AuditEvent.objects.filter(action="status", detail="in_review").count() == 1


def test_forwarding_and_removal_feed_the_public_counters(analyst: User) -> None:
    r = report(urls=["https://example.com/bad"])
    client = signed_in(analyst)
    assert services.public_counters()["assessed"] == 0
    cases.take(r, analyst)
    bad = client.post(f"/en/staff/reports/{r.pk}/forward/", {"recipient": "nobody", "forwarded_on": "2024-05-01"})
    assert bad.status_code == 400
    ok = client.post(f"/en/staff/reports/{r.pk}/forward/", {
        "recipient": "platform", "recipient_name": "Example", "reference": "T-123", "forwarded_on": "2024-05-01",
        "classification": "national"})
    assert ok.status_code == 302
    assert Report.objects.get(pk=r.pk).status == "forwarded"
    assert services.public_counters()["assessed"] == 1
    assert client.post(f"/en/staff/reports/{r.pk}/removal/", {"url": "example.com/bad", "removed_on": "2024-05-03"}
                       ).status_code == 302
    removal = Removal.objects.get(report=r)
    assert removal.url == "https://example.com/bad" and removal.removed_on == date(2024, 5, 3)
    assert Report.objects.get(pk=r.pk).status == "removed"
    assert services.public_counters() == {"received": 1, "assessed": 1, "removed": 1}
    page = client.get(f"/en/staff/reports/{r.pk}/").content.decode()
    assert "T-123" in page and "https://example.com/bad" in page


# --- statistics -----------------------------------------------------------------------------------------------------

@pytest.fixture
def stats_reports(analyst: User) -> list[Report]:
    made = [
        report(category="grooming", platform="facebook", offender_nationality="KH"),
        report(category="grooming", platform="messenger", offender_nationality="KH"),
        report(category="sextortion", platform="facebook", offender_nationality="TH"),
        report(category="csam", platform="website"),
    ]
    Report.objects.filter(pk=made[0].pk).update(created_at=timezone.make_aware(timezone.datetime(2024, 1, 15, 12)))
    Report.objects.filter(pk__in=[m.pk for m in made[1:]]).update(
        created_at=timezone.make_aware(timezone.datetime(2024, 2, 10, 12)))
    cases.record_removal(made[3], analyst, url="https://example.net/x", removed_on=date(2024, 2, 20))
    return made


def test_statistics_numbers(stats_reports: list[Report]) -> None:
    stats = statistics.compute()
    assert stats["total"] == 4 and stats["removals"] == 1 and stats["removed_reports"] == 1
    assert dict(stats["platform"]) == {"facebook": 2, "messenger": 1, "website": 1}
    assert dict(stats["category"]) == {"grooming": 2, "sextortion": 1, "csam": 1}
    assert stats["month"] == [["2024-01", 1], ["2024-02", 3]]
    assert dict(stats["nationality"]) == {"KH": 2, "TH": 1, "unknown": 1}
    assert stats["removals_by_month"] == [["2024-02", 1]]


@pytest.mark.parametrize(("text", "key"), [
    ("Cambodian", "KH"), (" khmer ", "KH"), ("ខ្មែរ", "KH"), ("Viet-Nam", "VN"), ("", "unknown"),
    ("don't know", "unknown"), ("Martian", "other"),
])
def test_nationality_key(text: str, key: str) -> None:
    assert statistics.nationality_key(text) == key


def test_statistics_csv_and_page(stats_reports: list[Report], analyst: User) -> None:
    client = signed_in(analyst)
    response = client.get("/en/staff/statistics.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "count"]
    assert ["totals", "total", "4"] in rows and ["platform", "facebook", "2"] in rows
    assert ["nationality", "KH", "2"] in rows and ["month", "2024-02", "3"] in rows
    assert not any(r.tracking_code in response.content.decode() for r in stats_reports)
    page = client.get("/en/staff/statistics/").content.decode()
    assert "Cambodia" in page and 'data-stat="total">4<' in page  # staff see exact numbers


def test_public_statistics_show_only_what_a_supervisor_published(stats_reports: list[Report],
                                                                  supervisor: User) -> None:
    before = Client().get("/en/statistics/")
    assert before.status_code == 200 and "not published" in before.content.decode()
    assert signed_in(supervisor).post("/en/staff/statistics/publish/").status_code == 302
    report(category="other")  # after publishing: not in the public numbers until published again
    page = Client().get("/en/statistics/").content.decode()
    assert 'data-stat="total">fewer than 5<' in page and "Online grooming" in page  # 4 reports: suppressed
    assert not any(r.tracking_code in page for r in stats_reports)
    km = Client().get("/km/statistics/").content.decode()
    assert 'data-stat="total">តិចជាង ៥<' in km


def test_khmer_staff_pages(analyst: User) -> None:
    r = report(category="grooming")
    client = signed_in(analyst)
    queue = client.get("/km/staff/").content.decode()
    assert 'lang="km"' in queue and "របាយការណ៍" in queue
    detail = client.get(f"/km/staff/reports/{r.pk}/").content.decode()
    assert "សកម្មភាព" in detail  # "Actions"


def test_permissions_come_from_the_groups() -> None:
    analysts, supervisors = ensure_groups()
    assert analysts.permissions.filter(codename="work_cases").exists()
    assert not analysts.permissions.filter(codename="supervise_cases").exists()
    assert set(supervisors.permissions.values_list("codename", flat=True)) >= {"work_cases", "supervise_cases"}
    assert Permission.objects.filter(codename="supervise_cases").count() == 1

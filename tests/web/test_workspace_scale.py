"""The workspace at scale: the generated workload, keyset pages of the queue, counts by the database,
queries per page that do not grow with the number of reports, date ranges, and take-next under
concurrent analysts (real threads, each with its own database connection; SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.web.cases import services, workload
from hotline.web.cases.models import AuditEvent, Case
from hotline.web.reports.models import Report
from tests.conftest import REPO
from tests.web import take_next_race
from tests.web.test_cases import make_user, signed_in

NEXT = re.compile(r'href="\?([^"]*after=[^"]*)"[^>]*data-next-page')
ROW = re.compile(r'<tr data-report="([A-Z0-9]{8})">')


def _pages(client: Any, query: str = "") -> list[list[str]]:
    pages, url = [], f"/en/staff/?{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(ROW.findall(html))
        found = NEXT.search(html)
        url = f"/en/staff/?{found.group(1).replace('&amp;', '&')}" if found else ""
        assert len(pages) < 50
    return pages


@pytest.mark.django_db
def test_workload_writes_a_realistic_spread() -> None:
    counts = workload.generate(400)
    reports = Report.objects.filter(source=workload.SOURCE)
    assert counts["reports"] == reports.count() == 400
    assert counts["status_changes"] > 400 and counts["evidence"] > 20 and counts["removals"] > 0
    assert len(set(reports.values_list("category", flat=True))) >= 5
    assert len(set(reports.values_list("status", flat=True))) >= 5
    oldest = min(reports.values_list("created_at", flat=True))
    assert (timezone.now() - oldest).days > 300
    # Dates were kept (not overwritten by auto_now_add): history follows the report.
    first = reports.filter(history__isnull=False).first()
    assert first is not None and first.history.first().created_at >= first.created_at


@pytest.mark.django_db
def test_queue_pages_cover_every_open_report_once_in_order() -> None:
    workload.generate(260)
    supervisor = User.objects.get(username="load-analyst-1")
    client = signed_in(supervisor)
    pages = _pages(client)
    seen = [code for page in pages for code in page]
    open_codes = set(Report.objects.filter(status__in=services.OPEN_STATUSES).values_list("tracking_code", flat=True))
    assert len(pages) >= 2 and all(len(p) == services.PAGE_SIZE for p in pages[:-1])
    assert len(seen) == len(set(seen)) and set(seen) == open_codes
    order = {r.tracking_code: (-r.queue_priority, r.created_at, r.pk)
             for r in Report.objects.filter(tracking_code__in=seen)}
    assert [order[c] for c in seen] == sorted(order[c] for c in seen)
    # Filtered pages too (the next link keeps the filters).
    grooming = [c for page in _pages(client, "category=grooming") for c in page]
    assert set(grooming) == set(Report.objects.filter(status__in=services.OPEN_STATUSES, category="grooming")
                                .values_list("tracking_code", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["x", "1~not-a-date~3", "1~2024-01-01T00:00:00~x", "~~", "9" * 90])
def test_an_unreadable_cursor_gives_the_first_page(cursor: str) -> None:
    workload.generate(80)
    client = signed_in(User.objects.get(username="load-analyst-1"))
    first = ROW.findall(client.get("/en/staff/").content.decode())
    response = client.get("/en/staff/", {"after": cursor})
    assert response.status_code == 200 and ROW.findall(response.content.decode()) == first


@pytest.mark.django_db
def test_counts_above_the_queue_agree_with_the_rows() -> None:
    workload.generate(300)
    user = User.objects.get(username="load-analyst-2")
    counts = services.queue_counts(user)
    rows = list(Report.objects.select_related("case"))
    open_rows = [r for r in rows if r.status in services.OPEN_STATUSES]
    assert counts["open"] == len(open_rows)
    assert counts["high_risk"] == sum(r.risk in ("high", "critical") for r in open_rows)
    assert counts["mine"] == Case.objects.filter(analyst=user, report__status__in=services.OPEN_STATUSES).count()
    assigned = set(Case.objects.filter(analyst__isnull=False).values_list("report_id", flat=True))
    assert counts["unassigned"] == sum(r.pk not in assigned for r in open_rows)
    by_status = {value: n for value, _label, n in counts["by_status"]}
    assert sum(by_status.values()) == len(rows)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_queries_per_page_do_not_grow_with_the_number_of_reports() -> None:
    workload.generate(60)
    client = signed_in(User.objects.get(username="load-analyst-1"))
    analysed = Report.objects.filter(evidence__isnull=False).order_by("id").first()
    urls = ("/en/staff/", "/en/staff/?category=grooming&risk=high", "/en/staff/statistics/",
            f"/en/staff/reports/{analysed.pk}/")
    for url in urls:  # the first view of the statistics computes them; later views read the last refresh
        _queries(client, url)
    before = [_queries(client, url) for url in urls]
    workload.generate(240, seed=3)
    assert [_queries(client, url) for url in urls] == before


@pytest.mark.django_db
def test_date_range_filters_the_queue() -> None:
    workload.generate(200)
    client = signed_in(User.objects.get(username="load-analyst-1"))
    today = timezone.localdate()
    start = today - timezone.timedelta(days=20)
    codes = [c for page in _pages(client, f"received_from={start}&received_to={today}") for c in page]
    expected = {r.tracking_code for r in Report.objects.filter(status__in=services.OPEN_STATUSES)
                if timezone.localdate(r.created_at) >= start}
    assert codes and set(codes) == expected
    assert client.get("/en/staff/", {"received_from": "31/31/2024"}).status_code == 200


@pytest.mark.django_db
def test_take_next_assigns_the_top_unassigned_report_and_says_when_none_is_left() -> None:
    workload.generate(40)
    Case.objects.update(analyst=None)
    analyst = make_user("taker")
    client = signed_in(analyst)
    top = services.queue(services.QueueFilters(assigned="unassigned"), analyst).first()
    response = client.post("/en/staff/next/")
    assert response.status_code == 302 and response["Location"].endswith(f"/staff/reports/{top.pk}/")
    assert Case.objects.get(report=top).analyst == analyst
    assert AuditEvent.objects.filter(action="assign", report=top, user=analyst).exists()
    Case.objects.filter(analyst__isnull=True).update(analyst=analyst)
    Report.objects.exclude(case__isnull=False).update(status="closed")
    response = client.post("/en/staff/next/", follow=True)
    assert response.status_code == 200 and "No report is waiting" in response.content.decode()
    assert client.get("/en/staff/next/").status_code == 405


def _check_race(result: dict[str, Any]) -> None:
    assert not result["errors"], result["errors"]
    got = [pk for pks in result["taken"].values() for pk in pks]
    assert len(got) == take_next_race.ANALYSTS * take_next_race.PRESSES
    assert len(set(got)) == len(got), "two analysts got the same report"
    for user_pk, pks in result["taken"].items():
        assert all(result["held"][str(pk)] == int(user_pk) for pk in pks)
    assert result["audits"] == len(got)


@pytest.mark.django_db(transaction=True)
def test_analysts_pressing_take_next_at_once_never_get_the_same_report(tmp_path: Path) -> None:
    if connection.vendor == "postgresql":
        _check_race(take_next_race.race(take_next_race.prepare()))
        return
    # SQLite: the test database is in memory and shared between threads (it locks instead of waiting),
    # so the race runs as a program against a file database, as the site uses.
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hotline.web.settings.local"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "tests.web.take_next_race"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    _check_race(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.django_db
def test_audit_page_is_for_supervisors_filterable_and_read_only() -> None:
    workload.generate(50)
    supervisor = User.objects.get(username="load-analyst-1")
    analyst = User.objects.get(username="load-analyst-2")
    assert signed_in(analyst).get("/en/staff/audit/").status_code == 403
    client = signed_in(supervisor)
    html = client.get("/en/staff/audit/").content.decode()
    assert "data-audit=" in html
    report = Report.objects.filter(history__isnull=False).first()
    html = client.get("/en/staff/audit/", {"tracking_code": report.tracking_code.lower(), "action": "status"}).content.decode()
    rows = re.findall(r'<tr data-audit="([a-z_]+)">', html)
    assert rows and set(rows) == {"status"} and html.count(report.tracking_code) >= len(rows)
    html = client.get("/en/staff/audit/", {"action": "reveal_image"}).content.decode()
    assert "No entries match" in html
    assert client.get("/en/staff/audit/", {"since": "not a date", "user": "x"}).status_code == 200
    assert client.post("/en/staff/audit/").status_code == 405
    # Older pages: every entry once.
    seen, url = [], "/en/staff/audit/"
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'<tr data-audit="[a-z_]+">\s*<td><time datetime="([^"]+)"', page)
        found = re.search(r'href="\?([^"]*before=[^"]*)"', page)
        url = f"/en/staff/audit/?{found.group(1).replace('&amp;', '&')}" if found else ""
    assert len(seen) == AuditEvent.objects.count()


@pytest.mark.django_db
def test_statistics_by_period_and_month_are_counted_by_the_database() -> None:
    from hotline.web.cases import stats

    workload.generate(300)
    rows = list(Report.objects.exclude(source="demo").values_list("created_at", flat=True))
    expected: dict[str, int] = {}
    for created in rows:
        key = timezone.localtime(created).strftime("%Y-%m")
        expected[key] = expected.get(key, 0) + 1
    numbers = stats.compute()
    assert dict(numbers["month"]) == expected
    today = timezone.localdate()
    since = today - timezone.timedelta(days=60)
    period = stats.compute(since=since, until=today)
    assert period["total"] == sum(timezone.localdate(c) >= since for c in rows) < numbers["total"]
    client = signed_in(User.objects.get(username="load-analyst-1"))
    html = client.get("/en/staff/statistics/", {"since": str(since), "until": str(today)}).content.decode()
    assert "data-period" in html
    csv_text = client.get("/en/staff/statistics.csv", {"since": str(since)}).content.decode()
    assert f"totals,total,{period['total']}" in csv_text
    assert client.get("/en/staff/statistics/", {"since": "yesterday"}).status_code == 200


def test_charts_are_svg_drawn_on_the_server_with_suppressed_cells_as_outlines() -> None:
    from hotline.web.cases.templatetags.charts import bar_chart

    bars = str(bar_chart([("Facebook", 40), ("TikTok", 10), ("<b>x</b>", "<5")], "platform"))
    assert bars.startswith("<svg") and bars.count("<rect") == 3
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', bars)]
    assert widths[0] == 4 * widths[1] and "stroke-dasharray" in bars and "<b>" not in bars
    months = str(bar_chart([("2025-01", 3), ("2025-02", 9), ("2025-03", 6)], "month"))
    heights = [int(h) for h in re.findall(r'height="(\d+)" fill', months)]
    assert len(heights) == 3 and heights[0] < heights[2] < heights[1]
    assert "2025-01" in months and "2025-03" in months
    assert str(bar_chart([], "month")) == ""


@pytest.mark.django_db
def test_statistics_pages_show_a_chart_per_section() -> None:
    workload.generate(120)
    client = signed_in(User.objects.get(username="load-analyst-1"))
    html = client.get("/en/staff/statistics/").content.decode()
    assert html.count('data-chart="') >= 4 and html.count("<svg") >= 4 and "<script" not in html
    client.post("/en/staff/statistics/publish/")
    public = client.get("/en/statistics/").content.decode()
    figures = re.findall(r'<figure class="chart-wrap"[^>]*>(.*?)</figure>', public, re.S)
    assert figures and all("<svg" in f and "<script" not in f for f in figures if f)


def test_the_partial_index_covers_exactly_the_open_statuses() -> None:
    index = next(i for i in Report._meta.indexes if i.name == "report_open_queue")
    assert index.condition is not None
    (lookup, statuses), = index.condition.children
    assert lookup == "status__in" and tuple(statuses) == services.OPEN_STATUSES

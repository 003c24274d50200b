"""Public numbers that cannot point at a person: nationality from a list, suppression of small counts
(and of the cells that would let a reader subtract one back), demo reports never counted, the public
page and the home counters reading only the published snapshot."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from hotline.web.cases import stats
from hotline.web.cases.models import PublishedStatistics
from hotline.web.reports import nationality, services
from hotline.web.reports.models import Report
from hotline.web.staff.roles import ensure_groups

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def supervisor() -> User:
    _analysts, supervisors = ensure_groups()
    user = User.objects.create_user("supervisor", "", "a long password 123", is_staff=True)
    user.groups.add(supervisors)
    return User.objects.get(pk=user.pk)


def _report(**fields: Any) -> Report:
    fields.setdefault("category", "grooming")
    fields.setdefault("platform", "facebook")
    fields.setdefault("description", "test report")
    return services.create_report(**fields).report


# --- nationality ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("Cambodian", "KH"), (" khmer ", "KH"), ("ខ្មែរ", "KH"), ("Viet-Nam", "VN"), ("Thailand", "TH"),
    ("ថៃ", "TH"), ("kh", "KH"), ("TH", "TH"), ("", "unknown"), ("don't know", "unknown"),
    ("my uncle Sok Dara, teacher at Kampot High School", "other"), ("Martian", "other"), ("other", "other"),
])
def test_free_text_maps_to_a_code_never_to_itself(text: str, code: str) -> None:
    assert nationality.from_text(text) == code
    assert stats.nationality_key(text) == code


def test_the_list_has_every_iso_country_and_khmer_names() -> None:
    from django.utils import translation

    assert {"KH", "TH", "VN", "US", "unknown", "other"} <= nationality.codes()
    assert len(nationality.codes()) > 240
    with translation.override("km"):
        assert nationality.label("TH") == "ថៃ"
        assert nationality.choices()[0][0] == "unknown" and nationality.choices()[-1][0] == "other"
    with translation.override("en"):
        assert nationality.label("KH") == "Cambodia"


# --- suppression ------------------------------------------------------------------------------------------

def _possible_values(cells: list[Any], total: Any) -> list[set[int]]:
    """Every value each hidden cell can take, given what was published (brute force: a reader's view)."""
    low, high = (1, 4) if total == stats.FEWER else (int(total), int(total))
    shown = sum(v for v in cells if isinstance(v, int))
    hidden = [v for v in cells if not isinstance(v, int)]
    ranges = [range(1, 5) if v == stats.FEWER else range(5, max(high, 5) + 1) for v in hidden]
    possible: list[set[int]] = [set() for _ in hidden]
    for combo in itertools.product(*ranges):
        if low <= shown + sum(combo) <= high:
            for i, value in enumerate(combo):
                possible[i].add(value)
    return possible


@pytest.mark.parametrize("counts", [
    [7, 1], [8, 8, 1], [5, 4], [1, 5], [12, 3, 2], [6, 1, 1, 1], [4, 4], [1, 1, 1, 1], [9], [3], [2, 2],
    [30, 20, 10, 4, 1],
])
def test_no_suppressed_cell_can_be_recovered_from_the_total(counts: list[int]) -> None:
    exact = {"total": sum(counts), "platform": [[f"p{i}", n] for i, n in enumerate(counts)]}
    published = stats.suppress({**{k: 0 for k in stats.TOTALS}, **{s: [] for s in stats.SECTIONS}, **exact})
    total = published["total"]
    assert total == (stats.FEWER if sum(counts) < 5 else sum(counts))
    if "platform" in published["withheld"]:
        assert published["platform"] == []
        return
    cells = [value for _key, value in published["platform"]]
    assert all(not isinstance(v, int) or v >= 5 for v in cells)  # nothing from 1 to 4 shown
    assert sorted(k for k, _v in published["platform"]) == sorted(f"p{i}" for i in range(len(counts)))
    for possible in _possible_values(cells, total):
        assert len(possible) >= 2, (counts, published["platform"])


def test_random_sections_never_leak_a_small_cell() -> None:
    rng = random.Random(8)
    for _ in range(300):
        counts = [rng.choice([1, 2, 3, 4, 5, 6, 7, 9, 15]) for _ in range(rng.randint(1, 5))]
        test_no_suppressed_cell_can_be_recovered_from_the_total(counts)


def test_demo_reports_never_count() -> None:
    _report(source="demo", offender_nationality="TH")
    _report(offender_nationality="KH")
    numbers = stats.compute()
    assert numbers["total"] == 1 and dict(numbers["nationality"]) == {"KH": 1}


# --- the public page and the home counters ------------------------------------------------------------------

def test_public_page_shows_fewer_than_5_and_no_free_text(supervisor: User) -> None:
    for i in range(12):
        _report(platform="facebook" if i < 9 else "tiktok",
                offender_nationality="KH" if i < 6 else ("TH" if i < 10 else "other"))
    Report.objects.filter(pk=Report.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        offender_nationality="Sok Dara")  # free text left behind by the old form (8 characters fit)
    stats.publish(supervisor)
    snapshot = PublishedStatistics.objects.get()
    assert snapshot.data["total"] == 12
    assert dict(snapshot.data["platform"])["tiktok"] == stats.FEWER
    assert dict(snapshot.data["platform"])["facebook"] == stats.WITHHELD  # 12 − 9 would give tiktok's 3
    page = Client().get("/en/statistics/").content.decode()
    assert "fewer than 5" in page and "Sok Dara" not in page
    assert 'data-stat="total">12<' in page
    km = Client().get("/km/statistics/").content.decode()
    assert "តិចជាង ៥" in km


def test_home_counters_read_the_published_snapshot_only(supervisor: User) -> None:
    for _ in range(6):
        _report()
    home = Client().get("/en/").content.decode()
    assert 'data-counter="received">0<' in home
    stats.publish(supervisor)
    _report()  # after publishing: not counted until the next publication
    home = Client().get("/en/").content.decode()
    assert 'data-counter="received">6<' in home
    assert 'data-counter="assessed">0<' in home


def test_staff_page_reads_the_refreshed_numbers(supervisor: User) -> None:
    client = Client()
    client.force_login(supervisor)
    session = client.session
    from hotline.web.staff.second_factor import SESSION_KEY

    session[SESSION_KEY] = True
    session.save()
    _report()
    assert 'data-stat="total">1<' in client.get("/en/staff/statistics/").content.decode()
    _report()
    assert 'data-stat="total">1<' in client.get("/en/staff/statistics/").content.decode()  # cached
    from hotline.web.cases.tasks import refresh_statistics

    refresh_statistics.enqueue()
    assert 'data-stat="total">2<' in client.get("/en/staff/statistics/").content.decode()


def test_old_snapshots_are_rewritten_to_codes_and_suppressed() -> None:
    from hotline.web.cases.stats import rewrite_snapshot

    old = {"generated_at": "2024-03-01T00:00:00+07:00", "total": 9, "assessed": 2, "forwarded": 1,
           "removed_reports": 1, "removals": 1, "platform": [["facebook", 9]], "category": [["grooming", 9]],
           "month": [["2024-02", 9]], "removals_by_month": [["2024-02", 1]],
           "nationality": [["KH", 6], ["my uncle sok dara, teacher at kampot high school", 2], ["unknown", 1]]}
    new = rewrite_snapshot(old)
    assert "sok dara" not in str(new).casefold()
    assert {k for k, _v in new["nationality"]} <= {"KH", "other", "unknown"}
    assert new["assessed"] == stats.FEWER and new["total"] == 9
    assert rewrite_snapshot(new) == new  # a second run changes nothing

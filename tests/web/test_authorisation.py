"""Who may open what, generated from the URL configuration × the roles, so that a new URL cannot be
forgotten: every URL the site resolves must have a rule here, or this test fails.

Roles: anonymous, a reporter who typed a wrong PIN, an analyst (not working on the report), a supervisor,
an administrator (superuser). Staff have passed the second factor (its enforcement is tested in
test_staff_second_factor). An answer is classified (login, forbidden, refused, not found, ok...) and
compared with what the rule allows for the role; a 500 is never allowed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from hotline.web.cases.models import Forwarding, ReportLink
from hotline.web.reports import services
from hotline.web.staff.roles import ensure_groups
from hotline.web.staff.second_factor import SESSION_KEY

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reporter", "analyst", "supervisor", "admin")
STAFF_ROLES = ("analyst", "supervisor", "admin")
PUBLIC_ANSWERS = frozenset({"ok", "refused", "not_found", "method"})


def allow(**by_role: set[str] | frozenset[str]) -> dict[str, frozenset[str]]:
    return {role: frozenset(by_role.get(role, by_role.get("others", set()))) for role in ROLES}


PUBLIC = allow(others=PUBLIC_ANSWERS)
STAFF = allow(anonymous={"login"}, reporter={"login"}, others={"ok"})
SUPERVISOR = allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden", "refused"},
                   others={"ok"})
ADMIN_SITE = allow(anonymous={"login"}, reporter={"login"}, others={"ok", "forbidden", "not_found"})


@dataclass(frozen=True)
class Rule:
    allowed: dict[str, frozenset[str]]
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, str] = field(default_factory=dict)


#: One rule per URL name (unnamed routes by their pattern). Admin pages: `ADMIN_SITE` unless named here.
RULES: dict[str, Rule] = {
    "public:home": Rule(PUBLIC), "public:learn": Rule(PUBLIC, kwargs={"page": "grooming"}),
    "public:check_chat": Rule(PUBLIC), "public:check_post": Rule(PUBLIC),
    "cases:public_stats": Rule(PUBLIC), "set_language": Rule(PUBLIC, "post", {"language": "en"}),
    "reports:new": Rule(PUBLIC), "reports:thanks": Rule(PUBLIC),
    "reports:status": Rule(PUBLIC, "post", {"code": "{code}", "pin": "000000"}),
    "hashlists:protect": Rule(PUBLIC), "hashlists:withdraw": Rule(PUBLIC, "post", {"case_number": "{code}", "pin": "1"}),
    "api:reports": Rule(PUBLIC, "post", {}), "api:report-status": Rule(PUBLIC, kwargs={"tracking_code": "{code}"}),
    "api:analyze": Rule(allow(others={"unauthorised"}), "post"), "api:openapi": Rule(PUBLIC),
    "api:hashes-match": Rule(allow(others={"unauthorised"}), "post"),
    "api/v1/^(?P<rest>[\\s\\S]*)$": Rule(PUBLIC, kwargs={"rest": "nope"}),
    # Staff here have no enrolled factor: the page tells them to ask for an enrolment link (403).
    "healthz": Rule(PUBLIC),
    "second-factor": Rule(allow(anonymous={"login"}, reporter={"login"}, others={"ok", "forbidden"})),
    "staff-enrol": Rule(PUBLIC, kwargs={"token": "not-a-valid-token"}),
    "cases:queue": Rule(STAFF), "cases:report": Rule(STAFF), "cases:take_next": Rule(STAFF, "post"),
    "cases:stats": Rule(STAFF), "cases:stats_csv": Rule(STAFF),
    "cases:audit": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"}, others={"ok"})),
    "cases:stats_publish": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"}, others={"ok"}),
                                "post"),
    "cases:chat": Rule(STAFF, kwargs={"pk": "{chat}"}), "cases:image": Rule(STAFF, kwargs={"pk": "{image}"}),
    "cases:reveal": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"}, others={"ok"}),
                         "post", kwargs={"pk": "{image}"}),
    "cases:unlink": Rule(STAFF, "post", kwargs={"link_id": "{link}"}),
    "cases:package": Rule(STAFF, kwargs={"pk": "{forwarding}", "kind": "json"}),
    "staff:accounts": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"}, others={"ok"})),
    "staff:account-action": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"},
                                       others={"ok"}), "post", kwargs={"pk": "{clerk}", "action": "unlock"}),
    # The report page's actions, one rule per row of cases.actions.ACTIONS (checked below).
    "cases:action take": Rule(STAFF, "post", kwargs={"action": "take"}),
    "cases:action link": Rule(STAFF, "post", {"tracking_code": "{other_code}"}, {"action": "link"}),
    "cases:action assign": Rule(SUPERVISOR, "post", {"analyst": ""}, {"action": "assign"}),
    "cases:action status": Rule(SUPERVISOR, "post", {"status": "in_review"}, {"action": "status"}),
    "cases:action forward": Rule(SUPERVISOR, "post", {"recipient": "police", "forwarded_on": "2024-05-01",
                                                      "classification": "baseline"},
                                 {"action": "forward"}),
    "cases:action removal": Rule(SUPERVISOR, "post", {"url": "https://example.com/x", "removed_on": "2024-05-01"},
                                 {"action": "removal"}),
    "cases:action hash": Rule(SUPERVISOR, "post", {"list_name": "hotline-assessed"}, {"action": "hash"}),
    "cases:action hold": Rule(SUPERVISOR, "post", {"hold": "on"}, {"action": "hold"}),
    "cases:action verdict": Rule(STAFF, "post", {"evidence": "{chat}", "target": "risk", "risk": "none"},
                                 {"action": "verdict"}),
    # Reports in the admin: analysts see none of them (their content is read in the workspace, audited).
    "admin:reports_report_changelist": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"},
                                                  others={"ok"})),
    "admin:reports_report_change": Rule(allow(anonymous={"login"}, reporter={"login"}, analyst={"forbidden"},
                                              others={"ok"}), kwargs={"object_id": "{report}"}),
    "admin:login": Rule(PUBLIC), "admin:logout": Rule(PUBLIC),  # GET: 405 (a POST would sign the roles out)
    "admin:jsi18n": Rule(allow(anonymous={"login"}, reporter={"login"}, others={"ok"})),
}


def _routes(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    """(name or pattern, full route, pattern) for every URL the site resolves."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            yield (namespace + p.name if p.name else route), route, p


def _site_routes() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for key, route, _pattern in _routes(get_resolver().url_patterns):
        found.setdefault(key, route)
    return sorted(found.items())


def _classify(response: HttpResponse) -> str:
    code, where = response.status_code, response.get("Location", "")
    if code in (301, 302) and where.startswith("/admin/login/"):
        return "login"
    if code in (301, 302) and where.startswith("/admin-2fa/"):
        return "second_factor"
    return {401: "unauthorised", 403: "forbidden", 400: "refused", 429: "refused", 404: "not_found",
            405: "method"}.get(code, "ok" if code < 400 else f"error {code}")


def _image() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world() -> dict[str, Any]:
    cache.clear()
    analysts, supervisors = ensure_groups()
    users = {"analyst": User.objects.create_user("analyst", "", "x" * 16, is_staff=True),
             "supervisor": User.objects.create_user("supervisor", "", "x" * 16, is_staff=True),
             "admin": User.objects.create_superuser("admin", "", "x" * 16),
             "clerk": User.objects.create_user("clerk", "", "x" * 16, is_staff=True)}
    users["analyst"].groups.add(analysts)
    users["clerk"].groups.add(analysts)
    users["supervisor"].groups.add(supervisors)
    chat = b"01/03/2024, 20:01 - A: hi\n01/03/2024, 20:02 - B: hello\n"
    receipt = services.create_report(category="grooming", platform="whatsapp", description="secret words",
                                     contact="contact-marker", urls=["https://example.com/shared"],
                                     files=[(chat, "c.txt"), (_image(), "s.png")])
    other = services.create_report(category="other", platform="other", urls=["https://example.com/shared"])
    report = receipt.report
    link = ReportLink.objects.filter(report__in=[report, other.report]).first()
    forwarding = Forwarding.objects.create(report=report, recipient="police", forwarded_on="2024-05-01",
                                           classification="baseline", created_by=users["supervisor"])
    clients: dict[str, Client] = {"anonymous": Client(), "reporter": Client()}
    clients["reporter"].post("/en/report/status/", {"code": receipt.tracking_code, "pin": "000000"})
    for role in STAFF_ROLES:
        client = Client()
        client.force_login(users[role])
        session = client.session
        session[SESSION_KEY] = True
        session.save()
        clients[role] = client
    values = {"code": receipt.tracking_code, "other_code": other.tracking_code, "report": str(report.pk),
              "chat": str(report.evidence.get(kind="chat").pk), "image": str(report.evidence.get(kind="screenshot").pk),
              "link": str(link.pk) if link else "0", "clerk": str(users["clerk"].pk),
              "forwarding": str(forwarding.pk)}
    return {"clients": clients, "values": values, "report": report}


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values) if "{" in template else template


def _path(route: str, rule: Rule, values: dict[str, str]) -> str:
    """The route with its parameters filled: the rule's own, else the report's pk and sensible defaults."""
    defaults = {"pk": values["report"], "object_id": values["report"], "app_label": "reports",
                "content_type_id": "1", "id": values["report"], "link_id": values["link"]}
    path = route.replace("^", "").replace("$", "")
    for name, value in {**defaults, **rule.kwargs}.items():
        value = _fill(value, values)
        for converter in ("int", "str", "slug", "path"):
            path = path.replace(f"<{converter}:{name}>", value)
        path = path.replace(f"<{name}>", value)
    path = path.replace("(?P<rest>[\\s\\S]*)", _fill(rule.kwargs.get("rest", ""), values))
    return "/" + path


def test_every_url_has_a_rule() -> None:
    routes = _site_routes()
    missing = [key for key, route in routes if key not in RULES and key != "cases:action"
               and not (key.startswith("admin:") or route.startswith("admin/"))]
    assert missing == [], f"add a rule to tests/web/test_authorisation.py for: {missing}"


def test_every_case_action_has_a_rule() -> None:
    from hotline.web.cases.actions import ACTIONS

    assert sorted(k.split(" ", 1)[1] for k in RULES if k.startswith("cases:action ")) == sorted(ACTIONS)


def test_urls_by_role(world: dict[str, Any]) -> None:
    failures = []
    routes = dict(_site_routes())
    checks = [(key, routes.get(key.split(" ", 1)[0]), rule) for key, rule in RULES.items()]
    admin_routes = [(key, route, RULES.get(key, Rule(ADMIN_SITE))) for key, route in routes.items()
                    if (key.startswith("admin:") or route.startswith("admin/")) and key not in RULES
                    and "(?P<" not in route]
    for key, route, rule in [*checks, *admin_routes]:
        if route is None:
            continue  # a rule for a URL this checkout does not have (yet)
        path = _path(route, rule, world["values"])
        data = {k: _fill(str(v), world["values"]) for k, v in rule.data.items()}
        for role in ROLES:
            cache.clear()
            client = world["clients"][role]
            if key.startswith("api:") and rule.method == "post":
                response = getattr(client, rule.method)(path, data="{}", content_type="application/json")
            else:
                response = getattr(client, rule.method)(path, data)
            answer = _classify(response)
            if answer not in rule.allowed[role]:
                failures.append(f"{role:10} {rule.method.upper():4} {path}: {answer} (allowed: {sorted(rule.allowed[role])})")
            if role in ("anonymous", "reporter") and response.status_code == 200:
                assert b"contact-marker" not in response.content and b"secret words" not in response.content, path
    assert not failures, "\n".join(failures)


def test_the_admin_shows_no_report_content(world: dict[str, Any]) -> None:
    page = world["clients"]["supervisor"].get(f"/admin/reports/report/{world['report'].pk}/change/")
    assert page.status_code == 200
    assert b"contact-marker" not in page.content and b"secret words" not in page.content

"""Duplicate reports: found by the same link, the same offender account or phone number, or the same (or a
similar) image. Links, accounts and phones are compared as keyed hashes (HMAC with a key id, see
`hotline.web.keys`) of their normalised form: the index holds no readable link or account name.

    normalize_url(url) -> str              the form two spellings of one link share
    refresh_keys(report)                   re-index a report's links and offender account
    link_by_keys(report) -> list[ReportLink]          same_url / same_account links for a report
    record_image_hashes(evidence, hashes) / link_by_images(evidence, matches)   same_image links
    link_reports(a, b, reason, ...) / unlink(link, user)   by hand (and used by the above)
    linked_reports(report) -> list[tuple[ReportLink, Report]]   both directions
    refresh_linked_priority(reports)       linked high-risk reports raise each other's queue priority

URL normalisation is written here rather than taken from a URL library because what matters is
platform-specific (m./web./www. hosts of one site, tracking parameters that platforms add to shared
links); the parsing itself is the standard library's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import phonenumbers
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q

from hotline.detect.media.hashes import PdqHash
from hotline.detect.media.index import NumpyPdqIndex
from hotline.web import keys
from hotline.web.reports.models import RISK_RANK, Evidence, Report, Risk

from .models import Case, EvidenceImageHash, LinkKey, LinkReason, ReportLink

#: Host prefixes that serve the same page as the bare host.
_HOST_PREFIXES = ("www.", "m.", "mobile.", "web.", "touch.", "mbasic.")
#: Hosts that are another name of one site.
_HOST_ALIASES = {"fb.com": "facebook.com", "fb.me": "facebook.com", "instagr.am": "instagram.com",
                 "telegram.me": "t.me", "wa.me": "whatsapp.com", "twitter.com": "x.com"}
#: Query parameters that track who shared a link, not what it points at.
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|igshid|igsh|si|ref|ref_src|mibextid|s|_rdr|__cft__.*|__tn__|"
                       r"sharer_id|share_id|is_from_webapp|sender_device|rdid|_t|_r)$")
_MIN_NAME = 3
#: The keyed-hash purpose of link keys (a hash made for a PIN can never match one).
LINK_PURPOSE = "link"


def normalize_url(url: str) -> str:
    """A link as two reporters of the same page would most likely both reduce to: scheme and fragment
    dropped, host lower-cased without www./m. and aliases, tracking parameters removed, the rest of
    the query sorted, no trailing slash. Case in the path is kept (it matters on many sites)."""
    text = url.strip()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return text.lower()
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix):]
            break
    host = _HOST_ALIASES.get(host, host)
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False)
                   if not _TRACKING.match(k.lower()))
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return urlunsplit(("", host, path, urlencode(query), "")).lstrip("/")


def normalize_account(name: str) -> str:
    """An account name as typed by different people: case, a leading @ and spaces do not count."""
    return re.sub(r"\s+", "", name.strip().lstrip("@").casefold())


def normalize_phone(text: str) -> str:
    """A phone number as E.164 ("+85512345678"), read as Cambodian when it has no country code; "" when
    the text is not a phone number."""
    digits = re.sub(r"[\s().-]", "", text.strip())
    if not re.fullmatch(r"\+?\d{8,15}", digits):
        return ""
    try:
        number = phonenumbers.parse(digits, "KH")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def report_keys(report: Report, urls: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """(key, source) pairs a report is found by, in clear (they are stored only as keyed hashes).
    `urls`: the report's links when the caller holds them (else they are read)."""
    found: set[tuple[str, str]] = set()
    for url in (report.urls.values_list("url", flat=True) if urls is None else urls):
        if norm := normalize_url(url):
            found.add(("url:" + norm, "url"))
    if report.offender_profile_url and (norm := normalize_url(report.offender_profile_url)):
        found.add(("url:" + norm, "profile"))
        if norm.startswith("whatsapp.com/") and (phone := normalize_phone(norm.split("/", 1)[1])):
            found.add(("phone:" + phone, "phone"))
    if phone := normalize_phone(report.offender_name):
        found.add(("phone:" + phone, "phone"))
    name = normalize_account(report.offender_name)
    if len(name) >= _MIN_NAME:
        found.add((f"name:{report.platform}:{name}", "name"))
    return found


def _hashed(key: str) -> str:
    return keys.keyed_hash(LINK_PURPOSE, key)


def refresh_keys(report: Report) -> None:
    """Store the report's keys as keyed hashes under the newest key (old-key rows are replaced)."""
    wanted = {(_hashed(k), s) for k, s in report_keys(report)}
    stored = set(LinkKey.objects.filter(report=report).values_list("key", "source"))
    for key, source in stored - wanted:
        LinkKey.objects.filter(report=report, key=key, source=source).delete()
    LinkKey.objects.bulk_create([LinkKey(report=report, key=k, source=s) for k, s in wanted - stored],
                                ignore_conflicts=True)


def link_reports(a: Report, b: Report, reason: str, *, detail: str = "",
                 user: AbstractBaseUser | None = None) -> ReportLink | None:
    """Link two reports (idempotent). An earlier unlink by an analyst is respected for automatic links;
    linking by hand brings it back. None when a and b are the same report."""
    if a.pk == b.pk:
        return None
    low, high = (a, b) if a.pk < b.pk else (b, a)
    link = ReportLink.objects.filter(report=low, other=high, reason=reason).first()
    if link is not None:
        if not link.active and user is not None:
            link.active, link.created_by = True, user
            link.save(update_fields=["active", "created_by"])
        return link
    try:
        with transaction.atomic():
            link = ReportLink.objects.create(report=low, other=high, reason=reason, detail=detail[:300],
                                             created_by=user)
    except IntegrityError:  # a concurrent worker linked them first
        return ReportLink.objects.filter(report=low, other=high, reason=reason).first()
    refresh_linked_priority([low, high])
    return link


def unlink(link: ReportLink) -> None:
    """Mark a link wrong; it stays recorded (inactive) so that automatic linking leaves it alone."""
    link.active = False
    link.save(update_fields=["active"])
    refresh_linked_priority([link.report, link.other])


def link_by_keys(report: Report) -> list[ReportLink]:
    """Index the report's links and account, then link it to every report sharing one."""
    refresh_keys(report)
    # Every key under every HMAC key id, so that reports hashed before a rotation are still found.
    mine: dict[str, tuple[str, str]] = {}
    for raw, source in report_keys(report):
        for hashed in keys.keyed_hashes(LINK_PURPOSE, raw):
            mine[hashed] = (raw, source)
    if not mine:
        return []
    links = []
    others = (LinkKey.objects.filter(key__in=list(mine)).exclude(report=report)
              .select_related("report").order_by("report_id"))
    for hit in others:
        raw, my_source = mine[hit.key]
        both_reported = hit.source == "url" and my_source == "url"
        reason = LinkReason.SAME_URL if both_reported else LinkReason.SAME_ACCOUNT
        detail = raw.split(":", 1)[1] if raw.startswith(("url:", "phone:")) else raw.rsplit(":", 1)[-1]
        link = link_reports(report, hit.report, reason, detail=detail)
        if link is not None:
            links.append(link)
    return links


#: A new report is linked to at most this many reports per key (the most recent): a link shared by
#: hundreds of reports would otherwise add hundreds of links to each new one, and its priority refresh
#: would read the whole group. The group stays connected through its recent members.
MAX_AUTO_LINKS_PER_KEY = 50


def link_new_report(report: Report, urls: Iterable[str]) -> list[ReportLink]:
    """`link_by_keys` for a report just inserted, in a handful of statements: it has no stored keys and no
    links yet, so its keys are inserted and its duplicates found and linked in bulk, then the linked
    priority of the reports involved is refreshed once."""
    found = report_keys(report, urls)
    if not found:
        return []
    LinkKey.objects.bulk_create([LinkKey(report=report, key=_hashed(k), source=s) for k, s in found],
                                ignore_conflicts=True)
    mine: dict[str, tuple[str, str]] = {}
    for raw, source in found:
        for hashed in keys.keyed_hashes(LINK_PURPOSE, raw):
            mine[hashed] = (raw, source)
    hits = (LinkKey.objects.filter(key__in=list(mine)).exclude(report=report)
            .order_by("-report_id").values_list("key", "source", "report_id"))
    wanted: dict[tuple[int, str], str] = {}
    per_key: dict[str, int] = {}
    for key, source, other in hits:
        if per_key.get(key, 0) >= MAX_AUTO_LINKS_PER_KEY:
            continue
        per_key[key] = per_key.get(key, 0) + 1
        raw, my_source = mine[key]
        reason = LinkReason.SAME_URL if source == "url" and my_source == "url" else LinkReason.SAME_ACCOUNT
        detail = raw.split(":", 1)[1] if raw.startswith(("url:", "phone:")) else raw.rsplit(":", 1)[-1]
        wanted.setdefault((other, reason), detail[:300])
    if not wanted:
        return []
    links = [ReportLink(report_id=min(other, report.pk), other_id=max(other, report.pk), reason=reason,
                        detail=detail) for (other, reason), detail in sorted(wanted.items())]
    ReportLink.objects.bulk_create(links, ignore_conflicts=True)
    refresh_linked_priority([report, *Report.objects.filter(pk__in={o for o, _r in wanted})])
    return links


def record_image_hashes(evidence: Evidence, hashes: Iterable[tuple[str, int]]) -> list[str]:
    """Keep the usable PDQ hashes of an evidence image; returns them (low-quality ones are dropped)."""
    kept = sorted({pdq for pdq, quality in hashes if pdq and PdqHash.usable(quality)})
    quality = {pdq: q for pdq, q in hashes if pdq}
    EvidenceImageHash.objects.bulk_create(
        [EvidenceImageHash(evidence=evidence, pdq=pdq, quality=quality[pdq]) for pdq in kept],
        ignore_conflicts=True)
    return kept


def link_by_images(evidence: Evidence, pdqs: Sequence[str], hash_matches: Sequence[dict[str, object]] = (),
                   *, threshold: int = PdqHash.MATCH_THRESHOLD) -> list[ReportLink]:
    """Link the evidence's report to reports holding a similar image (PDQ within `threshold`), and to
    reports whose assessed images were added to a hash list (the entry's reference is their tracking
    code). Earlier evidence is scanned with a NumPy index built per call: fine for a hotline's tens of
    thousands of images; at millions this would move into the hash-list app's persistent FAISS index."""
    report = evidence.report
    links: list[ReportLink] = []
    if pdqs:
        rows = list(EvidenceImageHash.objects.exclude(evidence__report=report)
                    .values_list("id", "pdq", "evidence__report_id"))
        if rows:
            index = NumpyPdqIndex.build([r[1] for r in rows], [r[0] for r in rows])
            report_of = {r[0]: r[2] for r in rows}
            best: dict[int, int] = {}
            for hits in index.query_many(list(pdqs), threshold):
                for hit in hits:
                    rid = report_of[hit.id]
                    best[rid] = min(best.get(rid, hit.distance), hit.distance)
            for other in Report.objects.filter(pk__in=best).order_by("pk"):
                link = link_reports(report, other, LinkReason.SAME_IMAGE, detail=f"{best[other.pk]} bits")
                if link is not None:
                    links.append(link)
    references = {str(m.get("reference", "")) for m in hash_matches if m.get("reference")}
    for other in Report.objects.filter(tracking_code__in=references).exclude(pk=report.pk):
        link = link_reports(report, other, LinkReason.SAME_IMAGE, detail="hash list")
        if link is not None:
            links.append(link)
    return links


def _active_links(report: Report) -> Q:
    return Q(active=True) & (Q(report=report) | Q(other=report))


def linked_reports(report: Report, *, include_inactive: bool = False) -> list[tuple[ReportLink, Report]]:
    """Every link of the report with the report at its other end, whichever side it was stored on."""
    q = (Q(report=report) | Q(other=report)) if include_inactive else _active_links(report)
    out = []
    for link in ReportLink.objects.filter(q).select_related("report", "other"):
        out.append((link, link.other if link.report_id == report.pk else link.report))
    return out


def refresh_linked_priority(reports: Iterable[Report]) -> None:
    """Set each report's linked priority, and that of every report linked to it: the highest risk
    rank among its linked reports, when that is high or critical (a lower risk lends nothing).
    A fixed number of statements whatever the size of the group: links and risks read in two queries,
    cases created in bulk, priorities written grouped by value (only where they change)."""
    todo = {r.pk for r in reports}
    group = list(ReportLink.objects.filter(Q(report__in=todo) | Q(other__in=todo), active=True
                                           ).values_list("report_id", "other_id"))
    if not group:  # linked to nothing (most reports): nothing lent, and no case row needed for that
        Case.objects.filter(report_id__in=todo).exclude(linked_priority=0).update(linked_priority=0)
        Report.objects.filter(pk__in=todo).exclude(linked_priority=0).update(linked_priority=0)
        return
    for a, b in group:
        todo.update((a, b))
    edges = list(ReportLink.objects.filter(Q(report__in=todo) | Q(other__in=todo), active=True
                                           ).values_list("report_id", "other_id"))
    ends = todo | {pk for edge in edges for pk in edge}
    risk_of = dict(Report.objects.filter(pk__in=ends).values_list("pk", "risk"))
    high = RISK_RANK[Risk.HIGH]
    boost = dict.fromkeys(todo, 0)
    for a, b in edges:
        for me, them in ((a, b), (b, a)):
            if me in boost:
                rank = RISK_RANK.get(risk_of.get(them) or "", 0)
                if rank >= high:
                    boost[me] = max(boost[me], rank)
    have = dict(Case.objects.filter(report_id__in=todo).values_list("report_id", "linked_priority"))
    Case.objects.bulk_create([Case(report_id=pk, linked_priority=boost[pk]) for pk in todo if pk not in have],
                             ignore_conflicts=True)
    by_value: dict[int, list[int]] = {}
    for pk, value in boost.items():
        if pk in have and have[pk] != value:
            by_value.setdefault(value, []).append(pk)
    for value, pks in by_value.items():
        Case.objects.filter(report_id__in=pks).update(linked_priority=value)
    for value in set(boost.values()):
        # The queue orders by the report's own copy (an indexed column computed with its priority).
        Report.objects.filter(pk__in=[pk for pk, v in boost.items() if v == value]).exclude(
            linked_priority=value).update(linked_priority=value)


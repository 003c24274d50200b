"""The public pages through Django's test client: every page in both languages, the language switch,
labels on every field, no external assets, and the home page's counters."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

import hotline.web.public

LOCALE = Path(hotline.web.public.__file__).parent / "locale" / "km" / "LC_MESSAGES"


def ensure_messages() -> None:
    """Compile the Khmer catalogue when the .mo is missing or stale (`make messages` does it for CI),
    then drop Django's cached catalogues so the fresh one is used."""
    po, mo = LOCALE / "django.po", LOCALE / "django.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
        trans_real.check_for_language.cache_clear()
    translation.deactivate()


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    ensure_messages()


PAGES = [
    ("home", "/{lang}/"),
    ("check_chat", "/{lang}/check/chat/"),
    ("check_post", "/{lang}/check/post/"),
]
OTHER = {"km": "en", "en": "km"}


class _Page(HTMLParser):
    """Collects what the tests look at: html lang, links, labels, form fields, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.switch: str | None = None
        self.hrefs: list[str] = []
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
            if "data-lang-switch" in a:
                self.switch = a.get("href")
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        if tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a)
        if tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.assets.append(a.get("href") or a.get("src") or "")


def _parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize(("name", "url"), PAGES)
def test_page_in_both_languages(client: Client, lang: str, name: str, url: str) -> None:
    response = client.get(url.format(lang=lang))
    assert response.status_code == 200, name
    page = _parse(response.content.decode())
    assert page.lang == lang
    assert page.switch == url.format(lang=OTHER[lang]), "the switch goes to the same page, other language"
    for field in page.fields:
        assert field.get("id") in page.label_for, f"field without a label: {field}"
    assert all(not re.match(r"^(https?:)?//", asset) for asset in page.assets), page.assets


@pytest.mark.django_db
def test_root_redirects_to_khmer(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/km/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        ("km", ["ពិនិត្យឆាត", "ការជំរិតផ្លូវភេទ", "ទំព័រដើម", "១១៧", "១២៨០"], ["Check a chat", "Sextortion<"]),
        ("en", ["Check a chat", "Sextortion", "Home", "117", "1280"], ["ពិនិត្យឆាត"]),
    ],
)
def test_home_is_translated(client: Client, lang: str, expected: list[str], absent: list[str]) -> None:
    html = client.get(f"/{lang}/").content.decode()
    for text in expected:
        assert text in html, text
    for text in absent:
        assert text not in html, text


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["km", "en"])
def test_navigation_links_every_section(client: Client, lang: str) -> None:
    page = _parse(client.get(f"/{lang}/check/chat/").content.decode())
    for path in ("", "learn/grooming/", "learn/sexting/", "learn/sextortion/", "learn/rules/",
                 "learn/privacy/", "check/chat/", "check/post/"):
        assert f"/{lang}/{path}" in page.hrefs, path
    assert "tel:117" in page.hrefs and "tel:1280" in page.hrefs


@pytest.mark.django_db
def test_home_counters_start_at_zero(client: Client) -> None:
    html = client.get("/en/").content.decode()
    for key in ("received", "assessed", "removed"):
        assert re.search(rf'data-counter="{key}">0<', html), key


@pytest.mark.django_db
def test_home_counters_show_the_published_numbers(client: Client) -> None:
    """Live counts never reach the home page: it shows the last published snapshot (counts below 5 as
    "fewer than 5"), in Khmer digits on Khmer pages."""
    from django.contrib.auth.models import User

    from hotline.web.cases import stats
    from hotline.web.reports import services

    for category in ("grooming", "sextortion") * 3:
        services.create_report(category=category, platform="facebook", description="test")
    assert 'data-counter="received">០<' in client.get("/km/").content.decode()  # nothing published yet
    stats.publish(User.objects.create_user("supervisor"))
    html = client.get("/km/").content.decode()
    assert 'data-counter="received">៦<' in html, "Khmer pages count in Khmer digits"
    assert 'data-counter="removed">០<' in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["grooming", "sexting", "sextortion", "rules", "privacy"])
@pytest.mark.parametrize("lang", ["km", "en"])
def test_learn_pages(client: Client, lang: str, page: str) -> None:
    response = client.get(f"/{lang}/learn/{page}/")
    if response.status_code == 404:
        pytest.skip("awareness page not written yet")
    assert response.status_code == 200
    parsed = _parse(response.content.decode())
    assert parsed.lang == lang
    assert parsed.switch == f"/{OTHER[lang]}/learn/{page}/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/learn/nothing/", "/km/learn/../", "/en/learn/GROOMING/"])
def test_unknown_learn_page_is_404(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_stylesheet_is_served_locally(client: Client) -> None:
    response = client.get("/static/public/hotline.css")
    assert response.status_code == 200
    css = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert "Noto Sans Khmer" in css and "Khmer OS" in css
    assert "@import" not in css and "url(http" not in css


def test_every_khmer_string_is_translated_with_the_same_placeholders() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = [e for e in po.split("\n\n") if "msgid " in e and 'msgid ""\nmsgstr ""\n"Project' not in e]
    assert len(entries) > 100
    for entry in entries:
        assert "#, fuzzy" not in entry, entry
        msgid = "".join(re.findall(r'"(.*)"', entry.split("msgid ", 1)[1].split("\nmsgstr", 1)[0].split("\nmsgid_plural")[0]))
        msgstr = "".join(re.findall(r'"(.*)"', entry.split("\nmsgstr", 1)[1]))
        assert msgstr.strip(), f"untranslated: {msgid}"
        assert re.search(r"[\u1780-\u17FF]", msgstr), f"not Khmer: {msgid}"
        assert sorted(re.findall(r"%\(\w+\)\w", msgid)) == sorted(re.findall(r"%\(\w+\)\w", msgstr)), msgid

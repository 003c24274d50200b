"""The awareness pages (three crimes, five rules, privacy checklist) in Khmer and English.

Two layers, so that the content can be checked before the rest of the public app exists:
- each template's own blocks rendered over a stand-in base and stand-in URL names (this module is the
  URLconf), which tests the content: one h1, Khmer only where it belongs, the advice that must never go
  missing, and the same structure in both languages;
- the real page through the Django test client at /<lang>/learn/<page>/, skipped with the reason while
  the `public:learn` URL, the base template or a linked URL name is not there yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.test import Client, override_settings
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import translation

import hotline.web.public

PAGES = ("grooming", "sexting", "sextortion", "rules", "privacy")
LANGS = ("en", "km")
CASES = [(lang, page) for lang in LANGS for page in PAGES]
LEARN_DIR = Path(hotline.web.public.__file__).resolve().parent / "templates" / "public" / "learn"
PLATFORMS = (
    "Facebook", "Messenger", "Instagram", "TikTok", "LINE", "WhatsApp", "Telegram", "Bigo Live", "Snapchat",
)
#: Khmer block (letters, signs, digits ០-៩) and Khmer symbols.
KHMER = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]")
URL_NAME = re.compile(r"""{%\s*url\s+['"]([\w:]+)['"]""")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
#: Tags whose sequence (with class and id) must be the same in both languages.
STRUCTURAL = frozenset({
    "article", "section", "nav", "div", "h1", "h2", "h3", "ol", "ul", "li", "details", "summary", "input", "a",
})
DO_NOT_PAY = {"en": re.compile(r"\bdo not pay\b", re.IGNORECASE), "km": re.compile("កុំបង់លុយ")}

STUB_BASE = (
    '<!doctype html><html><title>{% block title %}{% endblock %}</title>'
    "<main>{% block content %}{% endblock %}</main></html>"
)


def _stub_view(request: HttpRequest, **kwargs: str) -> HttpResponse:
    return HttpResponse("")


# Stand-in URL names with the same names and arguments as the real ones (used only by the isolated render).
urlpatterns = i18n_patterns(
    path("", include(([
        path("learn/<slug:page>/", _stub_view, name="learn"),
        path("check/chat/", _stub_view, name="check_chat"),
        path("check/post/", _stub_view, name="check_post"),
    ], "public"))),
    path("report/", include(([path("", _stub_view, name="new")], "reports"))),
    path("protect/", include(([path("", _stub_view, name="protect")], "hashlists"))),
    prefix_default_language=True,
)

STUB_SETTINGS = override_settings(
    ROOT_URLCONF=__name__,
    TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": ["django.template.context_processors.i18n"],
            "loaders": [
                ("django.template.loaders.locmem.Loader", {"public/base.html": STUB_BASE}),
                "django.template.loaders.app_directories.Loader",
            ],
        },
    }],
)


def template_name(lang: str, page: str) -> str:
    return f"public/learn/{lang}/{page}.html"


class Outline(HTMLParser):
    """Walks HTML once: the structural skeleton, text per tag, balance of open and close tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skeleton: list[tuple[str, str, str, str]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.texts: list[tuple[tuple[str, ...], str]] = []
        self.ids: list[str] = []
        self.inputs_outside_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if "id" in attr:
            self.ids.append(attr["id"])
        if tag in STRUCTURAL:
            self.skeleton.append((tag, attr.get("class", ""), attr.get("id", ""), attr.get("href", "")))
        if tag == "input" and "label" not in self.stack:
            self.inputs_outside_label += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((tuple(self.stack), data))


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    parser.close()
    if parser.stack:
        parser.errors.append(f"left open: {parser.stack}")
    return parser


def between(html: str, start: str, end: str) -> str:
    """From the first `start` to the first `end` after it, both included ('' if either is absent)."""
    i = html.find(start)
    j = html.find(end, i + len(start)) if i >= 0 else -1
    return html[i:j + len(end)] if i >= 0 and j >= 0 else ""


def article(html: str) -> str:
    """The learn article of a page: the content that this module's templates own."""
    return between(html, '<article class="learn"', "</article>")


def first_section(html: str) -> str:
    return between(html, "<section", "</section>")


def details_for(html: str, platform: str) -> str:
    """The <details> block whose <summary> names `platform` exactly."""
    for block in re.findall(r"<details\b.*?</details>", html, flags=re.DOTALL):
        summary = re.search(r"<summary>(.*?)</summary>", block, flags=re.DOTALL)
        if summary and summary.group(1).strip() == platform:
            return block
    return ""


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[tuple[str, str], str]]:
    """Every page's article rendered once over the stand-in base and URL names."""
    out: dict[tuple[str, str], str] = {}
    with STUB_SETTINGS:
        for lang, page in CASES:
            with translation.override(lang):
                out[lang, page] = render_to_string(template_name(lang, page))
    yield out


# --- the helpers themselves, with negative cases -------------------------------------------------------

@pytest.mark.parametrize(("text", "has_khmer"), [
    ("សុវត្ថិភាព", True),
    ("ច្បាប់ ១", True),
    ("Rule ១", True),  # a Khmer digit alone counts
    ("Do not pay.", False),
    ("Bigo Live — “safe” ✓ 1 2 3", False),
    ("", False),
])
def test_khmer_detector(text: str, has_khmer: bool) -> None:
    assert bool(KHMER.search(text)) is has_khmer


@pytest.mark.parametrize(("html", "balanced"), [
    ("<section><h2>a</h2><ul><li>b</li></ul></section>", True),
    ('<label><input type="checkbox"> x</label>', True),
    ("<section><h2>a</section>", False),
    ("<ul><li>b</ul>", False),
    ("<p>open", False),
])
def test_outline_finds_unbalanced_tags(html: str, balanced: bool) -> None:
    assert (outline(html).errors == []) is balanced


@pytest.mark.parametrize(("text", "lang", "found"), [
    ("<li><strong>Do not pay.</strong></li>", "en", True),
    ("do NOT pay them", "en", True),
    ("Do not panic.", "en", False),
    ("<strong>កុំបង់លុយ។</strong>", "km", True),
    ("កុំភ័យស្លន់ស្លោ។", "km", False),
])
def test_do_not_pay_patterns(text: str, lang: str, found: bool) -> None:
    assert bool(DO_NOT_PAY[lang].search(text)) is found


# --- the files ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "page"), CASES)
def test_template_file_exists(lang: str, page: str) -> None:
    assert (LEARN_DIR / lang / f"{page}.html").is_file()


@pytest.mark.parametrize(("lang", "page"), CASES)
def test_template_compiles_with_the_site_engine(lang: str, page: str) -> None:
    try:
        template = get_template(template_name(lang, page))
    except TemplateDoesNotExist as exc:
        if "public/base.html" in str(exc):
            pytest.skip("public/base.html does not exist yet (owned by the public app)")
        raise
    source = (LEARN_DIR / lang / f"{page}.html").read_text(encoding="utf-8")
    assert source.startswith('{% extends "public/base.html" %}{% load i18n static %}')
    assert template.template.name == template_name(lang, page)


# --- the content, rendered over the stand-in base ------------------------------------------------------

@pytest.mark.parametrize(("lang", "page"), CASES)
def test_page_is_well_formed_with_one_h1(rendered: dict[tuple[str, str], str], lang: str, page: str) -> None:
    html = rendered[lang, page]
    parsed = outline(article(html))
    assert article(html), "no <article class=\"learn\">"
    assert parsed.errors == []
    assert [tag for tag, *_ in parsed.skeleton].count("h1") == 1
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate id"
    assert parsed.inputs_outside_label == 0, "every checkbox needs its label"
    title = between(html, "<title>", "</title>")
    assert len(title) > len("<title></title>")


@pytest.mark.parametrize(("lang", "page"), CASES)
def test_script_matches_language(rendered: dict[tuple[str, str], str], lang: str, page: str) -> None:
    html = rendered[lang, page]
    text = " ".join(t for _, t in outline(article(html)).texts) + " " + between(html, "<title>", "</title>")
    khmer = len(KHMER.findall(text))
    if lang == "en":
        assert khmer == 0, KHMER.findall(text)[:10]
    else:
        latin = len(re.findall(r"[A-Za-z]", text))  # platform and setting names stay in Latin letters
        assert khmer / (khmer + latin) > 0.6, f"only {khmer} of {khmer + latin} letters are Khmer"


@pytest.mark.parametrize("page", PAGES)
def test_both_languages_have_the_same_structure(rendered: dict[tuple[str, str], str], page: str) -> None:
    def neutral(lang: str) -> list[tuple[str, str, str, str]]:
        """The skeleton with the language prefix taken out of links, which is the one allowed difference."""
        return [
            (tag, cls, ident, href.replace(f"/{lang}/", "/<lang>/", 1))
            for tag, cls, ident, href in outline(article(rendered[lang, page])).skeleton
        ]

    assert neutral("en") == neutral("km")


def test_structure_comparison_notices_a_difference(rendered: dict[tuple[str, str], str]) -> None:
    html = article(rendered["en", "rules"])
    fewer = html.replace("<li>your passwords and codes</li>", "", 1)
    assert fewer != html
    assert outline(fewer).skeleton != outline(html).skeleton


@pytest.mark.parametrize("lang", LANGS)
def test_sextortion_opens_with_do_not_pay(rendered: dict[tuple[str, str], str], lang: str) -> None:
    html = article(rendered[lang, "sextortion"])
    first = first_section(html)
    assert 'class="callout"' in first, "the what-to-do-now box must come first"
    assert DO_NOT_PAY[lang].search(first)
    assert f"/{lang}/report/" in first
    # The other pages do not need it; grooming must not tell children to pay either.
    assert not DO_NOT_PAY[lang].search(article(rendered[lang, "grooming"]))


@pytest.mark.parametrize("lang", LANGS)
def test_privacy_page_has_a_checklist_for_each_platform(
    rendered: dict[tuple[str, str], str], lang: str
) -> None:
    html = article(rendered[lang, "privacy"])
    for platform in PLATFORMS:
        block = details_for(html, platform)
        assert block, f"no <details> for {platform}"
        assert 'class="checklist"' in block
        items = block.count('<input type="checkbox">')
        assert 4 <= items <= 7, f"{platform}: {items} settings"
    assert details_for(html, "MySpace") == ""


@pytest.mark.parametrize("lang", LANGS)
def test_grooming_page_has_eight_stages_and_the_platforms_seen_in_cambodia(
    rendered: dict[tuple[str, str], str], lang: str
) -> None:
    html = article(rendered[lang, "grooming"])
    stages = between(html, '<section aria-labelledby="stages">', "</section>")
    assert stages.count("<h3>") == 8
    assert stages.count('<ul class="signs">') == 8
    for platform in ("Facebook", "Messenger", "LINE", "WhatsApp", "Moew Chat", "Bigo Live"):
        assert platform in html
    assert f"/{lang}/check/chat/" in html
    assert f"/{lang}/report/" in html


@pytest.mark.parametrize("lang", LANGS)
def test_rules_page_has_five_rules_each_with_steps(rendered: dict[tuple[str, str], str], lang: str) -> None:
    html = article(rendered[lang, "rules"])
    for n in range(1, 6):
        section = between(html, f'<section id="rule-{n}"', "</section>")
        assert section, f"rule {n} missing"
        assert '<ol class="steps">' in section or 'class="callout"' in section
    assert 'id="rule-6"' not in html
    assert f"/{lang}/learn/privacy/" in html
    assert f"/{lang}/check/post/" in html


@pytest.mark.parametrize("lang", LANGS)
def test_sexting_page_points_to_photo_protection(rendered: dict[tuple[str, str], str], lang: str) -> None:
    html = article(rendered[lang, "sexting"])
    assert f"/{lang}/protect/" in html
    assert 'class="callout"' in html


@pytest.mark.parametrize(("lang", "page"), CASES)
def test_internal_links_stay_in_the_page_language(
    rendered: dict[tuple[str, str], str], lang: str, page: str
) -> None:
    hrefs = re.findall(r'href="([^"]+)"', article(rendered[lang, page]))
    assert hrefs
    other = next(code for code in LANGS if code != lang)
    assert all(h.startswith(f"/{lang}/") for h in hrefs), hrefs
    assert not any(h.startswith(f"/{other}/") for h in hrefs)


# --- the real page, through the site's own URLs, views and base template -------------------------------

def _missing_url_names(lang: str, page: str) -> list[str]:
    source = (LEARN_DIR / lang / f"{page}.html").read_text(encoding="utf-8")
    missing = []
    for name in sorted(set(URL_NAME.findall(source)) | {"public:learn"}):
        try:
            reverse(name, kwargs={"page": page} if name == "public:learn" else None)
        except NoReverseMatch:
            missing.append(name)
    return missing


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "page"), CASES)
def test_real_page_renders(client: Client, lang: str, page: str) -> None:
    missing = _missing_url_names(lang, page)
    if missing:
        pytest.skip(f"URL names not registered yet: {', '.join(missing)}")
    try:
        get_template("public/base.html")
    except TemplateDoesNotExist:
        pytest.skip("public/base.html does not exist yet (owned by the public app)")
    response = client.get(f"/{lang}/learn/{page}/")
    assert response.status_code == 200
    html = response.content.decode("utf-8")
    assert re.search(rf'<html[^>]*\slang="{lang}"', html), "the page's <html lang> is wrong"
    assert len(re.findall(r"<h1\b", html)) == 1
    content = article(html)
    assert content, "the learn article is not in the page"
    khmer = bool(KHMER.search(" ".join(t for _, t in outline(content).texts)))
    assert khmer is (lang == "km")
    if page == "sextortion":
        assert DO_NOT_PAY[lang].search(content)
    if page == "privacy":
        assert all(details_for(content, p) for p in PLATFORMS)


@pytest.mark.django_db
def test_unknown_learn_page_is_not_found(client: Client) -> None:
    try:
        reverse("public:learn", kwargs={"page": "grooming"})
    except NoReverseMatch:
        pytest.skip("URL name public:learn not registered yet")
    assert client.get("/en/learn/no-such-page/").status_code == 404

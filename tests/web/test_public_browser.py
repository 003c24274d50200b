"""The Khmer home page in Debian's Chromium: Khmer fonts actually used (no tofu), no sideways scrolling at
360 px, keyboard use (skip link, menu), the language switch; screenshots for people to look at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_public_pages import ensure_messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KHMER_FAMILIES = ("Noto Sans Khmer", "Khmer OS", "Khmer OS System", "Khmer OS Content")


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    ensure_messages()


def rendering_fonts(page: Any, selector: str) -> set[str]:
    """The fonts Chromium really drew `selector`'s text with (DevTools protocol), not the CSS wish list."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {f["familyName"] for f in fonts}


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_khmer_home_renders_with_a_khmer_font(live_server: Any, page: Any, screenshot: Any) -> None:
    page.goto(f"{live_server.url}/km/")
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.locator("h1").inner_text().strip() == "ប្រើអ៊ីនធឺណិតដោយសុវត្ថិភាព"
    for selector in ("h1", ".hero .lead", ".button-report", ".counters dt"):
        fonts = rendering_fonts(page, selector)
        assert fonts & set(KHMER_FAMILIES), f"{selector} drawn with {fonts}"
    assert no_sideways_scroll(page)
    screenshot("km-home-390")


def test_khmer_home_at_360_px(live_server: Any, page: Any, screenshot: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/km/")
    assert no_sideways_scroll(page)
    report = page.locator(".hero .button-report")
    box = report.bounding_box()
    assert box and box["width"] <= 360 and box["height"] >= 48, "a big report button that fits"
    page.locator(".menu summary").click()
    assert page.locator(".menu a.nav-grooming").is_visible()
    assert no_sideways_scroll(page)
    screenshot("km-home-360-menu-open")


def test_keyboard_skip_link_and_menu(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/en/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible(), "the skip link shows when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.focus(".menu summary")
    page.keyboard.press("Enter")
    assert page.locator(".menu").get_attribute("open") is not None
    outline = page.evaluate(
        "(() => { const a = document.querySelector('.menu a.nav-sexting'); a.focus();"
        " const s = getComputedStyle(a); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert outline[0] != "none" and outline[1] != "0px", "focused links show a focus ring"


def test_language_switch_keeps_the_page(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/km/check/chat/")
    page.locator("[data-lang-switch]").click()
    page.wait_for_url("**/en/check/chat/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().strip() == "Check a chat"
    page.locator("[data-lang-switch]").click()
    page.wait_for_url("**/km/check/chat/")
    assert page.locator("h1").inner_text().strip() == "ពិនិត្យឆាត"

"""Web fixtures: the real browser (Debian's Chromium driven by Playwright) against pytest-django's
live server, and a folder where page screenshots are kept for people to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = _chromium_path()
    if path is None:
        pytest.fail("Chromium is not installed: run `make test`, which installs it with apt-get")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page per test, 390 px wide unless the test resizes it (mobile first)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="km-KH")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


@pytest.fixture
def screenshot(page: Any):
    """`screenshot("name")` saves a full-page PNG of the current page under test-artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        out = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(out), full_page=True)
        return out

    return take

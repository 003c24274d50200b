"""The browser fixture itself works: Chromium renders a page served by the live server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_login_page_renders(live_server, page) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("input[name=username]").count() == 1

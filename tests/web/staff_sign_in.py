"""Signing a staff member in through the browser: password, then the authenticator's code."""

from __future__ import annotations

import re
from typing import Any

import pyotp


def sign_in(page: Any, url: str, username: str, password: str, secret: str) -> None:
    """Open `url` (a staff page), pass the admin sign-in and the second factor, and land back on `url`."""
    page.goto(url)
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin-2fa/"))
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(url.split("//", 1)[-1].split("/", 1)[-1]) + "$"))

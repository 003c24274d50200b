"""The staff second factor: TOTP (RFC 6238, any authenticator app) after the password.

The secret is kept encrypted with the evidence key; a code is accepted once (its time step is
recorded), within ±30 s for clock drift. Where it is enforced: `middleware`; the page: `views`.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pyotp
import segno

from hotline.web import encryption
from hotline.web.numerals import latin_digits

from .models import StaffSecondFactor

#: The session flag set once the second factor has been passed in this session.
SESSION_KEY = "second_factor_passed"
ISSUER = "Hotline"


def factor_for(user: Any) -> tuple[StaffSecondFactor, pyotp.TOTP]:
    """The user's factor and its TOTP, creating an unconfirmed one with a fresh secret if none exists."""
    factor = StaffSecondFactor.objects.filter(user=user).first()
    if factor is None:
        factor = StaffSecondFactor.objects.create(
            user=user, secret_encrypted=encryption.encrypt(pyotp.random_base32().encode()))
    secret = encryption.decrypt(factor.secret_encrypted).decode()
    return factor, pyotp.TOTP(secret)


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True, title="QR")
    return out.getvalue().decode()


def verify(factor: StaffSecondFactor, totp: pyotp.TOTP, code: str) -> bool:
    """True once per time step for a code valid now (±30 s for clock drift)."""
    code = "".join(ch for ch in latin_digits(code) if ch.isdigit())
    if len(code) != 6:
        return False
    now_step = totp.timecode(datetime.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > factor.last_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            StaffSecondFactor.objects.filter(pk=factor.pk).update(last_step=step, confirmed=True)
            return True
    return False

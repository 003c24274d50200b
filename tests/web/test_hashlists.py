"""Hash lists on the web side: matching evidence images (what the reports app calls), and the protect
and withdraw pages through Django's test client, in both languages."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

import hotline.web.hashlists
from hotline.detect.errors import ImageRejected
from hotline.detect.media import PdqHash, hash_image
from hotline.web.hashlists import services
from hotline.web.hashlists.models import HashEntry, HashList
from tests.media.pictures import encode, picture

LOCALE = Path(hotline.web.hashlists.__file__).parent / "locale" / "km" / "LC_MESSAGES"
PHOTO = encode(picture(31, (640, 480)), "JPEG", quality=90)
PHOTO_PDQ = hash_image(PHOTO).pdq or ""


@pytest.fixture(autouse=True, scope="module")
def _messages() -> None:
    po, mo = LOCALE / "django.po", LOCALE / "django.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_state(request: pytest.FixtureRequest) -> Iterator[None]:
    from django.core.cache import cache

    # The cache is the database cache: only a test with database access can clear it.
    uses_db = request.node.get_closest_marker("django_db") is not None
    if uses_db:
        cache.clear()
    services.INDEX.reset()
    yield
    if uses_db:
        cache.clear()
    services.INDEX.reset()


def _flip(pdq: str, bits: int) -> str:
    return f"{int(pdq, 16) ^ ((1 << bits) - 1):064x}"


# ---------------------------------------------------------------- services


@pytest.mark.django_db
def test_hash_and_match_finds_a_resized_copy() -> None:
    services.add_evidence_image("evidence", PHOTO, label="case 1", reference="ABCD2345")
    copy = encode(picture(31, (640, 480)).resize((400, 300)), "JPEG", quality=60)
    matches = services.hash_and_match(copy)
    assert len(matches) == 1
    match = matches[0]
    assert (match.list_name, match.label, match.reference) == ("evidence", "case 1", "ABCD2345")
    assert match.distance <= match.threshold == PdqHash.MATCH_THRESHOLD
    assert match.to_dict()["list"] == "evidence"
    assert services.hash_and_match(encode(picture(32, (640, 480)), "PNG")) == []


@pytest.mark.django_db
def test_thresholds_per_list_and_low_quality_entries() -> None:
    services.add_hash("strict", PHOTO_PDQ, label="s")
    HashList.objects.filter(name="strict").update(threshold=4)
    services.add_hash("loose", PHOTO_PDQ, label="l")
    services.add_hash("plain", _flip(PHOTO_PDQ, 1), label="low", quality=20)
    assert {m.list_name for m in services.match_pdq(_flip(PHOTO_PDQ, 3))} == {"strict", "loose"}
    assert {m.list_name for m in services.match_pdq(_flip(PHOTO_PDQ, 10))} == {"loose"}
    assert services.match_pdq(_flip(PHOTO_PDQ, 40)) == []


@pytest.mark.django_db
def test_bad_and_plain_images() -> None:
    with pytest.raises(ImageRejected):
        services.hash_and_match(b"not an image")
    assert services.hash_and_match(encode(picture(1).point(lambda _: 77), "PNG")) == []


@pytest.mark.django_db
def test_index_follows_changes_and_is_persisted(settings: Any) -> None:
    entry = services.add_hash("bank", PHOTO_PDQ, label="x")
    assert services.match_pdq(PHOTO_PDQ)[0].entry_id == entry.pk
    stem = Path(settings.DATA_DIR) / "hashlists" / "web.index"
    assert stem.with_name("web.index.faiss").is_file() and stem.with_name("web.index.ids.npy").is_file()
    entry.delete()  # another process's change: noticed by the signature check
    assert services.match_pdq(PHOTO_PDQ) == []
    other = services.add_hash("bank", _flip(PHOTO_PDQ, 2), label="y")
    services.INDEX.reset()  # a new process: loads or rebuilds, same answer
    assert [m.entry_id for m in services.match_pdq(PHOTO_PDQ)] == [other.pk]


# ---------------------------------------------------------------- pages


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "text"), [("en", "Protect a photo"), ("km", "ការពាររូបថត")])
def test_protect_page_renders_in_both_languages(client: Client, lang: str, text: str) -> None:
    response = client.get(f"/{lang}/protect/")
    assert response.status_code == 200
    html = response.content.decode()
    assert text in html
    assert "hashlists/pdq.js" in html
    # The photo picker has no name and sits outside the form: it cannot be submitted.
    form = html[html.index('<form method="post"'):html.index("</form>")]
    assert 'type="file"' not in form
    assert re.search(r'<input type="file"(?![^>]*\bname=)[^>]*id="photo-picker"', html)
    assert 'enctype="multipart/form-data"' not in html


@pytest.mark.django_db
def test_protect_and_withdraw(client: Client) -> None:
    response = client.post("/en/protect/", {"pdq": PHOTO_PDQ.upper(), "quality": "100", "consent": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    case_number = re.search(r'id="case-number">([A-Z0-9]+)<', html).group(1)  # type: ignore[union-attr]
    pin = re.search(r'id="case-pin">(\d+)<', html).group(1)  # type: ignore[union-attr]
    entry = HashEntry.objects.get(case_number=case_number)
    assert entry.pdq == PHOTO_PDQ and entry.hash_list.kind == HashList.Kind.DO_NOT_SHARE
    assert pin not in entry.pin_hash  # only a hash of the PIN is stored

    # Evidence is now matched against the do-not-share list.
    assert [m.list_kind for m in services.hash_and_match(PHOTO)] == ["do_not_share"]

    wrong = client.post("/en/protect/withdraw/", {"case_number": case_number, "pin": "000000" if pin != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "No protected photo matches this case number and PIN" in wrong.content.decode()
    assert HashEntry.objects.filter(pk=entry.pk).exists()
    assert entry.pin_hash.startswith("hmac_sha256$")  # a keyed hash, carrying its key id

    # Forgiving input: lower case, a dash, Khmer digits for the PIN.
    khmer_pin = pin.translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    done = client.post("/km/protect/withdraw/", {"case_number": case_number[:4].lower() + "-" + case_number[4:],
                                                 "pin": khmer_pin})
    assert done.status_code == 200
    assert "ស្នាមម្រាមដៃឌីជីថលត្រូវបានដកចេញពីបញ្ជីហើយ" in done.content.decode()
    assert not HashEntry.objects.filter(pk=entry.pk).exists()
    assert services.hash_and_match(PHOTO) == []

    again = client.post("/en/protect/withdraw/", {"case_number": case_number, "pin": pin})
    assert again.status_code == 400
    # An unknown case number gets the very page a wrong PIN got (the form keeps what was typed).
    assert _answer(again, case_number) == _answer(wrong, case_number)


@pytest.mark.django_db
def test_withdraw_locks_after_too_many_wrong_pins(client: Client) -> None:
    protection = services.protect(PHOTO_PDQ, 100)
    wrong = "1" * 6 if protection.pin != "1" * 6 else "2" * 6
    for _ in range(services.MAX_PIN_ATTEMPTS):
        assert services.HashEntry.objects.filter(case_number=protection.case_number).exists()
        with pytest.raises(services.WithdrawRefused):
            services.withdraw(protection.case_number, wrong)
    response = client.post("/en/protect/withdraw/", {"case_number": protection.case_number, "pin": protection.pin})
    assert response.status_code == 400
    unknown = client.post("/en/protect/withdraw/", {"case_number": "ABCDEFGH", "pin": protection.pin})
    assert _answer(response, protection.case_number) == _answer(unknown, "ABCDEFGH")  # locked = unknown


def _answer(response: Any, case_number: str) -> str:
    """The page without what differs by request: the CSRF token and the case number typed back."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(case_number, "CASE")


BAD_POSTS = [
    pytest.param({"pdq": "12345", "quality": "100", "consent": "on"}, "fingerprint is not valid", id="short-hash"),
    pytest.param({"pdq": "z" * 64, "quality": "100", "consent": "on"}, "fingerprint is not valid", id="not-hex"),
    pytest.param({"quality": "100", "consent": "on"}, "Choose a photo first", id="no-hash"),
    pytest.param({"pdq": "ab" * 32, "quality": "10", "consent": "on"}, "too plain", id="low-quality"),
    pytest.param({"pdq": "ab" * 32, "quality": "100"}, "confirm that this is your photo", id="no-consent"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), BAD_POSTS)
def test_bad_protect_posts_are_400_with_a_message(client: Client, data: dict[str, str], message: str) -> None:
    response = client.post("/en/protect/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HashEntry.objects.exists()


@pytest.mark.django_db
def test_bad_protect_post_in_khmer(client: Client) -> None:
    response = client.post("/km/protect/", {"pdq": "12345", "quality": "100", "consent": "on"})
    assert response.status_code == 400
    assert "ស្នាមម្រាមដៃឌីជីថលរបស់រូបថតមិនត្រឹមត្រូវទេ" in response.content.decode()


@pytest.mark.django_db
def test_a_file_upload_is_ignored(client: Client) -> None:
    """Even a hand-made request that sends a photo stores only the hash field; the file is dropped."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/en/protect/", {"pdq": PHOTO_PDQ, "quality": "100", "consent": "on",
                                            "photo": SimpleUploadedFile("x.jpg", PHOTO, "image/jpeg")})
    assert response.status_code == 200
    assert HashEntry.objects.get().pdq == PHOTO_PDQ


def test_every_khmer_message_is_translated() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'msgid ((?:"[^\n]*"\n)+)msgstr ((?:"[^\n]*"\n?)+)', po)
    assert len(entries) > 30
    untranslated = [m for m, t in entries[1:] if t.strip() == '""']
    assert untranslated == []

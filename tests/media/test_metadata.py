"""Photo metadata: read back exactly what was written, gone after stripping (checked by a second and
third library: exifread and piexif), upright pictures, and bad files refused with a clear error."""

from __future__ import annotations

import io
import struct
import zlib

import exifread
import piexif
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from hotline.detect.errors import ImageRejected
from hotline.detect.media import check_photo, image_format, read_metadata, strip_metadata
from hotline.detect.media.decoding import MAX_PIXELS
from tests.media.pictures import encode, exif_bytes, picture, xmp_packet

PHNOM_PENH = (11.5564, 104.9282)
SOUTH_WEST = (-33.8688, -151.2093)


def _photo(fmt: str, lat: float, lon: float, **params: object) -> bytes:
    img = picture(7)
    exif = exif_bytes(lat, lon, owner="Sok Dara")
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp_packet().decode())
        info.add_text("Author", "Sok Dara")
        return encode(img, "PNG", exif=exif, pnginfo=info)
    return encode(img, fmt, exif=exif, xmp=xmp_packet(), **params)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
@pytest.mark.parametrize("position", [PHNOM_PENH, SOUTH_WEST])
def test_gps_is_read_back_and_gone_after_stripping(fmt: str, position: tuple[float, float]) -> None:
    data = _photo(fmt, *position)
    meta = read_metadata(data)
    assert meta.gps == pytest.approx(position, abs=1e-6)
    assert meta.gps_source == "exif"
    assert meta.owner == "Sok Dara"
    assert meta.camera_make == "TestPhone" and meta.camera_model == "Model 7"
    assert meta.capture_time == "2024-05-01T14:30:00+07:00"
    assert meta.map_link is not None and f"{position[0]:.6f}" in meta.map_link

    clean = strip_metadata(data)
    after = read_metadata(clean)
    assert after.gps is None and after.owner is None and after.camera_make is None
    assert not after.has_exif and not after.has_xmp
    assert b"Sok Dara" not in clean and b"GPS" not in clean and b"TestPhone" not in clean
    assert after.width == meta.width and after.height == meta.height
    # HEIC is converted to JPEG: re-saving a HEIC keeps its GPS.
    assert image_format(clean) == ("JPEG" if fmt == "HEIF" else fmt)


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_second_libraries_find_no_exif_after_stripping(fmt: str) -> None:
    clean = strip_metadata(_photo(fmt, *PHNOM_PENH))
    assert exifread.process_file(io.BytesIO(clean), details=False) == {}
    loaded = piexif.load(clean)
    assert loaded["GPS"] == {} and loaded["0th"] == {} and loaded["Exif"] == {}


def test_exifread_agrees_on_the_position_written() -> None:
    tags = exifread.process_file(io.BytesIO(_photo("JPEG", *PHNOM_PENH)), details=False)
    assert str(tags["GPS GPSLatitudeRef"]) == "N"
    degrees, minutes, seconds = (float(v.num) / float(v.den) for v in tags["GPS GPSLatitude"].values)
    assert degrees + minutes / 60 + seconds / 3600 == pytest.approx(PHNOM_PENH[0], abs=1e-6)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_xmp_gps_alone_is_read_and_stripped(fmt: str) -> None:
    img = picture(8)
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp_packet().decode())
        data = encode(img, "PNG", pnginfo=info)
    else:
        data = encode(img, fmt, xmp=xmp_packet())
    meta = read_metadata(data)
    assert meta.gps == pytest.approx((11 + 33.384 / 60, 104 + 55.692 / 60), abs=1e-6)
    assert meta.gps_source == "xmp"
    assert meta.artist == "Sok Dara"
    clean = strip_metadata(data)
    assert read_metadata(clean).gps is None
    assert b"GPSLatitude" not in clean and b"xmpmeta" not in clean


def test_piexif_remove_alone_would_leave_xmp_gps() -> None:
    """The trap the issue measured: why stripping is done segment by segment here."""
    data = encode(picture(9), "JPEG", exif=exif_bytes(*PHNOM_PENH), xmp=xmp_packet())
    out = io.BytesIO()
    piexif.remove(data, out)
    assert read_metadata(out.getvalue()).gps_source == "xmp"
    assert read_metadata(strip_metadata(data)).gps is None


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_orientation_is_applied_before_stripping(orientation: int) -> None:
    # A picture whose top-left quarter is red: after turning upright, red must be where a viewer sees it.
    img = Image.new("RGB", (200, 100), "white")
    img.paste((255, 0, 0), (0, 0, 100, 50))
    data = encode(img, "JPEG", quality=95, exif=exif_bytes(orientation=orientation))
    expected = Image.open(io.BytesIO(data))
    from PIL import ImageOps

    upright = ImageOps.exif_transpose(expected)
    clean = Image.open(io.BytesIO(strip_metadata(data)))
    assert clean.size == upright.size
    assert clean.getexif().get(0x0112) is None
    # Sample the centres of the four quadrants.
    w, h = clean.size
    for x, y in ((w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)):
        got, want = clean.convert("RGB").getpixel((x, y)), upright.convert("RGB").getpixel((x, y))
        assert all(abs(a - b) < 40 for a, b in zip(got, want, strict=True)), (x, y, got, want)


def test_upright_jpeg_is_stripped_without_re_encoding() -> None:
    data = _photo("JPEG", *PHNOM_PENH, quality=80)
    clean = strip_metadata(data)
    a = Image.open(io.BytesIO(data)).convert("RGB").tobytes()
    b = Image.open(io.BytesIO(clean)).convert("RGB").tobytes()
    assert a == b  # the same pixels, byte for byte: only metadata segments were dropped


def test_mpo_trailer_after_end_of_image_is_dropped() -> None:
    data = encode(picture(1), "JPEG") + encode(picture(2), "JPEG", exif=exif_bytes(*PHNOM_PENH))
    clean = strip_metadata(data)
    assert clean.endswith(b"\xff\xd9") and b"GPS" not in clean and len(clean) < len(data)


def test_check_photo_warnings_in_both_languages() -> None:
    result = check_photo(_photo("JPEG", *PHNOM_PENH), check_nudity=False).to_dict()
    assert result["gps"] == {"latitude": pytest.approx(11.5564), "longitude": pytest.approx(104.9282)}
    codes = [w["code"] for w in result["warnings"]]
    assert codes == ["gps", "person_name", "capture_time", "camera"]
    for w in result["warnings"]:
        assert w["en"] and any("\u1780" <= c <= "\u17ff" for c in w["km"])
    assert result["metadata"]["owner"] == "Sok Dara"


def test_clean_photo_has_no_warnings() -> None:
    result = check_photo(encode(picture(2), "PNG"), check_nudity=False).to_dict()
    assert result == {"gps": None, "metadata": result["metadata"], "warnings": []}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny file that claims a huge picture: only the header is real (a decompression bomb's start)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


BAD_FILES = [
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b"hello, this is a text file", "not an image", id="text"),
    pytest.param(b"%PDF-1.4\n" + b"0" * 200, "not an image", id="pdf"),
    pytest.param(encode(picture(1), "JPEG")[:3000], "truncated", id="truncated-jpeg"),
    pytest.param(encode(picture(1), "PNG")[:5000], "truncated", id="truncated-png"),
    pytest.param(_png_header_only(20_000, 20_000), "too many pixels", id="bomb-400mp"),
    pytest.param(_png_header_only(10_001, 10_000), "too many pixels", id="just-over-100mp"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
@pytest.mark.parametrize("function", [read_metadata, strip_metadata, check_photo])
def test_bad_files_are_refused_clearly(data: bytes, message: str, function: object) -> None:
    with pytest.raises(ImageRejected, match=message):
        function(data)  # type: ignore[operator]


def test_pixel_bound_is_100_megapixels() -> None:
    assert MAX_PIXELS == 100_000_000

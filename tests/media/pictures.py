"""Generated test pictures (never real photos): shapes and gradients with a seed, and helpers that
write EXIF (piexif), XMP and orientation into them the way phones do."""

from __future__ import annotations

import io
import random
from fractions import Fraction

import piexif
from PIL import Image, ImageDraw, ImageFilter


def picture(seed: int = 1, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A busy, photo-like RGB picture: a gradient sky, coloured shapes, slight blur. Different seeds
    give pictures far apart in PDQ."""
    rng = random.Random(seed)
    width, height = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(40):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 12, width // 3), rng.randrange(height // 12, height // 3)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice((draw.rectangle, draw.ellipse))
        shape([x0, y0, x0 + w, y0 + h], fill=colour)
    return img.filter(ImageFilter.GaussianBlur(1.2))


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = Fraction((minutes_full - minutes) * 60).limit_denominator(100000)
    return ((degrees, 1), (minutes, 1), (seconds.numerator, seconds.denominator))


def exif_bytes(lat: float | None = None, lon: float | None = None, *, orientation: int | None = None,
               make: str | None = "TestPhone", model: str | None = "Model 7", owner: str | None = None,
               artist: str | None = None, taken: str | None = "2024:05:01 14:30:00") -> bytes:
    zeroth: dict[int, object] = {}
    exif: dict[int, object] = {}
    gps: dict[int, object] = {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make
    if model:
        zeroth[piexif.ImageIFD.Model] = model
    if artist:
        zeroth[piexif.ImageIFD.Artist] = artist
    if orientation:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if taken:
        exif[piexif.ExifIFD.DateTimeOriginal] = taken
        exif[piexif.ExifIFD.OffsetTimeOriginal] = "+07:00"
    if owner:
        exif[piexif.ExifIFD.CameraOwnerName] = owner
    if lat is not None and lon is not None:
        gps[piexif.GPSIFD.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[piexif.GPSIFD.GPSLatitude] = _dms(lat)
        gps[piexif.GPSIFD.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[piexif.GPSIFD.GPSLongitude] = _dms(lon)
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps, "1st": {}, "thumbnail": None})


def xmp_packet(lat: str = "11,33.384N", lon: str = "104,55.692E", creator: str = "Sok Dara") -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'exif:GPSLatitude="{lat}" exif:GPSLongitude="{lon}">'
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()

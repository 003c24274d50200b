"""What a photo tells about the person who took it, and the same photo without it.

A photo straight from a phone carries the place it was taken (GPS, to a few metres), the time, the
phone's make and model, sometimes the owner's name; the seed warns that posting a location is dangerous.
`read_metadata` reads all of it (EXIF, XMP, PNG text chunks) from JPEG, PNG, WebP and HEIC;
`strip_metadata` returns the same picture without any of it; `check_photo` turns what was found into
warnings for a young person, in English and Khmer.

Stripping never re-encodes more than needed: JPEG, PNG and WebP lose their metadata segments byte for
byte (the pixels are untouched) unless the picture must first be turned upright (EXIF orientation), in
which case a JPEG is re-encoded with its own quantisation tables. HEIC is always converted to JPEG,
because re-saving a HEIC with Pillow keeps its GPS.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, JpegImagePlugin
from PIL.ExifTags import IFD, Base

from hotline.detect.errors import ImageRejected
from hotline.detect.media.decoding import decoding_errors, load_image, open_image

# EXIF tag numbers by name (PIL.ExifTags); GPS IFD entries by their number in the GPS IFD.
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_ALT_REF, _GPS_ALT = 1, 2, 3, 4, 5, 6

#: Longest metadata text kept in a report (a "comment" can be a whole essay).
_MAX_TEXT = 200


@dataclass(frozen=True)
class PhotoMetadata:
    """Metadata found in one photo. Text fields are None when absent."""

    format: str
    width: int
    height: int
    gps: tuple[float, float] | None = None
    gps_source: str | None = None  # "exif" or "xmp"
    altitude: float | None = None
    capture_time: str | None = None  # ISO 8601 as written by the camera; offset only when recorded
    camera_make: str | None = None
    camera_model: str | None = None
    owner: str | None = None
    artist: str | None = None
    copyright: str | None = None
    software: str | None = None
    serial_number: str | None = None
    orientation: int = 1
    has_exif: bool = False
    has_xmp: bool = False
    has_icc_profile: bool = False
    text: dict[str, str] = field(default_factory=dict)  # other text: comments, descriptions, PNG chunks

    @property
    def map_link(self) -> str | None:
        """An OpenStreetMap link to the photo's position (shown to the user, never fetched)."""
        if self.gps is None:
            return None
        lat, lon = self.gps
        return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"

    @property
    def person_name(self) -> str | None:
        return self.owner or self.artist

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "gps_source": self.gps_source,
            "altitude": self.altitude,
            "map_link": self.map_link,
            "capture_time": self.capture_time,
            "camera_make": self.camera_make,
            "camera_model": self.camera_model,
            "owner": self.owner,
            "artist": self.artist,
            "copyright": self.copyright,
            "software": self.software,
            "serial_number": self.serial_number,
            "orientation": self.orientation,
            "has_exif": self.has_exif,
            "has_xmp": self.has_xmp,
            "has_icc_profile": self.has_icc_profile,
            "text": dict(self.text),
        }


# ---------------------------------------------------------------- reading


def _text(value: Any) -> str | None:
    """EXIF strings come as str, bytes (UCS-2 for XP tags, charset-prefixed for UserComment) or tuples."""
    if value is None:
        return None
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        value = bytes(value)
    if isinstance(value, bytes):
        if value[:8] in (b"ASCII\0\0\0", b"UNICODE\0", b"JIS\0\0\0\0\0", b"\0" * 8):
            codec = "utf-16" if value[:8] == b"UNICODE\0" else "utf-8"
            value = value[8:].decode(codec, "replace")
        elif len(value) >= 2 and value[1:2] == b"\0":
            value = value.decode("utf-16-le", "replace")
        else:
            value = value.decode("utf-8", "replace")
    text = str(value).replace("\0", "").strip()
    return text[:_MAX_TEXT] or None


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        return float(num) / float(den) if den else 0.0
    return float(value)


def _dms_to_degrees(dms: Any, ref: Any) -> float | None:
    try:
        parts = [_ratio(v) for v in dms]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts:
        return None
    while len(parts) < 3:
        parts.append(0.0)
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    ref_text = (_text(ref) or "").upper()
    if ref_text in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


def _valid_position(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


_XMP_GPS_VALUE = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])?\s*$", re.I)


def _xmp_coordinate(value: str | None) -> float | None:
    """XMP writes GPS as "DDD,MM.mmmk" or "DDD,MM,SSk" (k = N/S/E/W); some tools write decimals."""
    if not value:
        return None
    match = _XMP_GPS_VALUE.match(value)
    if not match:
        try:
            return round(float(value), 7)
        except ValueError:
            return None
    deg, minutes, seconds, ref = match.groups()
    degrees = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    if ref and ref.upper() in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


def _xmp_value(xmp: str, name: str) -> str | None:
    """The value of XMP property `name` ("exif:GPSLatitude"), written as an attribute or an element."""
    attr = re.search(rf'{re.escape(name)}\s*=\s*"([^"]*)"', xmp)
    if attr:
        return attr.group(1).strip() or None
    elem = re.search(rf"<{re.escape(name)}(?:\s[^>]*)?>(.*?)</{re.escape(name)}>", xmp, re.S)
    if not elem:
        return None
    inner = elem.group(1)
    item = re.search(r"<rdf:li(?:\s[^>]*)?>(.*?)</rdf:li>", inner, re.S)
    text = (item.group(1) if item else inner).strip()
    return re.sub(r"<[^>]+>", "", text)[:_MAX_TEXT].strip() or None


def _xmp_packet(img: Image.Image) -> str | None:
    info = img.info
    raw: Any = info.get("xmp") or info.get("XML:com.adobe.xmp")
    if raw is None and img.format == "TIFF":
        raw = getattr(img, "tag_v2", {}).get(700)
    if raw is None:
        return None
    if isinstance(raw, bytes | bytearray):
        return bytes(raw).decode("utf-8", "replace")
    return str(raw)


#: PNG text chunk keywords (PNG spec 11.3.4.2) and where they go.
_PNG_TEXT_FIELDS = {"Author": "artist", "Software": "software", "Copyright": "copyright"}


def read_metadata(data: bytes) -> PhotoMetadata:
    """Read the metadata of a JPEG, PNG, WebP or HEIC photo. Raises ImageRejected for bad files."""
    img = open_image(data)
    load_image(img)  # a truncated file is refused here, not silently half-read
    with decoding_errors():
        exif = img.getexif()
        base = dict(exif.items())
        exif_ifd = dict(exif.get_ifd(IFD.Exif).items())
        gps_ifd = dict(exif.get_ifd(IFD.GPSInfo).items())

    fields: dict[str, Any] = {}
    text: dict[str, str] = {}

    lat = _dms_to_degrees(gps_ifd.get(_GPS_LAT), gps_ifd.get(_GPS_LAT_REF)) if _GPS_LAT in gps_ifd else None
    lon = _dms_to_degrees(gps_ifd.get(_GPS_LON), gps_ifd.get(_GPS_LON_REF)) if _GPS_LON in gps_ifd else None
    gps = _valid_position(lat, lon)
    gps_source = "exif" if gps else None
    altitude: float | None = None
    if _GPS_ALT in gps_ifd:
        try:
            altitude = round(_ratio(gps_ifd[_GPS_ALT]), 2)
            if gps_ifd.get(_GPS_ALT_REF) in (1, b"\x01"):
                altitude = -altitude
        except (TypeError, ValueError, ZeroDivisionError):
            altitude = None

    capture = _text(exif_ifd.get(Base.DateTimeOriginal)) or _text(base.get(Base.DateTime))
    capture_time = _exif_time(capture, _text(exif_ifd.get(Base.OffsetTimeOriginal)))

    fields["camera_make"] = _text(base.get(Base.Make))
    fields["camera_model"] = _text(base.get(Base.Model))
    fields["software"] = _text(base.get(Base.Software)) or _text(base.get(Base.HostComputer))
    fields["artist"] = _text(base.get(Base.Artist)) or _text(base.get(Base.XPAuthor))
    fields["copyright"] = _text(base.get(Base.Copyright))
    fields["owner"] = _text(exif_ifd.get(Base.CameraOwnerName))
    fields["serial_number"] = _text(exif_ifd.get(Base.BodySerialNumber))
    for key, tag, ifd in (
        ("description", Base.ImageDescription, base),
        ("user_comment", Base.UserComment, exif_ifd),
        ("lens_model", Base.LensModel, exif_ifd),
    ):
        value = _text(ifd.get(tag))
        if value:
            text[key] = value

    xmp = _xmp_packet(img)
    if xmp:
        if gps is None:
            gps = _valid_position(
                _xmp_coordinate(_xmp_value(xmp, "exif:GPSLatitude")),
                _xmp_coordinate(_xmp_value(xmp, "exif:GPSLongitude")),
            )
            gps_source = "xmp" if gps else None
        for key, name in (
            ("camera_make", "tiff:Make"),
            ("camera_model", "tiff:Model"),
            ("software", "xmp:CreatorTool"),
            ("artist", "dc:creator"),
            ("copyright", "dc:rights"),
            ("owner", "aux:OwnerName"),
            ("serial_number", "aux:SerialNumber"),
        ):
            if not fields.get(key):
                fields[key] = _xmp_value(xmp, name)
        if capture_time is None:
            capture_time = _xmp_value(xmp, "exif:DateTimeOriginal") or _xmp_value(xmp, "photoshop:DateCreated")

    # PNG text chunks and JPEG/GIF comments.
    for info_key, value in img.info.items():
        if not isinstance(info_key, str) or info_key in ("xmp", "XML:com.adobe.xmp", "exif", "icc_profile"):
            continue
        key = str(info_key)
        if key in _PNG_TEXT_FIELDS and isinstance(value, str):
            if not fields.get(_PNG_TEXT_FIELDS[key]):
                fields[_PNG_TEXT_FIELDS[key]] = _text(value)
        elif key == "Creation Time" and isinstance(value, str) and capture_time is None:
            capture_time = _text(value)
        elif key in ("comment", "Comment", "Description", "Title") and isinstance(value, str | bytes):
            found = _text(value)
            if found:
                text[key.lower()] = found

    orientation = base.get(Base.Orientation, 1)
    return PhotoMetadata(
        format=img.format or "UNKNOWN",
        width=img.width,
        height=img.height,
        gps=gps,
        gps_source=gps_source,
        altitude=altitude,
        capture_time=capture_time,
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
        has_exif=bool(base) or bool(img.info.get("exif")),
        has_xmp=xmp is not None,
        has_icc_profile=bool(img.info.get("icc_profile")),
        text=text,
        **fields,
    )


def _exif_time(value: str | None, offset: str | None) -> str | None:
    """"2024:05:01 14:30:00" (+ "+07:00") -> "2024-05-01T14:30:00+07:00"; other text is kept as is."""
    if not value:
        return None
    match = re.match(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", value)
    if not match:
        return value
    y, mo, d, h, mi, s = match.groups()
    iso = f"{y}-{mo}-{d}T{h}:{mi}:{s}"
    if offset and re.match(r"^[+-]\d{2}:\d{2}$", offset):
        iso += offset
    return iso


# ---------------------------------------------------------------- stripping

#: JPEG markers kept when stripping: everything that decodes the picture. APPn segments (EXIF, XMP,
#: ICC, MPF, maker data) and comments go; APP0 is kept only as plain JFIF and APP14 only as Adobe
#: (it says how to read the colours of CMYK/YCCK files).
_JPEG_APP0, _JPEG_APP14, _JPEG_COM, _JPEG_SOS, _JPEG_EOI = 0xE0, 0xEE, 0xFE, 0xDA, 0xD9


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == _JPEG_APP0:
        return payload.startswith(b"JFIF\0")
    if marker == _JPEG_APP14:
        return payload.startswith(b"Adobe")
    return not (0xE0 <= marker <= 0xEF or marker == _JPEG_COM)


def _strip_jpeg(data: bytes) -> bytes:
    """Copy a JPEG without its metadata segments and without anything after the end of the picture
    (phones append a second image with its own EXIF there: the MPO format)."""
    if data[:2] != b"\xff\xd8":
        raise ImageRejected("the JPEG file does not start with a JPEG marker")
    out = bytearray(b"\xff\xd8")
    pos, size = 2, len(data)
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise ImageRejected("the JPEG file is damaged (a marker is missing)", where=f"byte {pos}")
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size:
            raise ImageRejected("the JPEG file is truncated")
        marker = data[pos]
        pos += 1
        if marker == _JPEG_EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += bytes((0xFF, marker))
            continue
        if pos + 2 > size:
            raise ImageRejected("the JPEG file is truncated")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > size:
            raise ImageRejected("the JPEG file is truncated", where=f"byte {pos}")
        payload = data[pos + 2 : pos + length]
        segment_end = pos + length
        if _keep_jpeg_segment(marker, payload):
            out += bytes((0xFF, marker)) + data[pos:segment_end]
        pos = segment_end
        if marker == _JPEG_SOS:
            # Entropy-coded data runs until a marker that is not a stuffed 0xFF00 or a restart marker.
            start = pos
            while True:
                found = data.find(b"\xff", pos)
                if found < 0 or found + 1 >= size:
                    raise ImageRejected("the JPEG file is truncated (no end-of-image marker)")
                following = data[found + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos = found + 1 if following == 0xFF else found + 2
                    continue
                out += data[start:found]
                pos = found
                break


#: PNG ancillary chunks kept (they change how the pixels look, and carry nothing about the person).
_PNG_KEEP = {b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT"}


def _strip_png(data: bytes) -> bytes:
    """Copy a PNG without text, time, EXIF, XMP and ICC chunks; critical chunks are all kept."""
    out = bytearray(data[:8])
    pos, size = 8, len(data)
    while pos + 8 <= size:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > size:
            raise ImageRejected("the PNG file is truncated", where=f"byte {pos}")
        if kind[:1].isupper() or kind in _PNG_KEEP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise ImageRejected("the PNG file is truncated (no IEND chunk)")


_VP8X_ICC, _VP8X_EXIF, _VP8X_XMP = 0x20, 0x08, 0x04


def _strip_webp(data: bytes) -> bytes:
    """Copy a WebP without its EXIF, XMP and ICCP chunks, clearing their flags in VP8X."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ImageRejected("the WebP file does not start with a RIFF/WEBP header")
    body = bytearray()
    pos, size = 12, len(data)
    while pos + 8 <= size:
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + length + (length & 1)
        if pos + 8 + length > size:
            raise ImageRejected("the WebP file is truncated", where=f"byte {pos}")
        chunk = bytearray(data[pos:min(end, size)])
        if kind == b"VP8X" and length >= 1:
            chunk[8] &= ~(_VP8X_ICC | _VP8X_EXIF | _VP8X_XMP) & 0xFF
        if kind not in (b"EXIF", b"XMP ", b"ICCP"):
            body += chunk
            if len(chunk) & 1:
                body += b"\0"
        pos = end
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + bytes(body)


def _clean_copy(img: Image.Image) -> Image.Image:
    """The pixels upright, with no metadata attached to the image object at all."""
    with decoding_errors():
        upright = ImageOps.exif_transpose(img) or img
        clean = upright.copy()
    clean.info = {}
    return clean


def _reencode(img: Image.Image, fmt: str) -> bytes:
    clean = _clean_copy(img)
    buf = io.BytesIO()
    with decoding_errors():
        if fmt == "JPEG":
            params: dict[str, Any] = {}
            qtables = getattr(img, "quantization", None)
            if img.format in ("JPEG", "MPO") and qtables:
                # Same quantisation as the camera used: as close to "not re-encoded" as Pillow gets.
                params["qtables"] = qtables
                sampling = JpegImagePlugin.get_sampling(img)
                if sampling != -1:
                    params["subsampling"] = sampling
            else:
                params["quality"] = 92
            if clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            clean.save(buf, "JPEG", **params)
        elif fmt == "WEBP":
            clean.save(buf, "WEBP", quality=90)
        else:
            if clean.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
                clean = clean.convert("RGBA")
            clean.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def strip_metadata(data: bytes) -> bytes:
    """The same picture with all metadata removed, upright. JPEG/PNG/WebP keep their format and are
    copied segment by segment when already upright; HEIC becomes JPEG; GIF, BMP and TIFF become PNG."""
    img = open_image(data)
    load_image(img)
    fmt = img.format or ""
    with decoding_errors():
        orientation = img.getexif().get(Base.Orientation, 1)
    upright = orientation in (None, 1) or not isinstance(orientation, int)
    if fmt in ("JPEG", "MPO"):
        return _strip_jpeg(data) if upright else _reencode(img, "JPEG")
    if fmt == "PNG":
        return _strip_png(data) if upright else _reencode(img, "PNG")
    if fmt == "WEBP":
        return _strip_webp(data) if upright else _reencode(img, "WEBP")
    if fmt == "HEIF":
        return _reencode(img, "JPEG")
    return _reencode(img, "PNG")


# ---------------------------------------------------------------- warnings for people


@dataclass(frozen=True)
class PhotoWarning:
    """One thing a person should know before sharing the photo: a machine code and two languages."""

    code: str
    en: str
    km: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "en": self.en, "km": self.km}


#: The wording of each warning. The site shows the language of the page; the CLI prints English.
WARNING_TEXTS: dict[str, tuple[str, str]] = {
    "gps": (
        "This photo contains the exact place where it was taken (GPS). Anyone who gets it can find "
        "where you were. Remove the location before you share it.",
        "រូបថតនេះមានទីតាំងពិតប្រាកដដែលវាត្រូវបានថត (GPS)។ អ្នកណាដែលទទួលបានវា អាចរកឃើញកន្លែងដែលអ្នកនៅ។ "
        "សូមលុបទីតាំងចេញ មុនពេលអ្នកចែករំលែកវា។",
    ),
    "person_name": (
        "This photo contains a person's name (the owner or the photographer).",
        "រូបថតនេះមានឈ្មោះមនុស្ស (ម្ចាស់ ឬអ្នកថត)។",
    ),
    "capture_time": (
        "This photo records the date and time it was taken.",
        "រូបថតនេះកត់ត្រាកាលបរិច្ឆេទ និងម៉ោងដែលវាត្រូវបានថត។",
    ),
    "camera": (
        "This photo names the phone or camera that took it.",
        "រូបថតនេះបង្ហាញឈ្មោះទូរស័ព្ទ ឬកាមេរ៉ាដែលបានថតវា។",
    ),
    "nudity": (
        "This photo may show nudity. Once you send it, you lose control of it: it can always show up "
        "somewhere else.",
        "រូបថតនេះអាចបង្ហាញរាងកាយអាក្រាត។ នៅពេលអ្នកផ្ញើវារួច អ្នកលែងគ្រប់គ្រងវាបានទៀតហើយ៖ "
        "វាអាចលេចឡើងនៅកន្លែងផ្សេងទៀតបានជានិច្ច។",
    ),
}


def photo_warning(code: str) -> PhotoWarning:
    en, km = WARNING_TEXTS[code]
    return PhotoWarning(code, en, km)


@dataclass(frozen=True)
class PhotoCheck:
    """The result of checking a photo before it is shared."""

    metadata: PhotoMetadata
    warnings: tuple[PhotoWarning, ...]
    nudity: bool | None = None  # None: the optional nudity detector is not installed or was not asked

    @property
    def gps(self) -> tuple[float, float] | None:
        return self.metadata.gps

    def to_dict(self) -> dict[str, Any]:
        gps = self.metadata.gps
        return {
            "gps": {"latitude": gps[0], "longitude": gps[1]} if gps else None,
            "metadata": self.metadata.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }


def check_photo(data: bytes, *, check_nudity: bool = True) -> PhotoCheck:
    """Read a photo's metadata and say, in English and Khmer, what it gives away.

    The photo is analysed in memory and never stored. The nudity warning needs the optional
    `hotline[nudity]` extra; without it `nudity` is None and no nudity warning is given.
    """
    meta = read_metadata(data)
    codes: list[str] = []
    nudity: bool | None = None
    if check_nudity:
        from hotline.detect.media.nudity import nudity_warning

        nudity = nudity_warning(data)
        if nudity:
            codes.append("nudity")
    if meta.gps is not None:
        codes.append("gps")
    if meta.person_name:
        codes.append("person_name")
    if meta.capture_time:
        codes.append("capture_time")
    if meta.camera_make or meta.camera_model or meta.serial_number:
        codes.append("camera")
    return PhotoCheck(meta, tuple(photo_warning(c) for c in codes), nudity)

"""Opening untrusted image bytes with bounded memory and time.

Every image that reaches Hotline was sent by a stranger, so it is opened here and nowhere else: only
the formats we support, the pixel count checked from the header *before* any pixel is decoded, and
Pillow's own failures (truncated data, decompression bombs, not an image) turned into one
`ImageRejected` with a message that can be shown to the person who sent the file.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageFile, UnidentifiedImageError

from hotline.detect.errors import ImageRejected

#: The largest picture we decode: 100 megapixels (a 12,000 x 8,000 phone panorama still fits).
MAX_PIXELS = 100_000_000

#: The largest file we accept at all; larger uploads are refused before Pillow sees them.
MAX_BYTES = 64 * 1024 * 1024

#: Pillow format names we open (HEIF through pillow-heif). Anything else is refused, so that rarely
#: used and rarely audited decoders (EPS, PSD, ...) are never reached with untrusted bytes.
SUPPORTED_FORMATS: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "GIF", "BMP", "TIFF")

# Pillow's own bomb guard must never be weaker than ours; a warning at MAX_PIXELS becomes an error below.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

_HEIF_READY = False


def _register_heif() -> None:
    """Teach Pillow to read HEIC/HEIF (iPhone photos) once, on first use."""
    global _HEIF_READY
    if _HEIF_READY:
        return
    Image.init()  # load every plugin, so that the `formats=` list below finds MPO, WebP, TIFF
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
        _HEIF_READY = True
        return
    pillow_heif.register_heif_opener()
    _HEIF_READY = True


@contextmanager
def _pillow_errors() -> Iterator[None]:
    """Turn Pillow's many failure modes into ImageRejected, cause chained."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(
                f"the image has too many pixels (more than {MAX_PIXELS // 1_000_000} megapixels)"
            ) from exc
        except UnidentifiedImageError as exc:
            raise ImageRejected("the file is not an image in a supported format (JPEG, PNG, WebP, HEIC)") from exc
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise ImageRejected(f"the image is damaged or truncated ({type(exc).__name__})") from exc
        except MemoryError as exc:  # pragma: no cover - bounded above, kept as a last line
            raise ImageRejected("the image is too large to open") from exc


def open_image(data: bytes) -> Image.Image:
    """Open `data` lazily (header only) and check its size; pixels are not decoded yet.

    Call `load_image` (or `Image.load()` inside `decoding_errors()`) to decode.
    """
    if not data:
        raise ImageRejected("the file is empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    _register_heif()
    with _pillow_errors():
        img = Image.open(io.BytesIO(data), formats=[f for f in SUPPORTED_FORMATS if f in Image.OPEN])
        width, height = img.size
        if width <= 0 or height <= 0:
            raise ImageRejected("the image has no pixels")
        if width * height > MAX_PIXELS:
            raise ImageRejected(
                f"the image has too many pixels ({width}x{height}; the limit is "
                f"{MAX_PIXELS // 1_000_000} megapixels)"
            )
    return img


def load_image(img: Image.Image) -> Image.Image:
    """Decode the pixels of an image from `open_image`, refusing truncated data."""
    with _pillow_errors():
        img.load()
    return img


@contextmanager
def decoding_errors() -> Iterator[None]:
    """For callers that decode or convert themselves (draft, transpose, convert): same error mapping."""
    with _pillow_errors():
        yield


def image_format(data: bytes) -> str:
    """The Pillow format name of `data` ("JPEG", "PNG", "WEBP", "HEIF", ...), read from the header."""
    return open_image(data).format or "UNKNOWN"


#: File name extension for each output format, for commands that write a stripped copy.
EXTENSIONS: dict[str, str] = {
    "JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic", "GIF": ".gif",
    "BMP": ".bmp", "TIFF": ".tif",
}

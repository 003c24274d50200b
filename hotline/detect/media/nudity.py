"""An optional "this photo may show nudity" warning before a young person shares a photo.

Installed with the `hotline[nudity]` extra, which brings NudeNet (its ONNX detector ships inside the
wheel, so nothing is downloaded at run time). Licence note: NudeNet's package metadata says MIT, but
the bundled model file is licensed AGPL-3.0; Hotline is AGPL-3.0 itself, yet deployers who embed this
module elsewhere must check that licence, which is why it stays an optional extra.

The photo is decoded in memory (through the same bounded decoder as everything else), analysed, and
never written anywhere. Without the extra, `nudity_warning` returns None: "not checked", not "safe".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hotline.detect.media.decoding import decoding_errors, load_image, open_image

#: NudeNet detector classes that mean "exposed"; covered or face classes are not a warning.
EXPOSED_CLASSES: frozenset[str] = frozenset({
    "FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED",
    "BUTTOCKS_EXPOSED", "ANUS_EXPOSED",
})

#: Detector score from which we warn. A warning costs a moment's thought; a missed one can cost more.
MIN_SCORE = 0.45


@lru_cache(maxsize=1)
def _detector() -> Any | None:
    try:
        from nudenet import NudeDetector
    except ImportError:
        return None
    return NudeDetector()


def nudity_available() -> bool:
    """Whether the optional extra is installed (cheap check, does not load the model)."""
    import importlib.util

    return importlib.util.find_spec("nudenet") is not None


def nudity_warning(data: bytes) -> bool | None:
    """True if the photo may show nudity, False if not, None if the `hotline[nudity]` extra is missing."""
    if not nudity_available():
        return None
    detector = _detector()
    if detector is None:
        return None
    import numpy as np

    img = load_image(open_image(data))
    with decoding_errors():
        img.thumbnail((1280, 1280))
        rgb = np.asarray(img.convert("RGB"))
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # NudeNet reads arrays the way OpenCV does: BGR
    detections = detector.detect(bgr)
    return any(d.get("class") in EXPOSED_CLASSES and float(d.get("score", 0)) >= MIN_SCORE for d in detections)

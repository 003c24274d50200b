"""Hotline: software for an internet safety hotline (Khmer and English).

`hotline.detect` is the engine (a library with no web imports); `hotline.web` is the Django site.
"""

__version__ = "0.1.0"

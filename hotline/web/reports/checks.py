"""System check: every data file of the detection engine loads, so that `hotline serve` (and `manage.py
check`) stops on a broken lexicon or model, not the first report that needs it."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register

from hotline.detect.readiness import problems


@register(Tags.compatibility, "hotline")
def engine_data(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [Error(f"The detection engine's data does not load: {problem}",
                  hint="Fix the file named (see hotline/detect/lexicons/README.md), or reinstall the package.",
                  id="hotline.E001") for problem in problems()]

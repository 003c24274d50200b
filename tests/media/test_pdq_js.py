"""The browser's PDQ (pdq.js, run here with node) agrees with `pdqhash` on the same pixels."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hotline.detect.media import PdqHash
from tests.conftest import REPO
from tests.media.pictures import picture

PDQ_JS = REPO / "hotline" / "web" / "hashlists" / "static" / "hashlists" / "pdq.js"

# Reads raw RGB frames (width, height, bytes) from a JSON list on stdin; prints one result per frame.
RUNNER = """
const pdq = require(process.argv[1]);
const fs = require("fs");
const jobs = JSON.parse(fs.readFileSync(0, "utf8"));
const out = jobs.map(([w, h, file]) => {
  const rgb = fs.readFileSync(file);
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2]; rgba[4 * i + 3] = 255;
  }
  return pdq.fromRGBA(rgba, w, h);
});
console.log(JSON.stringify(out));
"""

CASES: list[Image.Image] = [
    picture(1, (640, 480)),
    picture(2, (1000, 300)),
    picture(3, (129, 257)),
    picture(4, (64, 64)),
    picture(5, (1024, 1024)),
    picture(6, (333, 999)).convert("L").convert("RGB"),
]


@pytest.fixture(scope="module")
def js_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    folder: Path = tmp_path_factory.mktemp("pdqjs")
    jobs = []
    for i, img in enumerate([*CASES, Image.new("RGB", (200, 200), (90, 90, 90)), Image.new("RGB", (4, 4))]):
        file = folder / f"{i}.rgb"
        file.write_bytes(np.asarray(img.convert("RGB")).tobytes())
        jobs.append([img.width, img.height, str(file)])
    proc = subprocess.run(
        [node, "-e", RUNNER, str(PDQ_JS)], input=json.dumps(jobs), capture_output=True, text=True, timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_js_hash_agrees_with_pdqhash(js_results: list[dict[str, object]], case: int) -> None:
    expected, quality = PdqHash.from_pixels(np.asarray(CASES[case]))
    got = js_results[case]
    assert got["quality"] == quality
    assert isinstance(got["hash"], str) and len(got["hash"]) == 64
    assert PdqHash.distance(expected, got["hash"]) <= 2


def test_js_gives_no_hash_for_flat_or_tiny_pictures(js_results: list[dict[str, object]]) -> None:
    flat, tiny = js_results[len(CASES)], js_results[len(CASES) + 1]
    assert flat["hash"] is None and flat["quality"] == 0
    assert tiny == {"hash": None, "quality": 0}

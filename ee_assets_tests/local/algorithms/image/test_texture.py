"""Image.glcmTexture through the real client, checked against a plain reference: per pixel, an explicit GLCM
dictionary of the window's pairs (both orders) for each of EE's four default offsets, the textbook metric formulas
on the normalized matrix, averaged over the directions."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from affine import Affine

from ee_assets_tests.support.image_fixtures import pixels, write_raster

N = 7
GRID = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:3857",
        "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -10,
                            "translateY": 0}}
LEVELS = (np.arange(N * N).reshape(N, N) * 7 % 5).astype("uint8")


@pytest.fixture()
def ee(tmp_path, ee_on):
    write_raster(tmp_path / "levels.tif", [LEVELS], Affine(10, 0, 0, 0, -10, 0), "EPSG:3857", None)
    return ee_on({"I/levels": {"type": "IMAGE", "path": "levels.tif", "bands": ["g"]}})


def _entropy(probabilities) -> float:
    return -sum(p * math.log(p) for p in probabilities if p > 0)


def _reference(r: int, c: int, size: int = 1) -> dict[str, float]:
    per_direction = []
    for dx, dy in ((-1, -1), (0, -1), (1, -1), (-1, 0)):
        counts: Counter = Counter()
        for a in range(-size, size + 1):
            for b in range(-size, size + 1):
                r1, c1, r2, c2 = r + a, c + b, r + a + dy, c + b + dx
                if abs(a + dy) > size or abs(b + dx) > size:
                    continue
                if not (0 <= r1 < N and 0 <= c1 < N and 0 <= r2 < N and 0 <= c2 < N):
                    continue
                i, j = int(LEVELS[r1, c1]), int(LEVELS[r2, c2])
                counts[(i, j)] += 1
                counts[(j, i)] += 1
        total = sum(counts.values())
        p = {k: v / total for k, v in counts.items()}
        px = Counter()
        psum, pdiff = Counter(), Counter()
        for (i, j), v in p.items():
            px[i] += v
            psum[i + j] += v
            pdiff[abs(i - j)] += v
        mu = sum(i * v for i, v in px.items())
        var = sum((i - mu) ** 2 * v for i, v in px.items())
        savg = sum(k * v for k, v in psum.items())
        dmean = sum(k * v for k, v in pdiff.items())
        hxy, hx = _entropy(p.values()), _entropy(px.values())
        hxy1 = -sum(v * math.log(px[i] * px[j]) for (i, j), v in p.items())
        hxy2 = -sum(px[i] * px[j] * math.log(px[i] * px[j]) for i in px for j in px)
        per_direction.append({
            "asm": sum(v * v for v in p.values()), "contrast": sum((i - j) ** 2 * v for (i, j), v in p.items()),
            "corr": (sum(i * j * v for (i, j), v in p.items()) - mu * mu) / var if var > 0 else 0.0, "var": var,
            "idm": sum(v / (1 + (i - j) ** 2) for (i, j), v in p.items()), "savg": savg,
            "svar": sum((k - savg) ** 2 * v for k, v in psum.items()), "sent": _entropy(psum.values()),
            "ent": hxy, "dvar": sum((k - dmean) ** 2 * v for k, v in pdiff.items()),
            "dent": _entropy(pdiff.values()), "imcorr1": (hxy - hxy1) / hx if hx > 0 else 0.0,
            "imcorr2": math.sqrt(max(0.0, 1 - math.exp(-2 * (hxy2 - hxy)))), "maxcorr": 0.0,
            "diss": sum(abs(i - j) * v for (i, j), v in p.items()),
            "inertia": sum((i - j) ** 2 * v for (i, j), v in p.items()),
            "shade": sum((i + j - 2 * mu) ** 3 * v for (i, j), v in p.items()),
            "prom": sum((i + j - 2 * mu) ** 4 * v for (i, j), v in p.items()),
        })
    return {k: float(np.mean([d[k] for d in per_direction])) for k in per_direction[0]}


def test_glcm_texture_against_an_explicit_glcm(ee):
    img = ee.Image("I/levels")
    texture = img.glcmTexture()
    names = texture.bandNames().getInfo()
    assert names == [f"g_{m}" for m in ("asm", "contrast", "corr", "var", "idm", "savg", "svar", "sent", "ent",
                                        "dvar", "dent", "imcorr1", "imcorr2", "maxcorr", "diss", "inertia",
                                        "shade", "prom")]
    px = pixels(ee, texture, GRID)
    for r, c in ((0, 0), (3, 3), (2, 5), (6, 1)):
        expected = _reference(r, c)
        for metric, value in expected.items():
            assert px[f"g_{metric}"][0][r, c] == pytest.approx(value, rel=1e-9, abs=1e-12), (metric, r, c)
    horizontal = pixels(ee, img.glcmTexture(2, ee.Kernel.fixed(3, 3, [[0, 0, 0], [1, 0, 1], [0, 0, 0]])), GRID)
    assert horizontal["g_contrast"][0][3, 3] == pytest.approx(np.mean(np.diff(LEVELS[1:6, 1:6], axis=1) ** 2))
    with pytest.raises(ee.EEException, match="integer valued"):
        img.toFloat().glcmTexture().getInfo()

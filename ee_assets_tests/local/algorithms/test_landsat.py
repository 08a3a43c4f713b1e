"""Landsat.* through the real client, on small raw Landsat 8 scenes with USGS Level-1 metadata: TOA reflectance and
brightness temperature worked out in numpy from the metadata formulas of the USGS handbook, the cloud score from the
five documented ramps, and the composite's percentile of the least cloudy pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from ee_assets_tests.support.image_fixtures import pixels, write_raster

N = 4
GRID = {"dimensions": {"width": N, "height": N}, "crsCode": "EPSG:32610",
        "affineTransform": {"scaleX": 30, "shearX": 0, "translateX": 500_000, "shearY": 0, "scaleY": -30,
                            "translateY": 4_200_000}}
BANDS = [f"B{i}" for i in range(1, 12)]
SUN = [52.0, 40.0, 61.0]
CLOUD_COVER = [30.0, 5.0, 12.0]


def _dn(scene: int) -> list[np.ndarray]:
    """Band DNs: scene 0 has a bright, cold cloud in its top-left quarter."""
    rng = np.random.default_rng(scene)
    out = []
    for i in range(1, 12):
        base = 9000 + 300 * i + rng.integers(0, 400, (N, N))
        if i >= 10:
            base = 20000 + rng.integers(0, 2000, (N, N))  # thermal
        out.append(base.astype("uint16"))
    if scene == 0:
        for i in range(9):
            out[i][:2, :2] = 30000
        out[9][:2, :2] = 12000
    return out


def _properties(scene: int, with_metadata: bool = True) -> dict:
    props = {"SENSOR_ID": "OLI_TIRS", "SPACECRAFT_ID": "LANDSAT_8", "SUN_ELEVATION": SUN[scene],
             "CLOUD_COVER": CLOUD_COVER[scene], "WRS_PATH": 44, "WRS_ROW": 34}
    if with_metadata:
        for i in range(1, 10):
            props[f"REFLECTANCE_MULT_BAND_{i}"] = 2.0e-5 * (1 + 0.01 * scene)
            props[f"REFLECTANCE_ADD_BAND_{i}"] = -0.1
        for i, (k1, k2) in {10: (774.8853, 1321.0789), 11: (480.8883, 1201.1442)}.items():
            props.update({f"RADIANCE_MULT_BAND_{i}": 3.342e-4, f"RADIANCE_ADD_BAND_{i}": 0.1,
                          f"K1_CONSTANT_BAND_{i}": k1, f"K2_CONSTANT_BAND_{i}": k2})
    return props


@pytest.fixture()
def ee(tmp_path, ee_on):
    transform = Affine(30, 0, 500_000, 0, -30, 4_200_000)
    images = []
    for s in range(3):
        write_raster(tmp_path / f"l8_{s}.tif", _dn(s), transform, "EPSG:32610", None)
        images.append({"path": f"l8_{s}.tif", "id": f"LC08_044034_2020060{s + 1}",
                       "time_start": f"2020-06-0{s + 1}", "properties": _properties(s, with_metadata=s != 2)})
    return ee_on({"L8/raw": {"type": "IMAGE_COLLECTION", "bands": BANDS, "images": images}})


def _toa(scene: int) -> dict[str, np.ndarray]:
    props = {**_properties(scene), "SUN_ELEVATION": SUN[scene]}
    if scene == 2:  # no calibration metadata: the handbook's Collection 2 constants
        props.update({f"REFLECTANCE_MULT_BAND_{i}": 2.0e-5 for i in range(1, 10)})
    dn = _dn(scene)
    sine = math.sin(math.radians(SUN[scene]))
    out = {f"B{i}": (props[f"REFLECTANCE_MULT_BAND_{i}"] * dn[i - 1] - 0.1) / sine for i in range(1, 10)}
    for i in (10, 11):
        radiance = props[f"RADIANCE_MULT_BAND_{i}"] * dn[i - 1] + props[f"RADIANCE_ADD_BAND_{i}"]
        out[f"B{i}"] = props[f"K2_CONSTANT_BAND_{i}"] / np.log(props[f"K1_CONSTANT_BAND_{i}"] / radiance + 1)
    return out


def _score(t: dict[str, np.ndarray]) -> np.ndarray:
    def ramp(v, lo, hi):
        return np.clip((v - lo) / (hi - lo), 0, 1)

    ndsi = (t["B3"] - t["B6"]) / (t["B3"] + t["B6"])
    return 100 * np.minimum.reduce([ramp(t["B2"], 0.1, 0.3), ramp(t["B4"] + t["B3"] + t["B2"], 0.2, 0.8),
                                    ramp(t["B5"] + t["B6"] + t["B7"], 0.3, 0.8), ramp(t["B10"], 300, 290),
                                    ramp(ndsi, 0.8, 0.6)])


def test_toa_and_cloud_score(ee):
    coll = ee.ImageCollection("L8/raw")
    for s in range(3):
        raw = ee.Image(coll.toList(3).get(s))
        toa = ee.Algorithms.Landsat.TOA(raw)
        px = pixels(ee, ee.Algorithms.Landsat.simpleCloudScore(toa), GRID)
        expected = _toa(s)
        for name, values in expected.items():
            np.testing.assert_allclose(px[name][0], values.astype(np.float32), rtol=1e-6)
        np.testing.assert_allclose(px["cloud"][0], _score(expected).astype(np.float32), rtol=1e-5, atol=1e-4)
    assert pixels(ee, ee.Algorithms.Landsat.simpleCloudScore(ee.Algorithms.Landsat.TOA(ee.Image(
        coll.first()))), GRID)["cloud"][0][0, 0] == 100  # the cloud
    radiance = pixels(ee, ee.Algorithms.Landsat.calibratedRadiance(ee.Image(coll.first())).select("B10"), GRID)
    np.testing.assert_allclose(radiance["B10"][0], 3.342e-4 * _dn(0)[9] + 0.1, rtol=1e-6)
    mosaic = coll.map(ee.Algorithms.Landsat.TOA).mosaic()
    with pytest.raises(ee.EEException, match="SENSOR_ID"):
        ee.Algorithms.Landsat.simpleCloudScore(mosaic).getInfo()
    assert ee.Algorithms.Landsat.simpleCloudScore(mosaic.set("SENSOR_ID", "OLI_TIRS")).bandNames().getInfo()[-1] \
        == "cloud"
    assert ee.Image(ee.ApiFunction.call_("Landsat.translateMetadata", coll.first())).bandNames().getInfo() == BANDS


def test_simple_composite_and_path_row_limit(ee):
    coll = ee.ImageCollection("L8/raw")
    toas = [_toa(s) for s in range(3)]
    scores = np.stack([_score(t) for t in toas])
    accepted = scores <= scores.min(axis=0) + 10
    composite = pixels(ee, ee.Algorithms.Landsat.simpleComposite(coll, asFloat=True), GRID)
    as_bytes = pixels(ee, ee.Algorithms.Landsat.simpleComposite(coll), GRID)
    for name in ("B2", "B5", "B10"):
        stack = np.stack([t[name] for t in toas]).astype(np.float32).astype(np.float64)
        expected = np.nanpercentile(np.where(accepted, stack, np.nan), 50, axis=0)
        np.testing.assert_allclose(composite[name][0], expected, rtol=1e-5)
        scaled = np.rint(expected - 100) if name == "B10" else np.rint(expected * 255)
        np.testing.assert_array_equal(as_bytes[name][0], np.clip(scaled, 0, 255))
    limited = ee.Algorithms.Landsat.pathRowLimit(coll, 2, 2).aggregate_array("CLOUD_COVER").getInfo()
    assert limited == [5.0, 12.0]  # the two least cloudy, in collection order
    one = ee.Algorithms.Landsat.simpleComposite(coll, 50, 10, 1, True)
    np.testing.assert_allclose(pixels(ee, one, GRID)["B2"][0], toas[1]["B2"].astype(np.float32), rtol=1e-6)

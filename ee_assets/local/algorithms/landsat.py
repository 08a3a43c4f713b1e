"""Landsat.*: TOA calibration, calibrated radiance, the simple cloud score, the simple composite, the path/row limit.

- **Calibration** (Landsat.TOA, Landsat.calibratedRadiance) reads the USGS Level-1 metadata each scene carries:
  reflectance ρ = (REFLECTANCE_MULT_BAND_n · DN + REFLECTANCE_ADD_BAND_n) / sin(SUN_ELEVATION), thermal bands the
  brightness temperature K2_CONSTANT_BAND_n / ln(K1_CONSTANT_BAND_n / L + 1) of the radiance L = RADIANCE_MULT_BAND_n
  · DN + RADIANCE_ADD_BAND_n. When a Landsat 8/9 scene lacks them, the Collection 2 constants the USGS Landsat 8-9
  data users handbook gives are used (reflectance 2.0e-5 · DN − 0.1; band 10 radiance 3.342e-4 · DN + 0.1 with K1
  774.8853, K2 1321.0789; band 11 K1 480.8883, K2 1201.1442). Older scenes without metadata are refused (EE derives
  theirs from Chander et al. 2009, not reproduced here). Other bands (QA, angles) are kept as they are.
- **simpleCloudScore** adds a band 'cloud' in [0, 100]: 100 × the minimum of five linear ramps, clamped to [0, 1] —
  blue in [0.1, 0.3], red + green + blue in [0.2, 0.8], nir + swir1 + swir2 in [0.3, 0.8], temperature from 300 K
  down to 290 K, and NDSI (green, swir1) from 0.8 down to 0.6 — the brightness / temperature / NDSI recipe EE's
  description names, as the widely used Earth Engine "cloudScore" script writes it. Bands are picked by the
  SENSOR_ID property (OLI_TIRS, ETM, TM), which a mosaic must be given (EE's Landsat guide sets it).
- **simpleComposite** calibrates every scene, scores it, keeps per pixel the scores within `cloudScoreRange` of the
  lowest and takes the `percentile` of the kept values per band (as uint8: reflectance × 255, temperature − 100,
  rounded, unless `asFloat`); `maxDepth` keeps the least cloudy scenes (CLOUD_COVER) of the collection.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection
from ee_assets.local.values.image import Band, Image, MapRecipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION

IMG = "Image<unknown bands>"
FLOAT32 = np.dtype(np.float32)

# (reflective bands, thermal bands) of each sensor's Level-1 product, by SENSOR_ID.
SENSORS = {
    "OLI_TIRS": ([f"B{i}" for i in range(1, 10)], ["B10", "B11"]),
    "OLI": ([f"B{i}" for i in range(1, 10)], []),
    "ETM": (["B1", "B2", "B3", "B4", "B5", "B7", "B8"], ["B6_VCID_1", "B6_VCID_2"]),
    "TM": (["B1", "B2", "B3", "B4", "B5", "B7"], ["B6"]),
}
# The bands the cloud score reads, by SENSOR_ID: blue, green, red, nir, swir1, swir2, temperature.
SCORE_BANDS = {
    "OLI_TIRS": ("B2", "B3", "B4", "B5", "B6", "B7", "B10"),
    "ETM": ("B1", "B2", "B3", "B4", "B5", "B7", "B6_VCID_1"),
    "TM": ("B1", "B2", "B3", "B4", "B5", "B7", "B6"),
}
OLI_DEFAULTS = {"REFLECTANCE_MULT": 2.0e-5, "REFLECTANCE_ADD": -0.1, "RADIANCE_MULT_BAND_10": 3.342e-4,
                "RADIANCE_ADD_BAND_10": 0.1, "K1_CONSTANT_BAND_10": 774.8853, "K2_CONSTANT_BAND_10": 1321.0789,
                "RADIANCE_MULT_BAND_11": 3.342e-4, "RADIANCE_ADD_BAND_11": 0.1, "K1_CONSTANT_BAND_11": 480.8883,
                "K2_CONSTANT_BAND_11": 1201.1442}


def _sensor(op: str, img: Image) -> str:
    sensor = img.properties.get("SENSOR_ID")
    if sensor is None:
        spacecraft = str(img.properties.get("SPACECRAFT_ID", ""))
        sensor = {"LANDSAT_8": "OLI_TIRS", "LANDSAT_9": "OLI_TIRS", "LANDSAT_7": "ETM", "LANDSAT_5": "TM",
                  "LANDSAT_4": "TM"}.get(spacecraft)
    if sensor == "ETM+":
        sensor = "ETM"
    if sensor not in SENSORS:
        raise InvalidArgument(f"{op}: the image has no known SENSOR_ID property (OLI_TIRS, ETM or TM), got "
                              f"{sensor!r}; set it, e.g. image.set('SENSOR_ID', 'OLI_TIRS') for a Landsat 8 mosaic.")
    return sensor


def _suffix(band: str) -> str:
    return band[1:] if re.fullmatch(r"B\d+(_VCID_\d)?", band) else band


def _coefficient(op: str, img: Image, sensor: str, key: str, band: str) -> float:
    name = f"{key}_BAND_{_suffix(band)}"
    value = img.properties.get(name)
    if value is None and sensor in ("OLI_TIRS", "OLI"):
        value = OLI_DEFAULTS.get(name, OLI_DEFAULTS.get(key))
    if value is None:
        raise InvalidArgument(f"{op}: the image lacks the calibration property {name} (USGS Level-1 metadata).")
    return float(value)


def _linear(band: Band, gain: float, offset: float, then=None) -> Band:
    def run(px):
        v = px[0][0] * gain + offset
        return (then(v) if then else v), px[0][1]

    return Band(band.name, FLOAT32, band.projection, MapRecipe(run, (band.recipe,)), band.extent)


def toa(op: str, image) -> Image:
    img = as_image(image, "input")
    sensor = _sensor(op, img)
    reflective, thermal = SENSORS[sensor]
    sun = img.properties.get("SUN_ELEVATION")
    bands = []
    for b in img.bands:
        if b.name in reflective:
            if sun is None:
                raise InvalidArgument(f"{op}: the image lacks the SUN_ELEVATION property.")
            sine = math.sin(math.radians(float(sun)))
            gain = _coefficient(op, img, sensor, "REFLECTANCE_MULT", b.name) / sine
            bands.append(_linear(b, gain, _coefficient(op, img, sensor, "REFLECTANCE_ADD", b.name) / sine))
        elif b.name in thermal:
            k1 = _coefficient(op, img, sensor, "K1_CONSTANT", b.name)
            k2 = _coefficient(op, img, sensor, "K2_CONSTANT", b.name)

            def kelvin(radiance, k1=k1, k2=k2):
                with np.errstate(all="ignore"):
                    return k2 / np.log(k1 / radiance + 1.0)

            bands.append(_linear(b, _coefficient(op, img, sensor, "RADIANCE_MULT", b.name),
                                 _coefficient(op, img, sensor, "RADIANCE_ADD", b.name), kelvin))
        else:
            bands.append(b)
    return img.with_bands(bands)


@algorithm("Landsat.TOA", returns=IMG, input=IMG)
def landsat_toa(input: Image) -> Image:
    """Top-of-atmosphere reflectance (reflective bands) and brightness temperature in kelvin (thermal bands)."""
    return toa("Landsat.TOA", input)


@algorithm("Landsat.calibratedRadiance", returns=IMG, image=IMG)
def calibrated_radiance(image: Image) -> Image:
    """Each band with RADIANCE_MULT_BAND_n / RADIANCE_ADD_BAND_n metadata as radiance (W / (m² sr µm))."""
    op = "Landsat.calibratedRadiance"
    img = as_image(image)
    bands = []
    for b in img.bands:
        suffix = _suffix(b.name)
        mult, add = img.properties.get(f"RADIANCE_MULT_BAND_{suffix}"), img.properties.get(f"RADIANCE_ADD_BAND_"
                                                                                          f"{suffix}")
        bands.append(_linear(b, float(mult), float(add)) if mult is not None and add is not None else b)
    if all(a is b for a, b in zip(bands, img.bands, strict=True)):
        raise InvalidArgument(f"{op}: no band has RADIANCE_MULT_BAND_n / RADIANCE_ADD_BAND_n metadata.")
    return img.with_bands(bands)


def _ramp(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (v - lo) / (hi - lo)


def cloud_score(values: list[np.ndarray]) -> np.ndarray:
    """The score in [0, 100] from TOA blue, green, red, nir, swir1, swir2 (reflectance) and temperature (K)."""
    blue, green, red, nir, swir1, swir2, temp = values
    with np.errstate(all="ignore"):
        ndsi = (green - swir1) / (green + swir1)
        score = np.minimum.reduce([np.ones_like(blue), _ramp(blue, 0.1, 0.3), _ramp(red + green + blue, 0.2, 0.8),
                                   _ramp(nir + swir1 + swir2, 0.3, 0.8), _ramp(temp, 300.0, 290.0),
                                   _ramp(np.nan_to_num(ndsi), 0.8, 0.6)])
    return 100.0 * np.clip(score, 0.0, 1.0)


def _score_band(op: str, img: Image) -> Band:
    sensor = _sensor(op, img)
    names = SCORE_BANDS.get(sensor)
    if names is None:
        raise InvalidArgument(f"{op}: sensor {sensor} has no thermal band to score clouds with.")
    by_name = {b.name: b for b in img.bands}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise InvalidArgument(f"{op}: the image lacks band(s) {missing} of a {sensor} TOA image.")
    inputs = [by_name[n] for n in names]

    def run(px):
        return cloud_score([p[0] for p in px]), np.min(np.stack([p[1] for p in px]), axis=0)

    first = inputs[0]
    return Band("cloud", FLOAT32, first.projection, MapRecipe(run, tuple(b.recipe for b in inputs)), first.extent)


@algorithm("Landsat.simpleCloudScore", returns=IMG, image=IMG)
def simple_cloud_score(image: Image) -> Image:
    """The TOA image with a band 'cloud': the relative cloud likelihood in [0, 100]."""
    img = as_image(image)
    return img.with_bands([*img.bands, _score_band("Landsat.simpleCloudScore", img)])


def _least_cloudy(images: list[Image], limit: int) -> list[Image]:
    order = sorted(range(len(images)), key=lambda i: (float(images[i].properties.get("CLOUD_COVER", 100.0)), i))
    return [images[i] for i in sorted(order[:limit])]


@algorithm("Landsat.pathRowLimit", returns="ImageCollection", collection="ImageCollection",
           maxScenesPerPathRow="Integer", maxScenesTotal="Integer")
def path_row_limit(collection, maxScenesPerPathRow: int = 25, maxScenesTotal: int = 100) -> Collection:
    """The least cloudy scenes (CLOUD_COVER): at most maxScenesPerPathRow per WRS path/row and maxScenesTotal in
    all, in collection order (EE limits per request region; here over the whole collection)."""
    coll = as_collection(collection)
    images = [e for e in coll.elements if isinstance(e, Image)]
    groups: dict[tuple, list[Image]] = {}
    for img in images:
        groups.setdefault((img.properties.get("WRS_PATH"), img.properties.get("WRS_ROW")), []).append(img)
    kept = {id(img) for group in groups.values() for img in _least_cloudy(group, int(maxScenesPerPathRow))}
    chosen = _least_cloudy([img for img in images if id(img) in kept], int(maxScenesTotal))
    return coll.derive(chosen)


@algorithm("Landsat.simpleComposite", returns=IMG, collection="ImageCollection", percentile="Integer",
           cloudScoreRange="Integer", maxDepth="Integer", asFloat="Boolean")
def simple_composite(collection, percentile: int = 50, cloudScoreRange: int = 10, maxDepth: int = 40,
                     asFloat: bool = False) -> Image:
    """A TOA composite of raw scenes: per pixel, the `percentile` of each calibrated band over the scenes whose
    cloud score is within `cloudScoreRange` of the lowest."""
    op = "Landsat.simpleComposite"
    images = _least_cloudy([e for e in as_collection(collection).elements if isinstance(e, Image)], int(maxDepth))
    if not images:
        return Image([], {})
    sensors = {_sensor(op, img) for img in images}
    if len(sensors) != 1:
        raise InvalidArgument(f"{op}: the scenes must come from one sensor, got {sorted(sensors)}.")
    sensor = sensors.pop()
    reflective, thermal = SENSORS[sensor]
    calibrated = [toa(op, img) for img in images]
    scores = [_score_band(op, img) for img in calibrated]
    names = [n for n in reflective + thermal if all(n in img.band_names for img in calibrated)]
    n = len(calibrated)
    pct, spread = float(percentile), float(cloudScoreRange)

    def composite(name: str):
        thermal_band = name in thermal

        def run(px):
            score = np.stack([p[0] for p in px[:n]])
            score_ok = np.stack([p[1] > 0 for p in px[:n]])
            values = np.stack([p[0] for p in px[n:]])
            ok = score_ok & np.stack([p[1] > 0 for p in px[n:]])
            lowest = np.min(np.where(ok, score, np.inf), axis=0)
            accepted = ok & (score <= lowest + spread)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out = np.nanpercentile(np.where(accepted, values, np.nan), pct, axis=0, method="linear")
            any_ok = accepted.any(axis=0)
            if not asFloat:
                out = np.clip(np.rint(out - 100.0 if thermal_band else out * 255.0), 0, 255)
            return np.where(any_ok, out, 0.0), any_ok.astype(np.float32)

        recipes = tuple(s.recipe for s in scores) + tuple(
            next(b for b in img.bands if b.name == name).recipe for img in calibrated)
        dtype = FLOAT32 if asFloat else np.dtype(np.uint8)
        return Band(name, dtype, DEFAULT_PROJECTION, MapRecipe(run, recipes), None)

    return Image([composite(name) for name in names], {})


@algorithm("Landsat.translateMetadata", returns=IMG, input=IMG)
def translate_metadata(input: Image) -> Image:
    """The input itself ("Does nothing", as EE documents)."""
    return as_image(input, "input")

"""The synthetic world every public dataset is drawn from: latent fields at lon/lat points.

One landscape for all datasets (relief, greenness, open water) so that datasets agree where they overlap: a lake
in Sentinel-2 is a lake in Landsat, water in WorldCover and dark in NDVI. Per image, clouds (their cover matching the
image's cloud-cover property), cloud shadows and a slowly varying field make dates differ; a season term makes
vegetation green up in the local summer. Fields are value-noise fractals with cells from 8 degrees down to a few
native pixels, so they are smooth at the pixel scale and structured at every other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ee_assets.local.catalog.public.noise import Layer, seed_of, uniform_mixture

COARSEST_DEG = 8.0
DETAIL_DEG = 0.05
CLOUD_COARSEST_DEG = 0.12
WATER_SHARE = 0.06
FIELD_COUNT = 14  # upper bound of the arrays a Fields can cache (kept in step with the properties below)
_RELIEF, _GREEN, _WATER = seed_of("relief"), seed_of("green"), seed_of("water")


def _octaves(coarsest: float, finest: float, cap: int = 10) -> int:
    if finest >= coarsest:
        return 0
    return int(min(cap, math.floor(math.log2(coarsest / finest)) + 1))


def landscape_layers(detail_deg: float) -> tuple[Layer, ...]:
    """Two fbm layers on absolute cell ladders: continental (8° down to 0.05°) and local (0.05° down to about eight
    pixels of the dataset's finest band), so every dataset shares the same large-scale world and fine datasets
    get texture at their own scale."""
    finest = max(8.0 * detail_deg, 1e-6)
    coarse = _octaves(COARSEST_DEG, max(finest, DETAIL_DEG))
    detail = _octaves(DETAIL_DEG, finest)
    return ((COARSEST_DEG, max(1, coarse), 0.5, 0.45), (DETAIL_DEG, detail, 0.65, 0.55))


def cloud_layers(detail_deg: float) -> tuple[Layer, ...]:
    finest = max(4.0 * detail_deg, 1e-6)
    return ((CLOUD_COARSEST_DEG, max(1, _octaves(CLOUD_COARSEST_DEG, finest, cap=8)), 0.55, 1.0),)


def octaves_for(pixel_deg: float) -> int:
    """Octaves of a single continental layer down to about eight pixels (for secondary fields)."""
    return max(2, _octaves(COARSEST_DEG, 8.0 * pixel_deg))


@dataclass(frozen=True)
class Moment:
    """What the per-image fields depend on."""

    cloud_seed: int
    variation_seed: int
    cloud_cover: float  # percent
    season: float  # +1 at the northern summer peak (mid July), -1 at the southern one


def season_of(day_of_year: float) -> float:
    return math.cos(2.0 * math.pi * (day_of_year - 196.0) / 365.25)


STATIC_FIELDS = ("relief", "green", "water", "snow")


class StaticStore(dict):
    """The date-independent fields of a set of points, shared by the `Fields` of every image on those points."""

    def __init__(self, points: int):
        super().__init__()
        self.max_nbytes = len(STATIC_FIELDS) * 8 * points + 200


class Fields:
    """Latent fields at a fixed set of lon/lat points (1-D arrays), computed on first use and kept."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray, detail_deg: float, moment: Moment,
                 static: StaticStore | None = None):
        """`detail_deg`: the pixel size (degrees) of the dataset's finest band: the scale of the finest texture;
        `static`: where the date-independent fields are kept (shared by images on the same points)."""
        self.lon, self.lat = lon, lat
        self.layers = landscape_layers(detail_deg)
        self.clouds = cloud_layers(detail_deg)
        self.octaves = octaves_for(detail_deg)
        self.moment = moment
        self._cache: dict[str, np.ndarray] = {}
        self._static = StaticStore(lon.size) if static is None else static

    def _get(self, name: str, make) -> np.ndarray:
        store = self._static if name in STATIC_FIELDS else self._cache
        v = store.get(name)
        if v is None:
            v = store[name] = make()
        return v

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._cache.values()) + self.lon.nbytes + self.lat.nbytes

    @property
    def max_nbytes(self) -> int:
        """The most this can hold: the points plus every field (at most 8 bytes a point each)."""
        return (2 + FIELD_COUNT - len(STATIC_FIELDS)) * self.lon.size * 8 + 1000

    # -- static -----------------------------------------------------------------------------------------
    @property
    def relief(self) -> np.ndarray:
        return self._get("relief", lambda: uniform_mixture(self.lon, self.lat, self.layers, _RELIEF))

    @property
    def green(self) -> np.ndarray:
        """Vegetation potential in [0, 1]: greener away from the poles and the high ground."""
        def make():
            g = uniform_mixture(self.lon, self.lat, self.layers, _GREEN)
            a = np.minimum(np.abs(self.lat) / 70.0, 1.0)
            polar = 1.0 - a * a * a * a
            return g * polar * (1.0 - 0.5 * np.maximum(self.relief - 0.8, 0.0) / 0.2)
        return self._get("green", make)

    @property
    def water(self) -> np.ndarray:
        """Open water (lakes and rivers), about WATER_SHARE of the land, in the lowlands."""
        def make():
            w = uniform_mixture(self.lon, self.lat, self.layers, _WATER)
            return (w < WATER_SHARE) & (self.relief < 0.6)
        return self._get("water", make)

    @property
    def snow(self) -> np.ndarray:
        return self._get("snow", lambda: (self.relief > 0.97) | (np.abs(self.lat) > 75.0))

    # -- per image ----------------------------------------------------------------------------------------
    def _require_moment(self) -> Moment:
        if self.moment is None:
            raise ValueError("per-image fields need a Moment")
        return self.moment

    @property
    def variation(self) -> np.ndarray:
        m = self._require_moment()
        return self._get("variation", lambda: uniform_mixture(self.lon, self.lat, self.layers, m.variation_seed))

    @property
    def cloud(self) -> np.ndarray:
        """Cloud optical thickness in [0, 1]; 0 where clear. About cloud_cover % of a scene is cloudy."""
        m = self._require_moment()

        def make():
            if m.cloud_cover <= 0:
                return np.zeros(self.lon.shape)
            c = uniform_mixture(self.lon, self.lat, self.clouds, m.cloud_seed)
            threshold = 1.0 - m.cloud_cover / 100.0
            return np.clip((c - threshold) * 4.0 + 0.25, 0.0, 1.0) * (c > threshold)
        return self._get("cloud", make)

    @property
    def cloudy(self) -> np.ndarray:
        return self._get("cloudy", lambda: self.cloud > 0)

    @property
    def cirrus(self) -> np.ndarray:
        """Thin cloud: the edges of the clouds."""
        return self._get("cirrus", lambda: self.cloudy & (self.cloud < 0.45))

    @property
    def shadow(self) -> np.ndarray:
        """Cloud shadows: clear pixels under a cloud displaced by about a kilometre."""
        m = self._require_moment()

        def make():
            if m.cloud_cover <= 0:
                return np.zeros(self.lon.shape, bool)
            c = uniform_mixture(self.lon + 0.011, self.lat - 0.008, self.clouds, m.cloud_seed)
            return (c > 1.0 - m.cloud_cover / 100.0) & ~self.cloudy
        return self._get("shadow", make)

    @property
    def vegetation(self) -> np.ndarray:
        """Green vegetation cover in [0, 1] on this date: potential times season, with image-to-image change."""
        m = self._require_moment()

        def make():
            s = np.clip(self.lat / 30.0, -1.0, 1.0) * m.season
            v = self.green * (0.62 + 0.38 * s) * (0.9 + 0.2 * self.variation)
            return np.clip(v, 0.0, 1.0) * ~self.water
        return self._get("vegetation", make)

    @property
    def temperature(self) -> np.ndarray:
        """Surface temperature in kelvin."""
        m = self._require_moment()

        def make():
            a = np.abs(self.lat) / 70.0
            s = np.clip(self.lat / 40.0, -1.0, 1.0) * m.season
            t = 301.0 - 38.0 * a * a + 11.0 * s - 18.0 * self.relief + 4.0 * (self.variation - 0.5)
            t = t - 4.0 * self.vegetation
            return np.where(self.cloudy, t - 25.0 * self.cloud, t)
        return self._get("temperature", make)

"""The images of a synthetic public dataset: which exist for a date window and region, with ids, times,
footprints, native grids and properties.

Three schemes:

- Landsat scene collections (`scenes: WRS2`): one image per WRS-2 daytime scene on the days its path is imaged
  (every 16 days; adjacent paths 7 days apart; Landsat 9 and 7 eight days after 8 and 5), at 10:10 local solar
  time, ids like `LC09_044034_20220101` (pre-collection ids `LC80440342014077LGN00`), in the scene's UTM zone.
- Sentinel-2 tile collections (`scenes: MGRS`, also S2 cloud probability, Cloud Score+ and Dynamic World, which
  share Sentinel-2's image ids): one image per tile every 10 days per satellite (2A, 2B five days apart, 2C in
  2A's place from 2025-01-21 when the catalog lists it), ids like `20200601T184919_20200601T185526_T10SEG`.
- Everything else: one image per time step (`timeline`) covering the dataset's bbox.

Nothing is listed before it is asked for: listings are generators in time order, so `first()` or a date filter
costs only what it reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import shapely
from shapely import affinity

from ee_assets.local.catalog.public import scenes, timeline
from ee_assets.local.catalog.public.facts import DatasetFacts
from ee_assets.local.catalog.public.native import NativeGrid, geographic_grid, modis_grid, utm_epsg, utm_grid
from ee_assets.local.catalog.public.noise import seed_of
from ee_assets.local.catalog.public.properties import ImageContext, image_properties, unit_hash

BBox = tuple[float, float, float, float]
UTC = dt.UTC
S2B_START = dt.datetime(2017, 3, 7, tzinfo=UTC)
S2C_START = dt.datetime(2025, 1, 21, tzinfo=UTC)
_DAY = dt.timedelta(days=1)
_LANDSAT_ID = re.compile(r"^LANDSAT/(L[CMTEO])(0\d)/C0([12])/(T[12])")
_LANDSAT_OLD_ID = re.compile(r"^LANDSAT/(L[CMTEO])(\d)")
_LANDSAT_INDEX = re.compile(r"^(L[CMTEO]0\d)_(\d{3})(\d{3})_(\d{8})$")
_LANDSAT_OLD_INDEX = re.compile(r"^(L[CMTEO]\d)(\d{3})(\d{3})(\d{4})(\d{3})LGN0\d$")
_S2_INDEX = re.compile(r"^(\d{8}T\d{6})_(\d{8}T\d{6})_T(\d\d[A-Z]{3})$")
_SENSORS = {"LC": "OLI_TIRS", "LO": "OLI", "LT": "TM", "LE": "ETM", "LM": "MSS"}
_MISSION_PHASE = {"LC09": 8, "LE07": 8, "LT04": 8}  # days after the Landsat 8 / 5 slot of the 16-day cycle


@dataclass(frozen=True)
class Scene:
    """Where an image is: footprint (lon/lat), native UTM zone and bounds for scene datasets, the values the
    scene fixes, and the key its clouds are drawn from (shared by datasets imaging the same scene)."""

    footprint: shapely.Geometry
    center: tuple[float, float]
    epsg: str | None = None
    utm_bounds: BBox | None = None
    known: tuple[tuple[str, object], ...] = ()
    cloud_key: str = ""


class SyntheticImage:
    """One image of a synthetic public dataset (IMAGE datasets have exactly one)."""

    def __init__(self, ds: DatasetFacts, index: str, start: dt.datetime, end: dt.datetime, scene: Scene):
        self.ds = ds
        self.index = index
        self.start = start
        self.end = end
        self.scene = scene

    def __repr__(self) -> str:
        return f"SyntheticImage({self.id!r})"

    @property
    def id(self) -> str:
        """The asset id: `COLLECTION/INDEX`, or the dataset id of an IMAGE dataset."""
        return self.ds.id if self.ds.type == "IMAGE" else f"{self.ds.id}/{self.index}"

    @property
    def time_start(self) -> int:
        return timeline.millis(self.start)

    @property
    def time_end(self) -> int:
        return timeline.millis(self.end)

    @property
    def footprint(self) -> shapely.Geometry:
        return self.scene.footprint

    @property
    def band_names(self) -> list[str]:
        return [b.name for b in self.ds.bands]

    @cached_property
    def cloud_cover(self) -> float:
        """Percent of the image drawn as cloud (0 for datasets without clouds)."""
        return cloud_cover(self.ds, self.scene.cloud_key or f"{self.ds.id}/{self.index}")

    @property
    def cloud_seed(self) -> int:
        return seed_of("clouds", self.scene.cloud_key or f"{self.ds.id}/{self.index}")

    @property
    def variation_seed(self) -> int:
        """Seed of what changes from image to image besides clouds (shared by images of the same scene)."""
        return seed_of("variation", self.scene.cloud_key or self.index)

    @cached_property
    def properties(self) -> dict:
        """system:index, system:time_start, system:time_end, the schema's properties and `synthetic: True`."""
        ctx = ImageContext(self.ds, self.index, self.start, self.end, self.scene.center[0], self.scene.center[1],
                           self.cloud_cover, dict(self.scene.known))
        return {"system:index": self.index, "system:time_start": self.time_start, "system:time_end": self.time_end,
                **image_properties(ctx)}

    def grid(self, band: str) -> NativeGrid:
        """The native pixel grid of a band (its CRS, transform and extent)."""
        b = self.ds.band(band)
        if b is None:
            raise KeyError(band)
        gsd = float(b.gsd or self.ds.gsd or 1000.0)
        if self.scene.epsg and self.scene.utm_bounds:
            return utm_grid(self.scene.epsg, self.scene.utm_bounds, gsd)
        if self.ds.crs == "SR-ORG:6974":
            return modis_grid(gsd, self.ds.bbox)
        return geographic_grid(gsd, self.ds.bbox)


def is_cloudy(ds: DatasetFacts) -> bool:
    """Whether the dataset's images have clouds: scene collections, and datasets with a cloud property, a cloud
    bit or a cloud class (their pixels and those properties then agree)."""
    if ds.scenes in ("WRS2", "MGRS"):
        return True
    if any("CLOUD" in p.name.upper() for p in ds.properties):
        return True
    for b in ds.bands:
        if any("cloud" in p.description.lower() for p in b.bitmask) or any("cloud" in c[1].lower() for c in b.classes):
            return True
    return False


def cloud_cover(ds: DatasetFacts, key: str) -> float:
    """Percent cloud of an image: skewed towards clear for scenes and daily data (median ~30 %), a few percent for
    composites (cadence of 8 days or more), 0 for datasets without clouds."""
    if not is_cloudy(ds):
        return 0.0
    u = unit_hash("cloud_cover", key)
    c = ds.cadence or {}
    composite = ds.scenes is None and not (c.get("unit") in ("minute", "hour") or
                                           (c.get("unit") == "day" and int(c.get("interval") or 1) < 8))
    return round(5.0 * u if composite else 100.0 * u ** 1.7, 2)


def _bbox_polygon(bbox: BBox) -> shapely.Geometry:
    return shapely.box(*bbox)


def _intersects(footprint: shapely.Geometry, region: shapely.Geometry | None) -> bool:
    if region is None:
        return True
    if footprint.intersects(region):
        return True
    minx, _, maxx, _ = footprint.bounds
    if maxx > 180:  # footprints across the antimeridian are stored with longitudes above 180
        return affinity.translate(footprint, -360.0).intersects(region)
    return False


def region_bbox(region: shapely.Geometry | BBox | None) -> tuple[BBox | None, shapely.Geometry | None]:
    if region is None:
        return None, None
    geom = _bbox_polygon(region) if isinstance(region, tuple | list) else region
    return tuple(geom.bounds), geom


# -- Landsat (WRS-2) --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LandsatMission:
    code: str  # LC09, or LC8 for pre-collection datasets
    collection: int | None  # 1, 2, or None (pre-collection)
    tier: str

    @property
    def prefix(self) -> str:
        return self.code[:2] + self.code[-1].zfill(2) if self.collection else self.code

    @property
    def number(self) -> int:
        return int(self.code[2:])

    @property
    def phase(self) -> int:
        return _MISSION_PHASE.get(self.prefix, 0)


def landsat_mission(ds: DatasetFacts) -> LandsatMission:
    m = _LANDSAT_ID.match(ds.id)
    if m:
        return LandsatMission(m.group(1) + m.group(2), int(m.group(3)), m.group(4))
    m = _LANDSAT_OLD_ID.match(ds.id)
    return LandsatMission(m.group(1) + m.group(2), None, "T1")


def _landsat_start(path: int, row: int, day: dt.date) -> dt.datetime:
    lon, _ = scenes.wrs2_center(path, row)
    local = dt.datetime(day.year, day.month, day.day, 10, 10, tzinfo=UTC)
    when = local - dt.timedelta(hours=float(lon) / 15.0)
    return when.replace(microsecond=0) + dt.timedelta(seconds=round(20 * unit_hash(path, row, day.toordinal()), 3))


def _landsat_image(ds: DatasetFacts, mission: LandsatMission, path: int, row: int, day: dt.date) -> SyntheticImage:
    lon, lat = (float(v) for v in scenes.wrs2_center(path, row))
    when = _landsat_start(path, row, day)
    date = when.date()
    if mission.collection:
        index = f"{mission.prefix}_{path:03d}{row:03d}_{date:%Y%m%d}"
    else:
        index = f"{mission.code}{path:03d}{row:03d}{date:%Y}{date.timetuple().tm_yday:03d}LGN00"
    footprint = scenes.wrs2_footprint(path, row)
    epsg = utm_epsg(lon, lat)
    xs, ys = scenes.to_utm(epsg).transform(*footprint.exterior.coords.xy)
    level = "L2SP" if ds.id.endswith("_L2") else "L1TP"
    processed = date + dt.timedelta(days=2 + int(10 * unit_hash(index, "processed")))
    coll = f"{mission.collection:02d}" if mission.collection else "01"
    product = f"{mission.prefix}_{level}_{path:03d}{row:03d}_{date:%Y%m%d}_{processed:%Y%m%d}_{coll}_{mission.tier}"
    known = {
        "WRS_PATH": path, "WRS_ROW": row, "SPACECRAFT_ID": f"LANDSAT_{mission.number}",
        "SENSOR_ID": "TIRS" if mission.prefix == "LT08" else _SENSORS[mission.code[:2]],
        "LANDSAT_PRODUCT_ID": product, "L1_LANDSAT_PRODUCT_ID": product.replace("L2SP", "L1TP"),
        "LANDSAT_SCENE_ID": f"{mission.code[:2]}{mission.number}{path:03d}{row:03d}{date:%Y}"
                            f"{date.timetuple().tm_yday:03d}LGN00",
        "COLLECTION_CATEGORY": mission.tier, "COLLECTION_NUMBER": mission.collection or 1,
        "PROCESSING_LEVEL": level, "L1_PROCESSING_LEVEL": "L1TP", "DATA_TYPE": "L1TP",
        "UTM_ZONE": int(epsg[-2:]), "WRS_TYPE": 2,
    }
    scene = Scene(footprint, (lon, lat), epsg, (min(xs), min(ys), max(xs), max(ys)), tuple(known.items()),
                  cloud_key=f"{mission.prefix}_{path:03d}{row:03d}_{date:%Y%m%d}")
    return SyntheticImage(ds, index, when, when + dt.timedelta(seconds=25), scene)


def _landsat_images(ds: DatasetFacts, t0: dt.datetime, t1: dt.datetime, bbox: BBox | None,
                    region: shapely.Geometry | None) -> Iterator[SyntheticImage]:
    """Day by day; within a day the scenes are put in time order from their centres alone, and each image is
    built only when the consumer gets to it (an unfiltered `first()` builds one)."""
    mission = landsat_mission(ds)
    by_phase: dict[int, list[tuple[int, int]]] = {}
    for path, row in scenes.wrs2_scenes(bbox):
        by_phase.setdefault((scenes.wrs2_day_phase(path) + mission.phase) % 16, []).append((path, row))
    day = t0.date() - _DAY
    while dt.datetime(day.year, day.month, day.day, tzinfo=UTC) <= t1 + _DAY:
        todays = by_phase.get(day.toordinal() % 16, [])
        timed = sorted((_landsat_start(path, row, day), path, row) for path, row in todays)
        for start, path, row in timed:
            if t0 <= start < t1:
                img = _landsat_image(ds, mission, path, row, day)
                if _intersects(img.footprint, region):
                    yield img
        day += _DAY


def _landsat_lookup(ds: DatasetFacts, index: str) -> SyntheticImage | None:
    mission = landsat_mission(ds)
    m = _LANDSAT_INDEX.match(index) if mission.collection else _LANDSAT_OLD_INDEX.match(index)
    if not m or m.group(1) != (mission.prefix if mission.collection else mission.code):
        return None
    path, row = int(m.group(2)), int(m.group(3))
    if not (1 <= path <= scenes.WRS2_PATHS and 1 <= row <= scenes.WRS2_DAY_ROWS):
        return None
    if mission.collection:
        date = dt.datetime.strptime(m.group(4), "%Y%m%d").date()
    else:
        date = dt.date(int(m.group(4)), 1, 1) + dt.timedelta(days=int(m.group(5)) - 1)
    for day in (date - _DAY, date, date + _DAY):
        if (day.toordinal() - scenes.wrs2_day_phase(path) - mission.phase) % 16 == 0:
            img = _landsat_image(ds, mission, path, row, day)
            start, end = timeline.extent(ds)
            if img.index == index and start <= img.start < end:
                return img
    return None


# -- Sentinel-2 (MGRS) ------------------------------------------------------------------------------------
def _s2_platform(ds: DatasetFacts, day: dt.date, zone: int) -> str | None:
    """Which satellite images a zone on a day, or None."""
    phase = (day.toordinal() - scenes.s2_day_phase(zone)) % 10
    when = dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
    if phase == 0:
        return "Sentinel-2C" if "Sentinel-2C" in ds.platforms and when >= S2C_START else "Sentinel-2A"
    if phase == 5 and when >= S2B_START:
        return "Sentinel-2B"
    return None


def _s2_times(zone: int, south: bool, e100: int, n100: int, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """(datatake start, granule start): the datatake at 10:30 local time at the zone's centre (jittered by up to
    4 minutes), each granule later the further south it is (a descending pass), all within 20 minutes."""
    orbit_lon = scenes.zone_center_lon(zone)
    datatake = (dt.datetime(day.year, day.month, day.day, 10, 30, tzinfo=UTC)
                - dt.timedelta(hours=orbit_lon / 15.0)
                + dt.timedelta(seconds=int(240 * unit_hash("datatake", zone, day.toordinal()))))
    rank = (93 - n100) if not south else 94 + (99 - n100)
    return datatake, datatake + dt.timedelta(seconds=5 * rank + e100)


def _s2_image(ds: DatasetFacts, tile: scenes.Tile, day: dt.date, platform: str) -> SyntheticImage:
    zone, south = int(tile.name[:2]), tile.epsg.startswith("EPSG:327")
    e100, n100 = int((tile.bounds[0] + 20.0) // 100_000), int(tile.bounds[3] // 100_000) - 1
    datatake, granule = _s2_times(zone, south, e100, n100, day)
    index = f"{datatake:%Y%m%dT%H%M%S}_{granule:%Y%m%dT%H%M%S}_T{tile.name}"
    orbit = scenes.s2_relative_orbit(scenes.zone_center_lon(zone))
    level = "MSIL1C" if ds.id in ("COPERNICUS/S2", "COPERNICUS/S2_HARMONIZED") else "MSIL2A"
    unit = platform[-1]
    absolute = int((datatake - dt.datetime(2015, 6, 23, tzinfo=UTC)).total_seconds() // 6035.0)
    known = {
        "MGRS_TILE": tile.name, "SPACECRAFT_NAME": platform, "SENSING_ORBIT_NUMBER": orbit,
        "SENSING_ORBIT_DIRECTION": "DESCENDING", "PROCESSING_BASELINE": "05.00",
        "PRODUCT_ID": f"S2{unit}_{level}_{datatake:%Y%m%dT%H%M%S}_N0500_R{orbit:03d}_T{tile.name}_"
                      f"{granule + dt.timedelta(hours=2):%Y%m%dT%H%M%S}",
        "GRANULE_ID": f"{level[3:]}_T{tile.name}_A{absolute:06d}_{granule:%Y%m%dT%H%M%S}",
        "DATATAKE_IDENTIFIER": f"GS2{unit}_{datatake:%Y%m%dT%H%M%S}_{absolute:06d}_N05.00",
        "DATATAKE_TYPE": "INS-NOBS", "DATASTRIP_ID": f"S2{unit}_OPER_MSI_{level[3:]}_DS_{granule:%Y%m%dT%H%M%S}",
    }
    scene = Scene(tile.footprint, tile.center, tile.epsg, tile.bounds, tuple(known.items()), cloud_key=index)
    return SyntheticImage(ds, index, granule, granule + dt.timedelta(seconds=5), scene)


def _s2_images(ds: DatasetFacts, t0: dt.datetime, t1: dt.datetime, bbox: BBox | None,
               region: shapely.Geometry | None) -> Iterator[SyntheticImage]:
    """Day by day, zone by zone from east to west, tile by tile from north to south: that is time order, so each
    image is built only when the consumer gets to it."""
    area = bbox or (-180.0, -56.0, 180.0, 84.0)
    zones_in_area = [z for z in range(60, 0, -1) if _zone_meets(z, area)]
    day = t0.date() - _DAY
    while dt.datetime(day.year, day.month, day.day, tzinfo=UTC) <= t1 + _DAY:
        for zone in zones_in_area:
            platform = _s2_platform(ds, day, zone)
            if not platform:
                continue
            if bbox is None:
                cells = ((south, e, n) for south in (False, True) for e, n in scenes.zone_tile_cells(south))
                tiles = (scenes.tile(zone, south, e, n) for south, e, n in cells
                         if t0 <= _s2_times(zone, south, e, n, day)[1] < t1)
            else:
                tiles = scenes.iter_s2_tiles(area, zones={zone})
            for t in tiles:
                img = _s2_image(ds, t, day, platform)
                if t0 <= img.start < t1 and _intersects(img.footprint, region):
                    yield img
        day += _DAY


def _zone_meets(zone: int, bbox: BBox) -> bool:
    zw, ze = -180.0 + (zone - 1) * 6.0, -180.0 + zone * 6.0
    return bbox[0] <= ze + 1.0 and bbox[2] >= zw - 1.0


def _s2_lookup(ds: DatasetFacts, index: str) -> SyntheticImage | None:
    m = _S2_INDEX.match(index)
    if not m:
        return None
    tile = scenes.s2_tile_by_name(m.group(3))
    if tile is None:
        return None
    datatake = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    zone = int(tile.name[:2])
    for day in (datatake.date() - _DAY, datatake.date(), datatake.date() + _DAY):
        platform = _s2_platform(ds, day, zone)
        if platform:
            img = _s2_image(ds, tile, day, platform)
            start, end = timeline.extent(ds)
            if img.index == index and start <= img.start < end:
                return img
    return None


# -- everything else: time steps over the bbox ------------------------------------------------------------
def _global_scene(ds: DatasetFacts, index: str) -> Scene:
    west, south, east, north = ds.bbox
    return Scene(_bbox_polygon(ds.bbox), ((west + east) / 2, (south + north) / 2), cloud_key=f"{ds.id}/{index}")


def _step_image(ds: DatasetFacts, s: timeline.Step) -> SyntheticImage:
    index = timeline.index_of(ds, s)
    return SyntheticImage(ds, index, s.start, s.end, _global_scene(ds, index))


def _step_images(ds: DatasetFacts, t0: dt.datetime, t1: dt.datetime,
                 region: shapely.Geometry | None) -> Iterator[SyntheticImage]:
    if region is not None and not _intersects(_bbox_polygon(ds.bbox), region):
        return
    for s in timeline.steps(ds, t0, t1):
        yield _step_image(ds, s)


# -- public ---------------------------------------------------------------------------------------------
def dataset_image(ds: DatasetFacts) -> SyntheticImage:
    """The one image of an IMAGE dataset (index: the last part of its id; time: its temporal extent)."""
    start, end = timeline.extent(ds)
    index = ds.id.rsplit("/", 1)[-1]
    return SyntheticImage(ds, index, start, end, _global_scene(ds, index))


def iter_images(ds: DatasetFacts, start: dt.datetime | None = None, end: dt.datetime | None = None,
                region: shapely.Geometry | BBox | None = None) -> Iterator[SyntheticImage]:
    """The images of an IMAGE_COLLECTION with system:time_start in [start, end) whose footprint meets `region`
    (lon/lat geometry or bbox), lazily, in time order."""
    e_start, e_end = timeline.extent(ds)
    t0 = max(start, e_start) if start else e_start
    t1 = min(end, e_end) if end else e_end
    if t0 >= t1:
        return iter(())
    bbox, geom = region_bbox(region)
    if ds.scenes == "WRS2":
        return _landsat_images(ds, t0, t1, bbox, geom)
    if ds.scenes == "MGRS":
        return _s2_images(ds, t0, t1, bbox, geom)
    return _step_images(ds, t0, t1, geom)


def lookup_image(ds: DatasetFacts, index: str) -> SyntheticImage | None:
    """The image `index` of an IMAGE_COLLECTION, or None when the collection has no such image."""
    if ds.scenes == "WRS2":
        return _landsat_lookup(ds, index)
    if ds.scenes == "MGRS":
        return _s2_lookup(ds, index)
    s = timeline.parse_index(ds, index)
    return None if s is None else _step_image(ds, s)

"""Images of synthetic public collections: ids in the real datasets' style, cadence, date and region filtering,
lookup by id, scene geometry against known real places, and properties matching the schema."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import shapely

from ee_assets.local.catalog.public import synthetic
from ee_assets.local.catalog.public.scenes import s2_tile_by_name, wrs2_footprint

UTC = dt.UTC
SAN_FRANCISCO = (-122.42, 37.77)
PARIS = (2.35, 48.86)


def d(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def around(lon, lat, r=0.02):
    return (lon - r, lat - r, lon + r, lat + r)


def test_landsat9_scenes_over_san_francisco():
    imgs = list(synthetic.list_images("LANDSAT/LC09/C02/T1_L2", d(2022, 1, 1), d(2022, 3, 1), around(*SAN_FRANCISCO)))
    assert imgs, "no Landsat 9 scene over San Francisco in two months"
    for img in imgs:
        assert re.fullmatch(r"LC09_\d{6}_2022\d{4}", img.index)
        assert img.id == f"LANDSAT/LC09/C02/T1_L2/{img.index}"
        assert img.footprint.contains(shapely.Point(*SAN_FRANCISCO))
        assert d(2022, 1, 1) <= img.start < d(2022, 3, 1)
        p = img.properties
        assert (p["WRS_PATH"], p["WRS_ROW"]) == (int(img.index[5:8]), int(img.index[8:11]))
        assert p["SPACECRAFT_ID"] == "LANDSAT_9" and p["SENSOR_ID"] == "OLI_TIRS" and p["synthetic"] is True
        assert p["SCENE_CENTER_TIME"].startswith(img.start.strftime("%H:%M:%S")) and 0 <= p["CLOUD_COVER"] <= 100
        assert p["system:time_start"] == int(img.start.timestamp() * 1000)
        assert img.grid("SR_B4").crs == "EPSG:32610" and img.grid("SR_B4").scale == 30
    assert [i.start for i in imgs] == sorted(i.start for i in imgs)
    # Every 16 days per path/row (the WRS-2 repeat cycle).
    by_scene: dict[str, list] = {}
    for img in imgs:
        by_scene.setdefault(img.index[5:11], []).append(img.start.date())
    for dates in by_scene.values():
        assert all((b - a).days == 16 for a, b in itertools.pairwise(dates))
    # Landsat 8 images the same scenes 8 days apart from Landsat 9.
    l8 = list(synthetic.list_images("LANDSAT/LC08/C02/T1_L2", d(2022, 1, 1), d(2022, 3, 1), around(*SAN_FRANCISCO)))
    l8_dates = {(i.index[5:11], i.start.date()) for i in l8}
    for scene, dates in by_scene.items():
        assert any((scene, day + dt.timedelta(days=8)) in l8_dates or (scene, day - dt.timedelta(days=8)) in l8_dates
                   for day in dates)


def test_wrs2_and_mgrs_know_real_places():
    # Well-known scenes: path 44 row 34 is the San Francisco Bay Area, 199/26 Paris; Sentinel-2 tile 10SEG is
    # San Francisco, 31UDQ Paris (EE's own examples use COPERNICUS/S2_SR/..._T10SEG).
    assert wrs2_footprint(44, 34).contains(shapely.Point(*SAN_FRANCISCO))
    assert wrs2_footprint(199, 26).contains(shapely.Point(*PARIS))
    assert s2_tile_by_name("T10SEG").footprint.contains(shapely.Point(*SAN_FRANCISCO))
    assert s2_tile_by_name("31UDQ").footprint.contains(shapely.Point(*PARIS))
    assert s2_tile_by_name("10SEG").epsg == "EPSG:32610" and s2_tile_by_name("99ZZZ") is None


def test_sentinel2_tiles_every_five_days():
    imgs = list(synthetic.list_images("COPERNICUS/S2_SR_HARMONIZED", d(2020, 6, 1), d(2020, 7, 1),
                                      around(*SAN_FRANCISCO, 0.001)))
    assert {i.properties["MGRS_TILE"] for i in imgs} == {"10SEG"}
    days = [i.start.date() for i in imgs]
    assert all((b - a).days == 5 for a, b in itertools.pairwise(days)) and len(days) == 6
    assert {i.properties["SPACECRAFT_NAME"] for i in imgs} == {"Sentinel-2A", "Sentinel-2B"}
    for img in imgs:
        assert re.fullmatch(r"\d{8}T\d{6}_\d{8}T\d{6}_T10SEG", img.index)
        assert 0 <= img.properties["CLOUDY_PIXEL_PERCENTAGE"] <= 100
        assert img.grid("B4").scale == 10 and img.grid("B11").scale == 20 and img.grid("B1").scale == 60
    # Before Sentinel-2B (launched 2017-03-07) only 2A: every 10 days.
    early = [i.start.date() for i in synthetic.list_images("COPERNICUS/S2_HARMONIZED", d(2016, 6, 1), d(2016, 8, 1),
                                                           around(*SAN_FRANCISCO, 0.001))]
    assert all((b - a).days == 10 for a, b in itertools.pairwise(early)) and len(early) >= 5


def test_sentinel2_companions_share_image_ids():
    """Cloud probability, Cloud Score+ and Dynamic World are joined to Sentinel-2 by system:index in real code."""
    window = (d(2021, 5, 1), d(2021, 5, 20), around(*PARIS, 0.001))
    ids = [[i.index for i in synthetic.list_images(c, *window)] for c in (
        "COPERNICUS/S2_SR_HARMONIZED", "COPERNICUS/S2_CLOUD_PROBABILITY", "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED",
        "GOOGLE/DYNAMICWORLD/V1")]
    assert ids[0] and all(x == ids[0] for x in ids)
    sr = synthetic.load_image(f"COPERNICUS/S2_SR_HARMONIZED/{ids[0][0]}")
    l1c = synthetic.load_image(f"COPERNICUS/S2_HARMONIZED/{ids[0][0]}")
    assert sr.cloud_cover == l1c.cloud_cover and sr.properties["PRODUCT_ID"].split("_")[1] == "MSIL2A"
    assert l1c.properties["PRODUCT_ID"].split("_")[1] == "MSIL1C"


@pytest.mark.parametrize("collection", ["LANDSAT/LC09/C02/T1_L2", "LANDSAT/LC08/C01/T1_TOA", "LANDSAT/LC8_L1T_TOA",
                                        "COPERNICUS/S2_SR_HARMONIZED", "MODIS/061/MOD13Q1",
                                        "ECMWF/ERA5_LAND/HOURLY", "IDAHO_EPSCOR/TERRACLIMATE"])
def test_ids_resolve_back(collection):
    ds = synthetic.dataset(collection)
    start = max(dt.datetime.fromisoformat(ds.start[:10]).replace(tzinfo=UTC), d(2013, 6, 1))
    imgs = list(itertools.islice(synthetic.list_images(collection, start, None, around(*PARIS)), 3))
    assert len(imgs) == 3
    for img in imgs:
        again = synthetic.load_image(img.id)
        assert again is not None and again.index == img.index and again.start == img.start
        assert again.properties == img.properties
    assert synthetic.load_image(f"{collection}/not_an_image") is None


def test_unknown_or_off_cadence_ids_do_not_resolve():
    assert synthetic.load_image("LANDSAT/LC09/C02/T1_L2/LC09_044034_20220102") is None  # not a day path 44 is imaged
    assert synthetic.load_image("LANDSAT/LC09/C02/T1_L2/LC08_044034_20220110") is None  # another mission's id
    assert synthetic.load_image("MODIS/061/MOD13Q1/2020_06_02") is None  # not a 16-day composite date
    assert synthetic.load_image("NOT/A/DATASET") is None and synthetic.resolve("NOT/A/DATASET") is None
    assert synthetic.load_image("LANDSAT/LC09/C02/T1_L2") is None  # a collection is not an image


def test_modis_16_day_composites_restart_each_year():
    # MODIS 16-day products start on days 1, 17, 33, … of every year (MOD13 user guide).
    imgs = list(synthetic.list_images("MODIS/061/MOD13Q1", d(2020, 1, 1), d(2021, 1, 1)))
    doys = [i.start.timetuple().tm_yday for i in imgs]
    assert doys == list(range(1, 366, 16)) and imgs[0].index == "2020_01_01"
    assert imgs[-1].end == d(2021, 1, 1)


def test_daily_hourly_monthly_yearly_cadences():
    june = (d(2020, 6, 1), d(2020, 7, 1))
    daily = list(synthetic.list_images("ECMWF/ERA5_LAND/DAILY_AGGR", *june))
    assert [i.index for i in daily] == [f"202006{k:02d}" for k in range(1, 31)]
    assert all(i.end - i.start == dt.timedelta(days=1) for i in daily)
    assert daily[0].properties["year"] == 2020 and daily[0].properties["month"] == 6
    hourly = list(synthetic.list_images("ECMWF/ERA5_LAND/HOURLY", d(2020, 6, 1), d(2020, 6, 2)))
    assert [i.index for i in hourly] == [f"20200601T{h:02d}" for h in range(24)]
    monthly = list(synthetic.list_images("IDAHO_EPSCOR/TERRACLIMATE", d(2020, 1, 1), d(2021, 1, 1)))
    assert [i.index for i in monthly] == [f"2020{m:02d}" for m in range(1, 13)]
    yearly = list(synthetic.list_images("JRC/GSW1_4/YearlyHistory", d(2000, 1, 1), d(2003, 1, 1)))
    assert [i.index for i in yearly] == ["2000", "2001", "2002"]
    single = list(synthetic.list_images("ESA/WorldCover/v200"))
    assert [i.id for i in single] == ["ESA/WorldCover/v200/2021"]
    half_hourly = list(synthetic.list_images("NASA/GPM_L3/IMERG_V07", d(2020, 6, 1), d(2020, 6, 1, 2)))
    assert len(half_hourly) == 4


def test_open_ended_datasets_end_at_the_stated_date():
    assert synthetic.OPEN_END == d(2026, 1, 1)
    last = list(synthetic.list_images("UCSB-CHG/CHIRPS/DAILY", d(2025, 12, 30)))
    assert [i.index for i in last] == ["20251230", "20251231"]
    assert not list(synthetic.list_images("UCSB-CHG/CHIRPS/DAILY", d(2026, 1, 1), d(2026, 2, 1)))
    assert not list(synthetic.list_images("UCSB-CHG/CHIRPS/DAILY", d(1970, 1, 1), d(1981, 1, 1)))


def test_any_covered_date_filters():
    """filterDate works for any date in the extent: a one-day window inside a daily dataset holds one image,
    a window of one revisit cycle holds each scene once."""
    for day in (d(1981, 1, 1), d(1999, 12, 31), d(2024, 2, 29)):
        assert len(list(synthetic.list_images("UCSB-CHG/CHIRPS/DAILY", day, day + dt.timedelta(days=1)))) == 1
    cycle = list(synthetic.list_images("LANDSAT/LC08/C02/T1_L2", d(2015, 3, 1), d(2015, 3, 17),
                                       around(-60.0, -3.0, 0.001)))
    assert len(cycle) >= 1 and len({i.index[5:11] for i in cycle}) == len(cycle)


def test_unfiltered_collections_are_lazy():
    it = synthetic.list_images("COPERNICUS/S2_SR_HARMONIZED")
    first = next(it)
    assert first.start >= d(2017, 3, 28)
    more = list(itertools.islice(it, 200))
    assert all(a.start <= b.start for a, b in itertools.pairwise([first, *more]))
    landsat = list(itertools.islice(synthetic.list_images("LANDSAT/LC09/C02/T1_L2"), 50))
    assert all(a.start <= b.start for a, b in itertools.pairwise(landsat))


def test_properties_match_the_schema():
    for collection in ("LANDSAT/LC09/C02/T1_L2", "COPERNICUS/S2_SR_HARMONIZED", "COPERNICUS/S1_GRD"):
        ds = synthetic.dataset(collection)
        img = next(synthetic.list_images(collection, d(2021, 6, 1), None, around(*PARIS)))
        props = img.properties
        for p in ds.properties:
            if p.type in ("GEOMETRY", "RECORD", "RECORD_LIST"):
                continue
            value = props[p.name]
            expected = {"INT": int, "DOUBLE": (int, float), "STRING": str}.get(p.type.removesuffix("_LIST"))
            if p.type.endswith("_LIST"):
                assert isinstance(value, list) and all(isinstance(v, expected) for v in value), p.name
            elif expected:
                assert isinstance(value, expected) and not isinstance(value, bool), (p.name, value)
        extra = set(props) - {p.name for p in ds.properties}
        assert extra == {"system:index", "system:time_start", "system:time_end", "synthetic"}

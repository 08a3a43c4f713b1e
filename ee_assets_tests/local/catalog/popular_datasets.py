"""Public dataset ids that public Earth Engine code loads most, and a helper to sample one of their images.

Chosen from the usage ranking in /work/shared/reference/ee_algorithm_usage.md ("Top 40 datasets": ids passed to
ImageCollection.load / Image.load / Collection.loadTable in 1,268 public files, including Landsat Collection 1 ids
that EE has since removed) and the ids issue 13 names, completed with the other datasets tutorials lean on.
"""

from __future__ import annotations

import datetime as dt

import shapely
from affine import Affine
from pyproj import Transformer

from ee_assets.local.catalog.public import synthetic, timeline

IMAGE_COLLECTIONS = [
    "COPERNICUS/S2_SR", "LANDSAT/LC08/C02/T1_TOA", "LANDSAT/LC08/C01/T1_TOA", "LANDSAT/LC08/C02/T1_L2",
    "LANDSAT/LC08/C01/T1", "USDA/NAIP/DOQQ", "LANDSAT/LC08/C02/T1", "MODIS/006/MOD09GA", "ESA/WorldCover/v100",
    "LANDSAT/LT05/C01/T1_TOA", "LANDSAT/LC08/C01/T1_SR", "NOAA/DMSP-OLS/NIGHTTIME_LIGHTS", "COPERNICUS/S2",
    "COPERNICUS/S2_SR_HARMONIZED", "LANDSAT/LC8_L1T_TOA", "LANDSAT/LT05/C01/T1", "LANDSAT/LE07/C01/T1",
    "COPERNICUS/S2_HARMONIZED", "LANDSAT/LT05/C02/T1", "USGS/NLCD", "LANDSAT/LC09/C02/T1_L2", "ESA/WorldCover/v200",
    "ECMWF/ERA5_LAND/DAILY_AGGR", "UCSB-CHG/CHIRPS/DAILY", "MODIS/061/MOD13A2", "MODIS/061/MOD13Q1",
    "MODIS/061/MOD11A1", "MODIS/061/MCD12Q1", "MODIS/061/MOD09GA", "COPERNICUS/S1_GRD", "ECMWF/ERA5/DAILY",
    "ECMWF/ERA5_LAND/HOURLY", "ECMWF/ERA5_LAND/MONTHLY_AGGR", "IDAHO_EPSCOR/TERRACLIMATE",
    "NOAA/VIIRS/DNB/MONTHLY_V1/VCMSLCFG", "GOOGLE/DYNAMICWORLD/V1", "COPERNICUS/S5P/OFFL/L3_NO2",
    "JRC/GSW1_4/MonthlyHistory", "JRC/GSW1_4/YearlyHistory", "NASA/GPM_L3/IMERG_V07", "LANDSAT/LE07/C02/T1_L2",
    "LANDSAT/LT05/C02/T1_L2", "COPERNICUS/S2_CLOUD_PROBABILITY", "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED",
    "MODIS/061/MOD10A1", "WORLDCLIM/V1/MONTHLY", "USGS/NLCD_RELEASES/2019_REL/NLCD", "COPERNICUS/CORINE/V20/100m",
    "MODIS/061/MCD43A4", "NASA/GLDAS/V021/NOAH/G025/T3H", "JRC/GHSL/P2023A/GHS_POP",
]
IMAGES = [
    "CGIAR/SRTM90_V4", "USGS/SRTMGL1_003", "NASA/NASADEM_HGT/001", "JRC/GSW1_4/GlobalSurfaceWater",
    "UMD/hansen/global_forest_change_2023_v1_11", "AHN/AHN2_05M_RUW", "USGS/3DEP/10m", "USGS/GMTED2010",
    "ESA/GLOBCOVER_L4_200901_200912_V2_3", "WORLDCLIM/V1/BIO", "CSP/ERGo/1_0/Global/ALOS_landforms",
    "OpenLandMap/SOL/SOL_TEXTURE-CLASS_USDA-TT_M/v02",
]
TABLES = [
    "WRI/GPPD/power_plants", "TIGER/2018/States", "TIGER/2016/Counties", "USDOS/LSIB_SIMPLE/2017",
    "BLM/AIM/v1/TerrADat/TerrestrialAIM", "USGS/WBD/2017/HUC06", "TIGER/2010/Blocks", "RESOLVE/ECOREGIONS/2017",
    "TIGER/2018/Counties", "TIGER/2016/Roads", "USGS/WBD/2017/HUC08", "USGS/WBD/2017/HUC10", "FAO/GAUL/2015/level0",
    "FAO/GAUL/2015/level1", "FAO/GAUL/2015/level2", "WCMC/WDPA/current/polygons", "USDOS/LSIB/2017",
]
ALL = IMAGE_COLLECTIONS + IMAGES + TABLES

ST_LOUIS = (-90.3, 38.6)


def place(ds) -> tuple[float, float]:
    """A point inside the dataset's bbox: St. Louis when it is (most ids cover the US), else the bbox's centre."""
    west, south, east, north = ds.bbox
    if west < ST_LOUIS[0] < east and south < ST_LOUIS[1] < north:
        return ST_LOUIS
    return (west + east) / 2, (south + north) / 2


def sample_image(dataset_id: str) -> synthetic.SyntheticImage:
    """An image of the dataset near `place`, from the middle of its temporal extent (the first one for a single
    image); raises if there is none."""
    ds = synthetic.dataset(dataset_id)
    if ds.type == "IMAGE":
        return synthetic.load_image(dataset_id)
    lon, lat = place(ds)
    region = shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    start, end = timeline.extent(ds)
    middle = start + (end - start) / 2
    img = next(synthetic.list_images(dataset_id, middle, None, region), None)
    if img is None:
        img = next(synthetic.list_images(dataset_id, None, None, region))
    return img


def native_window(img: synthetic.SyntheticImage, band: str, size: int, anchor: tuple[float, float] | None = None,
                  step: float = 1.0):
    """(crs, transform, width, height) of a size × size window on the band's native grid (pixels `step` times the
    native size) around `anchor` (default: `place`, or the footprint's representative point when outside)."""
    grid = img.grid(band)
    lon, lat = anchor or place(img.ds)
    if not img.footprint.contains(shapely.Point(lon, lat)):
        p = img.footprint.representative_point()
        lon, lat = p.x, p.y
    x, y = (lon, lat) if grid.crs == "EPSG:4326" else Transformer.from_crs(
        "EPSG:4326", grid.crs, always_xy=True).transform(lon, lat)
    a, _, c, _, e, f = grid.transform
    col, row = int((x - c) // a), int((y - f) // e)
    col = min(max(col - size // 2, 0), max(grid.width - size, 0))
    row = min(max(row - size // 2, 0), max(grid.height - size, 0))
    transform = Affine(a * step, 0, c + col * a, 0, e * step, f + row * e)
    return grid.crs, transform, size, size


def mid_date(ds) -> dt.datetime:
    start, end = timeline.extent(ds)
    return start + (end - start) / 2

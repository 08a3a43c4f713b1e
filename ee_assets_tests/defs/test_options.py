"""The components' options, validated without Earth Engine: partitions, grids, pictures, automation, graph functions.

Expected values are worked out by hand (dates, grid sizes, EE's metres-to-degrees rule, pyproj's unit factors).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import dagster as dg
import ee
import pytest
from pydantic import ValidationError

from ee_assets.components.automation import AutomationOptions, FreshnessOptions, ScheduleOptions
from ee_assets.components.graph_functions import GraphFunctionError, resolve_graph_function
from ee_assets.components.grids import GridOptions
from ee_assets.components.options import ImageOptions, TableChecksOptions, TableOptions, VisualizationOptions
from ee_assets.components.partitions import PartitionsOptions
from ee_assets.graphs.areas import EARTH_RADIUS_M

FC, IMAGE = (ee.FeatureCollection,), (ee.Image,)


def _error(model, **values) -> str:
    with pytest.raises(ValidationError) as caught:
        model(**values)
    return str(caught.value)


# -- partitions -------------------------------------------------------------------------------------------------
def _keys(options: dict, until: str) -> list[str]:
    definition = PartitionsOptions(**options).definition()
    return definition.get_partition_keys(current_time=dt.datetime.fromisoformat(until).replace(tzinfo=dt.UTC))


def test_monthly_daily_weekly_and_yearly_partitions_are_keyed_by_their_first_day():
    assert _keys({"monthly": {"start": "2020-01-01"}}, "2020-04-02") == ["2020-01-01", "2020-02-01", "2020-03-01"]
    assert _keys({"daily": {"start": "2020-02-27"}}, "2020-03-02") == ["2020-02-27", "2020-02-28", "2020-02-29",
                                                                     "2020-03-01"]
    # 2020-01-06 is a Monday: weeks run Monday to Monday.
    assert _keys({"weekly": {"start": "2020-01-06"}}, "2020-01-28") == ["2020-01-06", "2020-01-13", "2020-01-20"]
    assert _keys({"yearly": {"start": "2018-01-01"}}, "2021-06-01") == ["2018-01-01", "2019-01-01", "2020-01-01"]
    assert _keys({"monthly": {"start": "2020-01-01", "end": "2020-03-01"}}, "2021-01-01") == ["2020-01-01",
                                                                                            "2020-02-01"]


@pytest.mark.parametrize("options, message", [
    ({"monthly": {"start": "2020-01-15"}}, "monthly.start 2020-01-15 must be the first day of a month"),
    ({"yearly": {"start": "2020-02-01"}}, "yearly.start 2020-02-01 must be the first of January"),
    ({"monthly": {"start": "2020-01-01"}, "daily": {"start": "2020-01-01"}}, "give exactly one of"),
    ({}, "give exactly one of monthly, daily, weekly, yearly (got none)"),
    ({"daily": {"start": "2020-02-30"}}, "start '2020-02-30' is not a date"),
    ({"daily": {"start": "2020-03-01", "end": "2020-02-01"}}, "end 2020-02-01 must come after start 2020-03-01"),
    ({"daily": {"start": "1 March 2020"}}, "String should match pattern"),
    ({"hourly": {"start": "2020-01-01"}}, "hourly\n  Extra inputs are not permitted"),
])
def test_partition_mistakes_are_errors(options, message):
    assert message in _error(PartitionsOptions, **options)


# -- grids ------------------------------------------------------------------------------------------------------
def test_upper_left_grid_in_metres_on_epsg_4326_uses_ees_degrees():
    grid = GridOptions(upper_left=[-121.5, 38.0], scale_m=10, width=640, height=320).pixel_grid()
    step = 10 / EARTH_RADIUS_M * 180 / math.pi  # ee.Projection('EPSG:4326').atScale(10)
    assert (grid.scale_x, grid.scale_y) == (pytest.approx(step, rel=1e-15), pytest.approx(-step, rel=1e-15))
    assert (grid.x, grid.y, grid.width, grid.height) == (-121.5, 38.0, 640, 320)
    assert grid.to_json()["crsCode"] == "EPSG:4326"


def test_bounds_with_a_scale_or_a_size():
    grid = GridOptions(crs="EPSG:32610", bounds=[600000, 4200000, 600105, 4200040], scale=10).pixel_grid()
    assert (grid.x, grid.y, grid.width, grid.height, grid.scale_x, grid.scale_y) == (600000, 4200040, 11, 4, 10, -10)
    grid = GridOptions(crs="EPSG:32610", bounds=[600000, 4200000, 600100, 4200050], width=4, height=10).pixel_grid()
    assert (grid.scale_x, grid.scale_y, grid.width, grid.height) == (25, -5, 4, 10)


def test_metres_are_converted_to_a_crs_in_us_feet():
    # EPSG:2227 (California zone 3, US survey feet): 1 ftUS = 1200/3937 m.
    grid = GridOptions(crs="EPSG:2227", upper_left=[6_000_000, 2_100_000], scale_m=30, width=10, height=10)
    assert grid.pixel_grid().scale_x == pytest.approx(30 / (1200 / 3937), rel=1e-12)


@pytest.mark.parametrize("values, message", [
    ({"crs": "EPSG:999999", "upper_left": [0, 0], "scale": 1, "width": 1, "height": 1},
     "crs 'EPSG:999999' is not a CRS pyproj knows"),
    ({"crs": "EPSG:32610", "upper_left": [-121.5, 38.0], "scale": 10, "width": 10, "height": 10},
     "outside the area of use of EPSG:32610 (WGS 84 / UTM zone 10N: lon -126.0..-120.0, lat 0.0..84.0)"),
    ({"crs": "EPSG:4326", "upper_left": [181, 10], "scale": 0.1, "width": 10, "height": 10},
     "outside the area of use of EPSG:4326"),
    ({"upper_left": [0, 0], "scale": 1, "width": 0, "height": 1}, "width\n  Input should be greater than 0"),
    ({"upper_left": [0, 0], "scale": -1, "width": 1, "height": 1}, "scale\n  Input should be greater than 0"),
    ({"upper_left": [0, 0], "scale": 1, "scale_m": 1, "width": 1, "height": 1}, "not both"),
    ({"upper_left": [0, 0], "scale": 1, "width": 1}, "give both width and height"),
    ({"upper_left": [0, 0], "width": 1, "height": 1}, "upper_left needs a pixel size"),
    ({"scale": 1, "width": 1, "height": 1}, "give either upper_left (with width and height) or bounds"),
    ({"bounds": [0, 0, 1, 1], "scale": 0.1, "width": 10, "height": 10}, "not both"),
    ({"bounds": [1, 0, 0, 1], "scale": 0.1}, "xmax > xmin"),
    ({"upper_left": [0, 0], "scale": 1, "width": 1, "height": 1, "widht": 2}, "widht\n  Extra inputs"),
])
def test_grid_mistakes_are_errors(values, message):
    assert message in _error(GridOptions, **values)


# -- image options -------------------------------------------------------------------------------------------
GRID = {"crs": "EPSG:32610", "upper_left": [624030, 4213320], "scale": 10, "width": 400, "height": 400}


def _image(**values) -> ImageOptions:
    return ImageOptions(asset_key="x", graph="graph.py:f", grids={"delta": GRID}, **values)


def test_formats_follow_the_visualization():
    assert _image().output_formats() == ["geotiff"] and _image().picture_format() is None
    vis = {"bands": ["B4", "B3", "B2"], "max": 3000}
    assert _image(visualization=vis).output_formats() == ["geotiff", "png"]
    assert _image(visualization=vis, formats=["geotiff", "jpeg"]).picture_format() == "jpeg"
    assert VisualizationOptions(**vis).request_options() == {"ranges": [{"min": 0, "max": 3000}] * 3}
    assert VisualizationOptions(bands=["NDWI"], min=-0.5, max=0.5, palette=["brown", "blue"], gamma=1.2) \
        .request_options() == {"ranges": [{"min": -0.5, "max": 0.5}], "gamma": {"value": 1.2},
                               "paletteColors": ["brown", "blue"]}


@pytest.mark.parametrize("values, message", [
    ({"formats": ["png"]}, "formats must include geotiff"),
    ({"formats": ["geotiff", "png"]}, "png needs visualization"),
    ({"formats": ["geotiff", "png", "jpeg"], "visualization": {"bands": ["a"]}}, "one picture format"),
    ({"visualization": {"bands": ["a", "b"]}}, "must be 1 band or 3"),
    ({"visualization": {"bands": ["a", "b", "c"], "palette": ["red", "blue"]}}, "palette needs exactly one band"),
    ({"visualization": {"bands": ["a", "b", "c"], "min": [0, 1]}}, "needs one value or one per band"),
    ({"formats": ["tiff"]}, "Input should be 'geotiff', 'png' or 'jpeg'"),
])
def test_image_mistakes_are_errors(values, message):
    assert message in _error(_image, **values)


def test_a_picture_must_fit_one_compute_pixels_request():
    big = {**GRID, "upper_left": [600000, 4300000], "width": 4000, "height": 4000}  # 4000² × 3 × (8 + 1) B > 48 MiB
    message = _error(ImageOptions, asset_key="x", graph="graph.py:f", grids={"big": big},
                     visualization={"bands": ["B4", "B3", "B2"]})
    assert "grids.big: a 4000x4000 picture is too large for one computePixels request (432000000 of 50331648" in message
    ImageOptions(asset_key="x", graph="graph.py:f", grids={"big": big})  # the GeoTIFF alone is tiled: fine


def test_grid_names_asset_keys_and_function_references_are_checked():
    assert "String should match pattern" in _error(ImageOptions, asset_key="x", graph="graph.py:f",
                                                   grids={"de lta": GRID})
    assert "asset_key\n  String should match pattern" in _error(TableOptions, asset_key="my asset", graph="g.py:f")
    assert "graph\n  String should match pattern" in _error(TableOptions, asset_key="a", graph="graph.py")
    assert "ranges.NDVI: [1.0, -1.0] has min > max" in _error(TableChecksOptions, ranges={"NDVI": [1, -1]})
    assert "colormap 'nope' is not a matplotlib colormap" in _error(TableOptions, asset_key="a", graph="g.py:f",
                                                                    preview={"column": "x", "colormap": "nope"})


# -- automation ----------------------------------------------------------------------------------------------
def test_automation_options():
    assert "'0 6 32 * *' is not a cron expression" in _error(ScheduleOptions, cron="0 6 32 * *")
    assert "job\n  String should match pattern" in _error(ScheduleOptions, cron="0 6 5 * *", job="my job")
    assert AutomationOptions(on_cron="0 6 5 * *").condition() == dg.AutomationCondition.on_cron("0 6 5 * *")
    window = FreshnessOptions(fail_window_hours=48, warn_window_hours=24).policy()
    assert (window.fail_window.to_timedelta(), window.warn_window.to_timedelta()) == (dt.timedelta(hours=48),
                                                                                     dt.timedelta(hours=24))
    cron = FreshnessOptions(deadline_cron="0 12 5 * *", lower_bound_hours=600).policy()
    assert cron.deadline_cron == "0 12 5 * *" and cron.lower_bound_delta == dt.timedelta(hours=600)
    assert "lower_bound_delta must be less than or equal to the smallest cron interval" in _error(
        FreshnessOptions, deadline_cron="0 12 5 * *", lower_bound_hours=744)  # February is 672 hours
    assert "give either fail_window_hours" in _error(FreshnessOptions)
    assert "deadline_cron needs lower_bound_hours" in _error(FreshnessOptions, deadline_cron="0 12 5 * *")
    assert "shorter than fail_window_hours" in _error(FreshnessOptions, fail_window_hours=1, warn_window_hours=2)


# -- graph functions -----------------------------------------------------------------------------------------
@pytest.fixture()
def graph_file(tmp_path):
    (tmp_path / "graph.py").write_text(textwrap.dedent('''\
        import ee


        def table(start: str, end: str, regions: str) -> ee.FeatureCollection:
            return ee.FeatureCollection(regions)


        def image(start, end, region, collection):
            return ee.ImageCollection(collection).filterBounds(region).filterDate(start, end).median()


        def annotated_image(start: str, end: str) -> ee.Image:
            return ee.Image(1)


        def whole(regions: str):
            return ee.FeatureCollection(regions)
    '''))
    return tmp_path


def _resolve(ref, base, params, returns=FC, partitioned=True, region=False):
    return resolve_graph_function(ref, returns=returns, partitioned=partitioned, params=params, base_dir=base,
                                  region=region)


def test_graph_functions_are_found_by_file_module_or_object(graph_file):
    found = _resolve("graph.py:table", graph_file, {"regions": "r"})
    assert found.ref == "graph.py:table" and found.partitioned and not found.takes_region
    image = _resolve("graph.py:image", graph_file, {"collection": "c"}, IMAGE, region=True)
    assert image.takes_region
    module = _resolve("ee_assets.graphs.ndvi:ndvi_by_region", None, {"regions_id": "r"})
    assert module.fn.__name__ == "ndvi_by_region"

    def mine(regions: str) -> ee.FeatureCollection: ...

    assert _resolve(mine, None, {"regions": "r"}, partitioned=False).ref.endswith("mine")


@pytest.mark.parametrize("ref, params, kwargs, message", [
    ("graph.py:tabel", {"regions": "r"}, {}, "graph.py has no function 'tabel'; it defines: annotated_image, image, "
                                            "table, whole."),
    ("graphs.py:table", {}, {}, "there is no file graphs.py in"),
    ("no_such_module:f", {}, {}, "cannot import module 'no_such_module'"),
    ("graph.py:table", {"region": "r"}, {}, "graph.py:table does not take 'region' (from params); it takes "
                                            "(start, end, regions)"),
    ("graph.py:table", {}, {}, "cannot be called with params []: missing a required argument: 'regions'"),
    ("graph.py:whole", {"regions": "r"}, {}, "graph.py:whole must take start and end"),
    ("graph.py:table", {"regions": "r"}, {"partitioned": False}, "graph.py:table requires start and end, but the "
                                                                 "asset has no partitions"),
    ("graph.py:annotated_image", {}, {}, "graph.py:annotated_image is annotated to return ee.Image, but an "
                                         "ee.FeatureCollection is needed here"),
    ("graph.py:table", {"regions": "r", "start": "x"}, {}, "params may not set start"),
])
def test_graph_function_mistakes_are_errors(graph_file, ref, params, kwargs, message):
    with pytest.raises(GraphFunctionError) as caught:
        _resolve(ref, graph_file, params, **kwargs)
    assert message in str(caught.value)


def test_a_returned_value_of_the_wrong_type_is_an_error(graph_file, ee_local):
    found = _resolve("graph.py:image", graph_file, {"collection": "c", "region": None}, FC)  # no annotation
    with pytest.raises(GraphFunctionError) as caught:
        found.call(("2020-06-01", "2020-07-01"), {"collection": "COPERNICUS/S2_HARMONIZED",
                                                  "region": ee_local.Geometry.Point(0, 0)})
    assert "graph.py:image returned ee.Image, but an ee.FeatureCollection is needed here" in str(caught.value)

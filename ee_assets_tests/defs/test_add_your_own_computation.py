"""README "Add your own computation", followed to the letter in a copy of the project.

The `dg` commands and the files come from README.md itself (so the docs and this test cannot drift apart): scaffold
the two folders, write the README's defs.yaml and graph.py into them, `dg check defs`, and `dg launch` June 2020 on
the local backend. The GeoJSON's values and the GeoTIFF's pixels are then compared with numpy on the sample rasters.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely.geometry
from PIL import Image
from pyproj import Transformer

from ee_assets_tests.defs.project import Project, copy_project, readme_commands, readme_files, readme_section, tree
from ee_assets_tests.support.defs import REPO, catalog_images

MONTH, NEXT = "2020-06-01", "2020-07-01"
TABLE, IMAGE = "evi_max_by_state", "ndwi_delta"
MODIS, S2 = "MODIS/061/MOD13Q1", "COPERNICUS/S2_HARMONIZED"


@dataclass(frozen=True)
class Walkthrough:
    project: Project
    files: dict[str, str]
    commands: list[list[str]]
    logs: dict[str, str]  # command -> its output


@pytest.fixture(scope="module")
def walkthrough(sample_catalog, tmp_path_factory) -> Walkthrough:
    section = readme_section("Add your own computation")
    files, commands = readme_files(section), readme_commands(section)
    project = copy_project(tmp_path_factory.mktemp("walkthrough"), sample_catalog)
    logs = {}

    def run(args: list[str]) -> None:
        done = project.dg(*args)
        logs[" ".join(args)] = done.stdout + done.stderr
        assert done.returncode == 0, f"dg {' '.join(args)}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"

    for args in commands:  # first the scaffolding, then the files, then everything else, in the README's order
        if args[0] == "scaffold":
            run(args)
    for path, body in files.items():
        assert (project.root / path).parent.is_dir(), f"{path}: the README's scaffold step did not create its folder"
        (project.root / path).write_text(body)
    for args in commands:
        if args[0] != "scaffold":
            run(args)
    return Walkthrough(project, files, commands, logs)


def test_the_readme_gives_both_computations_in_under_15_lines_each():
    section = readme_section("Add your own computation")
    files = readme_files(section)
    assert sorted(files) == [f"ee_assets/defs/{name}/{file}" for name in (TABLE, IMAGE)
                             for file in ("defs.yaml", "graph.py")]
    for path, body in files.items():
        assert len(body.splitlines()) < 15, path
    commands = [" ".join(c) for c in readme_commands(section)]
    assert f"scaffold defs ee_assets.EarthEngineTableComponent {TABLE}" in commands
    assert f"scaffold defs ee_assets.EarthEngineImageComponent {IMAGE}" in commands
    assert "check defs" in commands
    for name in (TABLE, IMAGE):
        assert f"launch --assets {name}_expression,{name} --partition {MONTH}" in commands


def test_the_new_folders_are_the_only_change(walkthrough):
    ours = tree(walkthrough.project.root / "ee_assets")
    original = tree(REPO / "ee_assets")
    added = sorted(set(ours) - set(original))
    assert added == [f"defs/{name}/{file}" for name in (TABLE, IMAGE) for file in ("defs.yaml", "graph.py")]
    assert [p for p in original if ours.get(p) != original[p]] == []


def _check_evaluations(home: Path) -> dict[str, bool]:
    """check name -> passed, for every check evaluated in the project's instance."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs()
            assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
            assert {r.tags["dagster/partition"] for r in runs} == {MONTH}
            return {e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.passed
                    for r in runs for e in instance.all_logs(r.run_id)
                    if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"}


def test_launch_materialized_both_and_their_checks_passed(walkthrough):
    checks = _check_evaluations(walkthrough.project.dagster_home)
    assert checks == {f"{TABLE}_feature_count": True, f"{TABLE}_max_in_range": True,
                      f"{IMAGE}_not_masked": True, f"{IMAGE}_grid_matches_request": True}
    out = walkthrough.project.outputs
    assert set(json.loads((out / f"{TABLE}_expression" / f"{MONTH}.json").read_text())) == {"expression"}
    assert (out / f"{TABLE}" / f"{MONTH}.parquet").stat().st_size > 0
    assert set(json.loads((out / f"{IMAGE}_expression" / "delta" / f"{MONTH}.json").read_text())) == {"expression"}
    with Image.open(out / IMAGE / "delta" / f"{MONTH}.png") as picture:
        assert picture.size == (400, 400)


# -- the values, computed independently from the sample rasters ---------------------------------------------------
def independent_evi_max(catalog: Path) -> dict[str, float | None]:
    """STUSPS -> the highest valid EVI (× 0.0001) among the month's MODIS images at the pixels whose centre lies in
    the state (GDAL's rasterization rule, as EE's max reducer counts pixels); None when there is none."""
    stack, transform = [], None
    for _, tif in catalog_images(catalog, MODIS, MONTH, NEXT):
        with rasterio.open(tif) as ds:
            data = ds.read(ds.descriptions.index("EVI") + 1).astype(float)
            stack.append(np.where(data == ds.nodata, np.nan, data))
            transform = ds.transform
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels stay NaN
        monthly = np.nanmax(np.stack(stack), axis=0)
    expected = {}
    for state in json.loads((catalog.parent / "states.geojson").read_text())["features"]:
        geometry = shapely.geometry.shape(state["geometry"])
        inside = rasterio.features.geometry_mask([geometry], out_shape=monthly.shape, transform=transform,
                                                 invert=True)
        values = monthly[inside & ~np.isnan(monthly)]
        expected[state["properties"]["STUSPS"]] = float(values.max()) * 0.0001 if values.size else None
    return expected


def test_evi_max_by_state_equals_numpy_on_the_sample_rasters(walkthrough, sample_catalog):
    assert len(catalog_images(sample_catalog, MODIS, MONTH, NEXT)) == 2
    features = json.loads((walkthrough.project.outputs / TABLE / f"{MONTH}.geojson").read_text())["features"]
    ours = {f["properties"]["STUSPS"]: f["properties"]["max"] for f in features}
    expected = independent_evi_max(sample_catalog)
    assert set(ours) == set(expected) and len(ours) == 52
    assert {k for k, v in expected.items() if v is None} == {k for k, v in ours.items() if v is None}
    assert {k for k, v in expected.items() if v is None} >= {"AK", "HI", "PR"}  # outside the sample rasters
    for code, value in expected.items():
        if value is not None:
            assert ours[code] == pytest.approx(value, abs=1e-6), code
            assert -0.2 <= value <= 1


def independent_ndwi(catalog: Path, grid: dict) -> np.ndarray:
    """(B3 - B8) / (B3 + B8) of the per-pixel medians of B3 and B8 over the month's scenes, sampled at each output
    pixel's centre (nearest neighbour, as EE resamples by default)."""
    t = grid["affineTransform"]
    shape = (grid["dimensions"]["height"], grid["dimensions"]["width"])
    rows, cols = (a.ravel() for a in np.mgrid[0:shape[0], 0:shape[1]])
    x, y = t["translateX"] + (cols + 0.5) * t["scaleX"], t["translateY"] + (rows + 0.5) * t["scaleY"]
    b3, b8 = [], []
    for _, tif in catalog_images(catalog, S2, MONTH, NEXT):
        with rasterio.open(tif) as ds:
            sx, sy = Transformer.from_crs(grid["crsCode"], ds.crs, always_xy=True).transform(x, y)
            r, c = rasterio.transform.rowcol(ds.transform, sx, sy, op=np.floor)
            data = ds.read()
            names = list(ds.descriptions)
        r, c = np.asarray(r, dtype=int), np.asarray(c, dtype=int)
        b3.append(data[names.index("B3")][r, c].astype(float))
        b8.append(data[names.index("B8")][r, c].astype(float))
    green, nir = np.median(np.stack(b3), axis=0), np.median(np.stack(b8), axis=0)
    return ((green - nir) / (green + nir)).reshape(shape)


def test_ndwi_pixels_equal_numpy_on_the_sample_rasters(walkthrough, sample_catalog):
    assert len(catalog_images(sample_catalog, S2, MONTH, NEXT)) == 6
    grid = {"crsCode": "EPSG:32610", "dimensions": {"width": 400, "height": 400},
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 624030, "shearY": 0, "scaleY": -10,
                                "translateY": 4213320}}
    expected = independent_ndwi(sample_catalog, grid)
    with rasterio.open(walkthrough.project.outputs / IMAGE / "delta" / f"{MONTH}.tif") as ds:
        assert ds.crs.to_epsg() == 32610 and (ds.width, ds.height, ds.count) == (400, 400, 1)
        assert ds.descriptions == ("NDWI",)
        assert tuple(ds.transform)[:6] == (10, 0, 624030, 0, -10, 4213320)
        ours = ds.read(1).astype(float)
        valid = ds.dataset_mask() > 0
    assert valid.all() and np.isfinite(expected).all()
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)
    assert not math.isclose(float(expected.std()), 0.0)  # a real picture, not a constant

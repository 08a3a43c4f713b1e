"""The compiled zonal kernels (kernels/zonal.py) against independent computations.

Weighted runs against per-cell shapely intersections (brute force) and exactextract; centre runs
against GDAL's rasterize; every statistic against numpy over the pixels rasterize selects; tiled
accumulation against a single pass; and reduceRegions through the client, forced to tile.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from exactextract import exact_extract
from rasterio.features import rasterize
from shapely.geometry import mapping

from ee_assets.local.kernels import tiles as tiling
from ee_assets.local.kernels.pixel_blocks import PixelBlocks
from ee_assets.local.kernels.tiles import blocks
from ee_assets.local.kernels.zonal import (
    ZonalAccumulator,
    region_runs,
    weighted_block_sums,
    weighted_regions,
)
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.reducer import Reducer
from ee_assets_tests.support.exact_area import brute_force_fractions

TRANSFORM = Affine(0.1, 0, 10.0, 0, -0.1, 20.0)  # 60 x 50 pixels over lon 10..16, lat 15..20
WIDTH, HEIGHT = 60, 50


def star(rng, cx, cy, r_min, r_max, n) -> shapely.Polygon:
    """A random star-shaped polygon (angular gaps below pi, so it is simple)."""
    angles = (np.arange(n) + rng.uniform(0.1, 0.9, n)) * (2 * np.pi / n)
    radii = rng.uniform(r_min, r_max, n)
    return shapely.Polygon(np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)]))


def regions(seed: int = 3) -> list:
    """Stars, stars with holes, multipolygons, shapes partly or wholly outside the grid, an empty slot."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(24):
        g = star(rng, rng.uniform(9.5, 16.5), rng.uniform(14.5, 20.5), 0.2, 1.8, int(rng.integers(3, 30)))
        if i % 3 == 0:
            g = g.difference(star(rng, g.centroid.x, g.centroid.y, 0.05, 0.2, 7))
        if i % 4 == 1:
            g = shapely.MultiPolygon([g, star(rng, rng.uniform(10, 16), rng.uniform(15, 20), 0.05, 0.3, 6)]
                                     ).buffer(0)
        out.append(g)
    out.append(shapely.box(30, 30, 31, 31))  # far outside: empty region
    out.append(None)
    out.append(shapely.box(10.33, 16.27, 10.38, 16.31))  # smaller than a pixel, no centre inside
    return out


def expand(runs) -> dict[tuple[int, int, int], float]:
    """{(region, row, col): weight}; a pixel must not appear twice for one region."""
    out = {}
    for f, r, c0, c1, w in zip(runs.feature, runs.row, runs.c0, runs.c1, runs.weight, strict=True):
        for c in range(c0, c1):
            assert (f, r, c) not in out, (f, r, c)
            out[(int(f), int(r), int(c))] = float(w)
    return out


def test_weighted_runs_are_exact_coverage_fractions():
    geoms = regions()
    got = expand(region_runs(geoms, TRANSFORM, WIDTH, HEIGHT, weighted=True, min_fraction=1e-12))
    for i, g in enumerate(geoms):
        expected = {} if g is None else brute_force_fractions(g, TRANSFORM, WIDTH, HEIGHT, min_fraction=1e-12)
        mine = {(r, c): w for (f, r, c), w in got.items() if f == i}
        assert set(mine) == set(expected), f"region {i}: pixels differ"
        for key, value in expected.items():
            assert mine[key] == pytest.approx(value, abs=1e-12), (i, key)


def test_invalid_polygons_count_the_union_of_their_areas():
    """A bow-tie and a multipolygon with overlapping parts are repaired first (coverage.py's rule)."""
    bowtie = shapely.Polygon([(10.22, 19.13), (11.87, 17.61), (11.91, 19.07), (10.18, 17.52)])
    overlapping = shapely.MultiPolygon([shapely.box(12.03, 16.04, 13.47, 17.36), shapely.box(12.9, 16.7, 14.12, 18.05)])
    got = expand(region_runs([bowtie, overlapping], TRANSFORM, WIDTH, HEIGHT, weighted=True, min_fraction=1e-12))
    for i, g in enumerate([shapely.make_valid(bowtie), shapely.unary_union(overlapping.geoms)]):
        expected = brute_force_fractions(g, TRANSFORM, WIDTH, HEIGHT, min_fraction=1e-12)
        mine = {(r, c): w for (f, r, c), w in got.items() if f == i}
        assert set(mine) == set(expected)
        assert all(mine[k] == pytest.approx(v, abs=1e-12) for k, v in expected.items())


def test_weighted_runs_drop_pixels_under_half_a_percent():
    geoms = regions()
    full = expand(region_runs(geoms, TRANSFORM, WIDTH, HEIGHT, weighted=True, min_fraction=1e-12))
    ee_rule = expand(region_runs(geoms, TRANSFORM, WIDTH, HEIGHT, weighted=True))
    assert ee_rule == {k: w for k, w in full.items() if w >= 0.005}
    assert any(w < 0.005 for w in full.values()), "the case should include slivers under 0.5 %"


def test_centre_runs_match_gdal_rasterize():
    geoms = regions()
    got = expand(region_runs(geoms, TRANSFORM, WIDTH, HEIGHT, weighted=False))
    for i, g in enumerate(geoms):
        if g is None:
            expected = set()
        else:
            burned = rasterize([g], out_shape=(HEIGHT, WIDTH), transform=TRANSFORM, dtype="uint8")
            expected = {(int(r), int(c)) for r, c in zip(*np.nonzero(burned), strict=True)}
        assert {(r, c) for (f, r, c) in got if f == i} == expected, f"region {i}"
    assert all(w == 1.0 for w in got.values())


def test_points_and_lines_take_the_pixels_they_touch():
    point, line = shapely.Point(10.55, 19.45), shapely.LineString([(10.05, 19.95), (10.25, 19.95)])
    got = expand(region_runs([point, line], TRANSFORM, WIDTH, HEIGHT, weighted=True))
    assert got == {(0, 5, 5): 1.0, (1, 0, 0): 1.0, (1, 0, 1): 1.0, (1, 0, 2): 1.0}


def _raster(seed: int = 9):
    rng = np.random.default_rng(seed)
    values = rng.normal(50, 10, (HEIGHT, WIDTH))
    valid = rng.random((HEIGHT, WIDTH)) > 0.25
    values[~valid] = -9999.0  # nodata under the mask, so a kernel reading it would show
    return values, valid


def _accumulate(values, mask, geoms, leaves, tile_pixels=None) -> ZonalAccumulator:
    centre = region_runs(geoms, TRANSFORM, WIDTH, HEIGHT, weighted=False)
    weighted = region_runs(geoms, TRANSFORM, WIDTH, HEIGHT, weighted=True)
    sizes = np.bincount(centre.feature, centre.c1 - centre.c0, len(geoms)).astype(np.int64)
    acc = ZonalAccumulator(len(geoms), sizes if any(leaf.needs_values() for leaf in leaves) else None)
    grid = Grid("EPSG:4326", TRANSFORM, WIDTH, HEIGHT)
    tiles = blocks(grid, tile_pixels) if tile_pixels else [(0, 0, HEIGHT, WIDTH)]
    if len(tiles) > 1:
        centre, weighted = centre.by_row(HEIGHT), weighted.by_row(HEIGHT)
    for top, left, h, w in tiles:
        v, m = values[top:top + h, left:left + w], mask[top:top + h, left:left + w]
        if len(tiles) > 1:
            acc.add_weighted(v, m, weighted.rows(top, top + h).columns(left, left + w), top, left)
            acc.add_centre(v, m, centre.rows(top, top + h).columns(left, left + w), top, left)
        else:
            acc.add_weighted(v, m, weighted, top, left)
            acc.add_centre(v, m, centre, top, left)
    return acc


def test_statistics_match_numpy_and_exactextract(tmp_path):
    values, valid = _raster()
    geoms = regions()
    leaves = [Reducer.simple(k) for k in ("mean", "sum", "count", "min", "max", "stdDev", "variance", "median")]
    leaves.append(Reducer("percentile", ("p10", "p90"), False, (10.0, 90.0)))
    unweighted = Reducer.simple("mean").unweighted()
    acc = _accumulate(values, valid.astype(np.float32), geoms, [*leaves, unweighted])

    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=1, dtype="float64",
                       crs="EPSG:4326", transform=TRANSFORM, nodata=-9999.0) as ds:
        ds.write(values, 1)
    present = [i for i, g in enumerate(geoms) if g is not None]
    theirs = exact_extract(str(path), [{"type": "Feature", "properties": {"i": i}, "geometry": mapping(geoms[i])}
                                       for i in present],
                           ["mean(min_coverage_frac=0.005)", "sum(min_coverage_frac=0.005)"],
                           include_cols=["i"])
    weighted = {f["properties"]["i"]: f["properties"] for f in theirs}
    for i, g in enumerate(geoms):
        got = {leaf.outputs[0] if leaf.kind != "percentile" else "p": leaf.finish(acc, i) for leaf in leaves}
        burned = np.zeros((HEIGHT, WIDTH), bool) if g is None else rasterize(
            [g], out_shape=(HEIGHT, WIDTH), transform=TRANSFORM, dtype="uint8").astype(bool)
        picked = values[burned & valid]
        assert got["count"] == [picked.size], i
        if picked.size == 0:
            assert got["min"] == got["max"] == got["median"] == got["stdDev"] == [None], i
        else:
            assert got["min"] == [pytest.approx(picked.min(), rel=1e-15)]
            assert got["max"] == [pytest.approx(picked.max(), rel=1e-15)]
            assert got["stdDev"] == [pytest.approx(np.std(picked), rel=1e-9)]
            assert got["variance"] == [pytest.approx(np.var(picked), rel=1e-9)]
            assert got["median"] == [np.median(picked)]
            assert got["p"] == pytest.approx(list(np.percentile(picked, [10, 90])), rel=1e-15)
        assert unweighted.finish(acc, i) == ([None] if picked.size == 0 else [pytest.approx(picked.mean())])
        expected_mean = weighted.get(i, {}).get("mean")
        if expected_mean is None or np.isnan(expected_mean):
            assert got["mean"] == [None] and got["sum"] == [None], i
        else:
            # exactextract keeps coverage fractions as float32 (~6e-8 relative each).
            assert got["mean"] == [pytest.approx(expected_mean, rel=1e-7)], i
            assert got["sum"] == [pytest.approx(weighted[i]["sum"], rel=1e-7)], i


def test_fractional_masks_weigh_as_min_of_mask_and_coverage():
    values, _ = _raster()
    mask = np.random.default_rng(4).choice([0.0, 0.25, 0.5, 1.0], (HEIGHT, WIDTH)).astype(np.float32)
    geoms = regions()[:6]
    acc = _accumulate(values, mask, geoms, [Reducer.simple("mean")])
    for i, g in enumerate(geoms):
        frac = np.zeros((HEIGHT, WIDTH))
        for (r, c), f in brute_force_fractions(g, TRANSFORM, WIDTH, HEIGHT, min_fraction=1e-12).items():
            frac[r, c] = f if f >= 0.005 else 0.0
        w = np.minimum(mask, frac)
        assert Reducer.simple("mean").finish(acc, i) == [pytest.approx(np.sum(w * values) / np.sum(w), rel=1e-12)]


@pytest.mark.parametrize("tile", [None, (13, 17)], ids=["whole", "tiles"])
def test_weighted_sweep_sums_equal_brute_force(tile):
    """add_weighted_regions (coverage computed and summed per window, no runs kept) against shapely fractions."""
    values, _ = _raster(17)
    mask = np.random.default_rng(5).choice([0.0, 0.5, 1.0], (HEIGHT, WIDTH)).astype(np.float32)
    geoms = [*regions(8), shapely.Point(12.05, 17.05), shapely.LineString([(10.05, 19.95), (10.95, 19.95)])]
    prepared = weighted_regions(geoms, TRANSFORM, WIDTH, HEIGHT)
    acc = ZonalAccumulator(len(geoms))
    th, tw = tile or (HEIGHT, WIDTH)
    for top in range(0, HEIGHT, th):
        for left in range(0, WIDTH, tw):
            acc.add_weighted_regions(values[top:top + th, left:left + tw], mask[top:top + th, left:left + tw],
                                     prepared, top, left)
    for i, g in enumerate(geoms):
        frac = np.zeros((HEIGHT, WIDTH))
        if g is not None and g.geom_type in ("Polygon", "MultiPolygon"):
            for (r, c), f in brute_force_fractions(g, TRANSFORM, WIDTH, HEIGHT, min_fraction=1e-12).items():
                frac[r, c] = f if f >= 0.005 else 0.0
        elif g is not None:
            for _, r, c in expand(region_runs([g], TRANSFORM, WIDTH, HEIGHT, weighted=True)):
                frac[r, c] = 1.0
        w = np.minimum(mask, frac)
        expected = None if not np.any(w > 0) else pytest.approx(np.sum(w * values) / np.sum(w), rel=1e-12)
        assert Reducer.simple("mean").finish(acc, i) == [expected], i
        assert acc.w_count[i] == np.count_nonzero(w > 0), i


@pytest.mark.parametrize("dtype, nodata", [("float32", float("nan")), ("float32", -9999.0), ("float32", None),
                                           ("int16", -9999.0), ("int16", None)],
                         ids=["float32 NaN", "float32 value", "float32 none", "int16 value", "int16 none"])
def test_sums_from_blocks_in_place_equal_brute_force(dtype, nodata):
    """weighted_block_sums over a file's blocks where they lie (PixelBlocks.in_place: 8 x 16 blocks, the data
    covering only part of the grid, the blocks' padding filled with a huge value a kernel reading it would show),
    window by window, against shapely fractions and a numpy mask made from the nodata rule."""
    rng = np.random.default_rng(21)
    top, left, data_h, data_w = 3, 5, 42, 47  # the data's place in the 50 x 60 grid
    data = rng.normal(50, 10, (data_h, data_w)).astype(dtype)
    if nodata is not None:
        data[rng.random(data.shape) < 0.3] = nodata
    bh, bw = 8, 16
    down, across = -(-data_h // bh), -(-data_w // bw)
    padded = np.full((down * bh, across * bw), 30000 if dtype == "int16" else 1e30, dtype)
    padded[:data_h, :data_w] = data
    in_place = PixelBlocks.in_place(padded.reshape(down, bh, across, bw).transpose(0, 2, 1, 3).copy(), nodata, top,
                                    left, data_h, data_w)
    mask = np.zeros((HEIGHT, WIDTH))
    values = np.zeros((HEIGHT, WIDTH))
    values[top:top + data_h, left:left + data_w] = data
    valid = np.ones(data.shape, bool) if nodata is None else (~np.isnan(data) if np.isnan(nodata) else data != nodata)
    mask[top:top + data_h, left:left + data_w] = valid
    geoms = regions(8)
    prepared = weighted_regions(geoms, TRANSFORM, WIDTH, HEIGHT)
    acc = ZonalAccumulator(len(geoms))
    for wt in range(0, HEIGHT, 13):
        for wl in range(0, WIDTH, 17):
            h, w = min(13, HEIGHT - wt), min(17, WIDTH - wl)
            acc.add_weighted_sums(weighted_block_sums(in_place, prepared, wt, wl, h, w))
    for i, g in enumerate(geoms):
        frac = np.zeros((HEIGHT, WIDTH))
        if g is not None:
            for (r, c), f in brute_force_fractions(g, TRANSFORM, WIDTH, HEIGHT, min_fraction=1e-12).items():
                frac[r, c] = f if f >= 0.005 else 0.0
        wgt = np.minimum(mask, frac)
        total = np.sum(wgt * np.where(wgt > 0, values, 0.0))  # NaN nodata under weight 0 adds nothing
        expected = None if not np.any(wgt > 0) else pytest.approx(total / np.sum(wgt), rel=1e-12)
        assert Reducer.simple("mean").finish(acc, i) == [expected], i
        assert acc.w_count[i] == np.count_nonzero(wgt > 0), i


def test_tiled_accumulation_equals_one_pass():
    values, valid = _raster()
    mask = valid.astype(np.float32)
    geoms = regions()
    leaves = [Reducer.simple(k) for k in ("mean", "count", "min", "max", "stdDev", "median")]
    whole = _accumulate(values, mask, geoms, leaves)
    tiled = _accumulate(values, mask, geoms, leaves, tile_pixels=150)  # 12 x 12 blocks
    for i in range(len(geoms)):
        for leaf in leaves:
            a, b = leaf.finish(whole, i), leaf.finish(tiled, i)
            assert a == (b if None in b else pytest.approx(b, rel=1e-12)), (i, leaf.kind)


def test_reduce_regions_through_the_client_tiled(tmp_path, ee_on, monkeypatch):
    """reduceRegions forced to evaluate the image in many small tiles gives numpy's and exactextract's answers."""
    monkeypatch.setattr(tiling, "TILE_PIXELS", 200)
    values, valid = _raster(21)
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=1, dtype="float64",
                       crs="EPSG:4326", transform=TRANSFORM, nodata=-9999.0) as ds:
        ds.write(values, 1)
    geoms = [g for g in regions(5) if g is not None]
    features = [{"type": "Feature", "properties": {"i": i}, "geometry": mapping(g)} for i, g in enumerate(geoms)]
    (tmp_path / "p.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    ee = ee_on({"T/p": {"type": "TABLE", "path": "p.geojson"}, "I/r": {"type": "IMAGE", "path": "r.tif"}})
    reducer = ee.Reducer.mean().combine(ee.Reducer.count(), None, True).combine(ee.Reducer.median(), None, True)
    result = ee.Image("I/r").reduceRegions(ee.FeatureCollection("T/p"), reducer).getInfo()
    ours = {f["properties"]["i"]: f["properties"] for f in result["features"]}
    theirs = {f["properties"]["i"]: f["properties"]["mean"]
              for f in exact_extract(str(path), features, "mean(min_coverage_frac=0.005)", include_cols=["i"])}
    for i, g in enumerate(geoms):
        burned = rasterize([g], out_shape=(HEIGHT, WIDTH), transform=TRANSFORM, dtype="uint8").astype(bool)
        picked = values[burned & valid]
        assert ours[i]["count"] == picked.size, i
        assert ours[i].get("median") == (np.median(picked) if picked.size else None), i
        if theirs[i] is None or np.isnan(theirs[i]):
            assert ours[i].get("mean") is None, i
        else:
            assert ours[i]["mean"] == pytest.approx(theirs[i], rel=1e-9), i


@pytest.mark.parametrize("dtype, nodata, layout", [
    ("float32", float("nan"), dict(tiled=True, blockxsize=16, blockysize=16)),
    ("int16", -9999.0, dict(tiled=False, blockysize=7)),
    ("uint16", None, dict(tiled=True, blockxsize=32, blockysize=16)),
], ids=["float32 NaN tiles", "int16 nodata strips", "uint16 no nodata"])
def test_reduce_regions_mean_from_the_file_in_place(tmp_path, ee_on, monkeypatch, dtype, nodata, layout):
    """reduceRegions mean over an uncompressed GeoTIFF, summed from its memory-mapped blocks without a copy
    (kernels/pixel_blocks.py) in many small windows, regions hanging off the raster: exactextract's answers."""
    from ee_assets.local.catalog import rasters

    monkeypatch.setattr(tiling, "TILE_PIXELS", 200)
    rng = np.random.default_rng(23)
    values = rng.normal(500, 100, (HEIGHT, WIDTH)).astype(dtype)
    if nodata is not None:
        values[rng.random(values.shape) < 0.25] = nodata
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=1, dtype=dtype,
                       crs="EPSG:4326", transform=TRANSFORM, nodata=nodata, **layout) as ds:
        ds.write(values, 1)
    grid = Grid("EPSG:4326", TRANSFORM, WIDTH, HEIGHT)
    assert rasters.pixel_blocks(str(path), 1, grid, grid, nodata) is not None  # the path under test is taken
    geoms = [g for g in regions(6) if g is not None]
    features = [{"type": "Feature", "properties": {"i": i}, "geometry": mapping(g)} for i, g in enumerate(geoms)]
    (tmp_path / "p.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    ee = ee_on({"T/p": {"type": "TABLE", "path": "p.geojson"}, "I/r": {"type": "IMAGE", "path": "r.tif"}})
    result = ee.Image("I/r").reduceRegions(ee.FeatureCollection("T/p"), ee.Reducer.mean()).getInfo()
    ours = {f["properties"]["i"]: f["properties"].get("mean") for f in result["features"]}
    theirs = {f["properties"]["i"]: f["properties"]["mean"]
              for f in exact_extract(str(path), features, "mean(min_coverage_frac=0.005)", include_cols=["i"])}
    assert any(v is not None for v in ours.values())
    for i in range(len(geoms)):
        if theirs[i] is None or np.isnan(theirs[i]):
            assert ours[i] is None, i
        else:
            assert ours[i] == pytest.approx(theirs[i], rel=1e-9), i


def test_reduce_regions_mean_of_each_band_in_place(tmp_path, ee_on):
    """A two-band file with band planes (each band's blocks one after another) is summed in place band by band:
    each band's means are exactextract's over that band alone."""
    from ee_assets.local.catalog import rasters

    rng = np.random.default_rng(29)
    bands = rng.normal(500, 100, (2, HEIGHT, WIDTH)).astype("float32")
    bands[rng.random(bands.shape) < 0.25] = np.nan
    profile = dict(driver="GTiff", width=WIDTH, height=HEIGHT, dtype="float32", crs="EPSG:4326", transform=TRANSFORM,
                   nodata=float("nan"), tiled=True, blockxsize=16, blockysize=16)
    with rasterio.open(tmp_path / "r.tif", "w", count=2, interleave="band", **profile) as ds:
        ds.write(bands)
    grid = Grid("EPSG:4326", TRANSFORM, WIDTH, HEIGHT)
    assert all(rasters.pixel_blocks(str(tmp_path / "r.tif"), k, grid, grid, float("nan")) is not None for k in (1, 2))
    geoms = [g for g in regions(7) if g is not None]
    features = [{"type": "Feature", "properties": {"i": i}, "geometry": mapping(g)} for i, g in enumerate(geoms)]
    (tmp_path / "p.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    ee = ee_on({"T/p": {"type": "TABLE", "path": "p.geojson"}, "I/r": {"type": "IMAGE", "path": "r.tif",
                                                                      "bands": ["a", "b"]}})
    result = ee.Image("I/r").reduceRegions(ee.FeatureCollection("T/p"), ee.Reducer.mean()).getInfo()
    ours = {f["properties"]["i"]: f["properties"] for f in result["features"]}
    for k, name in enumerate(["a", "b"]):
        with rasterio.open(tmp_path / f"{name}.tif", "w", count=1, **profile) as ds:
            ds.write(bands[k], 1)
        theirs = {f["properties"]["i"]: f["properties"]["mean"] for f in exact_extract(
            str(tmp_path / f"{name}.tif"), features, "mean(min_coverage_frac=0.005)", include_cols=["i"])}
        for i in range(len(geoms)):
            if theirs[i] is None or np.isnan(theirs[i]):
                assert ours[i].get(name) is None, (name, i)
            else:
                assert ours[i][name] == pytest.approx(theirs[i], rel=1e-9), (name, i)

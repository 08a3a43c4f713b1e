"""Tests for the pixel-selection kernel, against hand-worked cases and independent computations.

References: per-cell shapely intersections over the whole grid (brute force), exactextract
(coverage fractions and coverage-weighted means) and GDAL's rasterize (centre rule).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from exactextract import exact_extract
from rasterio.features import rasterize
from shapely.geometry import mapping

from ee_assets.local.kernels.coverage import centre_pixels, coverage_fractions, region_pixels
from ee_assets_tests.support.exact_area import brute_force_fractions

NORTH_UP = Affine(1, 0, 0, 0, -1, 4)  # 4 rows: pixel (r, c) is [c, c+1] × [3-r, 4-r]
SOUTH_UP = Affine(1, 0, 0, 0, 1, 0)  # EE atScale style: pixel (r, c) is [c, c+1] × [r, r+1]


def as_dict(rows, cols, values) -> dict[tuple[int, int], float]:
    assert rows.dtype == np.int64 and cols.dtype == np.int64 and values.dtype == np.float64
    assert len(rows) == len(cols) == len(values)
    result = {(int(r), int(c)): float(v) for r, c, v in zip(rows, cols, values, strict=True)}
    assert len(result) == len(rows), "a pixel is listed twice"
    return result


def fractions(geometry, transform=NORTH_UP, width=4, height=4) -> dict[tuple[int, int], float]:
    return as_dict(*coverage_fractions(geometry, transform, width, height))


def assert_matches_brute_force(geometry, transform, width, height, tol=1e-12):
    got = fractions(geometry, transform, width, height)
    expected = brute_force_fractions(geometry, transform, width, height)
    missing = {k: v for k, v in expected.items() if v > 1e-12 and k not in got}
    assert not missing, f"pixels with coverage missed: {missing}"
    for key, value in got.items():
        assert value == pytest.approx(expected.get(key, 0.0), rel=0, abs=tol), key
    return got


def star(rng, cx, cy, r_min, r_max, n) -> shapely.Polygon:
    """A random star-shaped (hence simple) polygon around (cx, cy)."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(r_min, r_max, n)
    return shapely.Polygon(np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)]))


def random_polygons(seed: int, x0: float, y0: float, w: float, h: float) -> list:
    """Stars, stars with holes and multipolygons over (and partly beyond) the box [x0, x0+w] × [y0, y0+h]."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < 12:
        kind = len(out) % 3
        cx, cy = x0 + rng.uniform(-0.1, 1.1) * w, y0 + rng.uniform(-0.1, 1.1) * h
        size = rng.uniform(0.05, 0.5) * min(w, h)
        geometry = star(rng, cx, cy, 0.5 * size, size, int(rng.integers(3, 40)))
        if kind == 1:
            hole = star(rng, cx, cy, 0.1 * size, 0.45 * size, int(rng.integers(3, 12)))
            geometry = shapely.Polygon(geometry.exterior, [hole.exterior])
        elif kind == 2:
            far = star(rng, cx + 1.5 * size, cy - 1.2 * size, 0.2 * size, 0.4 * size, 7)
            geometry = shapely.MultiPolygon([geometry, far])
        if geometry.is_valid:
            out.append(geometry)
    return out


# --- coverage_fractions: hand-worked cases ---------------------------------------------------


def test_square_covering_exactly_two_by_two_pixels():
    assert fractions(shapely.box(1, 1, 3, 3)) == {(1, 1): 1.0, (1, 2): 1.0, (2, 1): 1.0, (2, 2): 1.0}


def test_half_pixel_offset_square():
    got = fractions(shapely.box(0.5, 0.5, 2.5, 2.5))
    assert got == {
        (1, 0): 0.25, (1, 1): 0.5, (1, 2): 0.25,
        (2, 0): 0.5, (2, 1): 1.0, (2, 2): 0.5,
        (3, 0): 0.25, (3, 1): 0.5, (3, 2): 0.25,
    }  # fmt: skip


def test_polygon_with_hole():
    outer = shapely.box(0, 0, 4, 4)
    got = fractions(shapely.Polygon(outer.exterior, [shapely.box(1.5, 1.5, 2.5, 2.5).exterior]))
    expected = {(r, c): 1.0 for r in range(4) for c in range(4)}
    expected.update({(1, 1): 0.75, (1, 2): 0.75, (2, 1): 0.75, (2, 2): 0.75})
    assert got == expected


def test_hole_strictly_inside_one_pixel():
    square = shapely.Polygon(shapely.box(0, 0, 3, 3).exterior, [shapely.box(1.2, 1.2, 1.7, 1.6).exterior])
    got = fractions(square)
    assert got[(2, 1)] == pytest.approx(1 - 0.5 * 0.4, abs=1e-15)
    assert sum(got.values()) == pytest.approx(9 - 0.2, abs=1e-13)


def test_multipolygon():
    got = fractions(shapely.MultiPolygon([shapely.box(0, 3, 0.5, 4), shapely.box(2, 0, 4, 0.25)]))
    assert got == {(0, 0): 0.5, (3, 2): 0.25, (3, 3): 0.25}


def test_overlapping_parts_count_once():
    overlapping = shapely.MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    assert not overlapping.is_valid
    assert fractions(overlapping) == fractions(shapely.union_all(list(overlapping.geoms)))
    assert max(fractions(overlapping).values()) == 1.0


def test_polygon_partly_outside_grid():
    got = fractions(shapely.box(-10, 2.5, 1.5, 40))
    assert got == {(0, 0): 1.0, (1, 0): 0.5, (0, 1): 0.5, (1, 1): 0.25}


@pytest.mark.parametrize(
    "geometry",
    [
        shapely.box(2.5, 0.5, 9, 1.5),  # beyond the right edge
        shapely.box(-3, 0.25, 1.75, 3.5),  # beyond the left edge
        shapely.box(1.2, -2, 2.6, 6),  # beyond top and bottom
        shapely.box(5, 0, 6, 4),  # right of the grid, same rows
        shapely.Polygon(shapely.box(-2, -2, 6, 6).exterior, [shapely.box(1.5, 1.5, 2.5, 2.25).exterior]),
        shapely.Polygon(shapely.box(-2, -2, 6, 6).exterior, [shapely.box(3.5, -1, 5, 2.5).exterior]),
        shapely.Polygon([(-1, -1), (5, 0.3), (4.5, 5), (3.9, 0.9), (0.1, 2.2)]),  # concave, cut by all edges
    ],
)
def test_polygons_crossing_the_grid_edges(geometry):
    assert_matches_brute_force(geometry, NORTH_UP, 4, 4)


def test_polygon_containing_the_grid():
    assert fractions(shapely.box(-1e6, -1e6, 1e6, 1e6), width=3, height=2) == {
        (r, c): 1.0 for r in range(2) for c in range(3)
    }


def test_polygon_outside_grid_or_empty():
    for geometry in [shapely.box(5, 5, 6, 6), shapely.box(0, 4, 4, 5), shapely.Polygon(), shapely.Point(1, 1)]:
        rows, cols, frac = coverage_fractions(geometry, NORTH_UP, 4, 4)
        assert len(rows) == len(cols) == len(frac) == 0
        assert (rows.dtype, cols.dtype, frac.dtype) == (np.int64, np.int64, np.float64)


def test_sliver_thinner_than_a_pixel():
    thin = shapely.box(1.3, 0.5, 1.3 + 1e-7, 3.5)  # vertical, 1e-7 wide
    got = fractions(thin)
    assert got.keys() == {(1, 1), (2, 1), (0, 1), (3, 1)}
    assert got[(1, 1)] == pytest.approx(1e-7, rel=1e-6)
    assert got[(0, 1)] == pytest.approx(0.5e-7, rel=1e-6)
    diagonal = shapely.LineString([(0.1, 0.2), (3.9, 3.7)]).buffer(1e-4, cap_style="flat")
    assert_matches_brute_force(diagonal, NORTH_UP, 4, 4)


def test_edges_on_grid_lines_and_through_corners():
    diamond = shapely.Polygon([(2, 0), (4, 2), (2, 4), (0, 2)])  # passes exactly through pixel corners
    got = assert_matches_brute_force(diamond, NORTH_UP, 4, 4)
    assert set(got.values()) == {0.5, 1.0}
    assert_matches_brute_force(shapely.box(1, 0, 3, 4), NORTH_UP, 4, 4)


def test_positive_y_scale():
    got = fractions(shapely.box(0.5, 0, 1.5, 1.25), SOUTH_UP)
    assert got == {(0, 0): 0.5, (0, 1): 0.5, (1, 0): 0.125, (1, 1): 0.125}


def test_negative_x_scale():
    mirrored = Affine(-1, 0, 4, 0, -1, 4)  # column 0 is [3, 4]
    assert fractions(shapely.box(3.5, 3, 4, 4), mirrored) == {(0, 0): 0.5}


def test_shear_is_rejected():
    with pytest.raises(ValueError, match="shear"):
        coverage_fractions(shapely.box(0, 0, 1, 1), Affine(1, 0.1, 0, 0, -1, 4), 4, 4)


@pytest.mark.parametrize(
    "transform",
    [
        Affine(0.5, 0, 10, 0, -0.25, 20),
        Affine(0.5, 0, 10, 0, 0.25, 12.5),
        Affine(-0.5, 0, 25, 0, -0.25, 20),
        Affine(231.65635826395834, 0, -20015109.354, 0, -231.65635826395834, 10007554.677),  # MODIS
        Affine(8.983152841195215e-05, 0, -121.58626826832939, 0, 8.983152841195215e-05, 38.05),  # atScale(10)
    ],
)
def test_random_polygons_match_brute_force(transform):
    width, height = 30, 32
    x0, y0 = transform @ (0, 0)
    x1, y1 = transform @ (width, height)
    for geometry in random_polygons(7, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)):
        got = assert_matches_brute_force(geometry, transform, width, height)
        inside = shapely.intersection(geometry, shapely.box(x0, y0, x1, y1)).area
        assert sum(got.values()) * abs(transform.a * transform.e) == pytest.approx(inside, rel=1e-9)


# --- coverage_fractions against exactextract -------------------------------------------------


@pytest.fixture
def raster(tmp_path):
    """A 40×50 float raster with non-square pixels, an offset origin and some nodata."""
    rng = np.random.default_rng(3)
    data = rng.normal(100, 30, (40, 50))
    data[rng.random(data.shape) < 0.1] = -9999
    transform = Affine(0.5, 0, 100, 0, -0.25, 50)
    path = tmp_path / "values.tif"
    profile = dict(driver="GTiff", width=50, height=40, count=1, dtype="float64", transform=transform)
    with rasterio.open(path, "w", nodata=-9999, crs="EPSG:3857", **profile) as dst:
        dst.write(data, 1)
    return path, data, transform


def compare_with_exactextract(raster, polygons, pixel_tol: float, mean_rel: float) -> None:
    """Per-pixel fractions (`coverage`/`cell_id`) and the coverage-weighted mean of valid pixels."""
    path, data, transform = raster
    height, width = data.shape
    features = [{"type": "Feature", "properties": {"i": i}, "geometry": mapping(g)} for i, g in enumerate(polygons)]
    results = exact_extract(str(path), features, ["mean(min_coverage_frac=0.005)", "coverage", "cell_id"])
    means = 0
    for geometry, result in zip(polygons, results, strict=True):
        props = result["properties"]
        rows, cols, frac = coverage_fractions(geometry, transform, width, height)
        has_data = data[rows, cols] != -9999
        # exactextract lists valid pixels only.
        theirs = dict(zip(props["cell_id"].tolist(), props["coverage"].tolist(), strict=True))
        ours = dict(zip((rows * width + cols)[has_data].tolist(), frac[has_data].tolist(), strict=True))
        assert {k for k, v in ours.items() if v > pixel_tol} <= theirs.keys()
        assert {k for k, v in theirs.items() if v > 0} <= ours.keys()
        for cell, value in theirs.items():
            assert ours.get(cell, 0.0) == pytest.approx(value, rel=0, abs=pixel_tol)
        valid = has_data & (frac >= 0.005)
        if not valid.any():
            assert props["mean"] is None or np.isnan(props["mean"])
            continue
        assert np.average(data[rows, cols][valid], weights=frac[valid]) == pytest.approx(props["mean"], rel=mean_rel)
        means += 1
    assert means >= len(polygons) * 2 // 3


def test_matches_exactextract_random_polygons(raster):
    # exactextract 0.3 stores coverage fractions as float32 (sometimes 1 ulp off the nearest),
    # which bounds the agreement to ~6e-8 per pixel and ~1e-8 relative on means.
    _, _, transform = raster
    polygons = random_polygons(11, transform.c, transform.f - 10, 25, 10)
    compare_with_exactextract(raster, polygons, pixel_tol=1.2e-7, mean_rel=1e-7)


def test_matches_exactextract_exactly_on_dyadic_polygons(raster):
    """Vertices on a 1/16 lattice, edges at 0/45/90°: every fraction is dyadic, so float32 is exact."""
    rng = np.random.default_rng(5)
    _, _, transform = raster
    x0, y0 = transform.c, transform.f - 10

    def lattice(lo, hi):
        return lo + rng.integers(0, int((hi - lo) * 16)) / 16

    polygons = []
    for i in range(12):
        parts = []
        for _ in range(int(rng.integers(1, 4))):
            x, y, r = lattice(x0 - 1, x0 + 26), lattice(y0 - 1, y0 + 11), lattice(0.0625, 3)
            if rng.random() < 0.5:
                parts.append(shapely.box(x, y, x + r, y + lattice(0.0625, 3)))
            else:
                parts.append(shapely.Polygon([(x - r, y), (x, y - r), (x + r, y), (x, y + r)]))
        geometry = shapely.union_all(parts)
        if i % 3 == 0:  # punch a hole
            cx, cy = geometry.centroid.x // 0.0625 * 0.0625, geometry.centroid.y // 0.0625 * 0.0625
            geometry = geometry.difference(shapely.box(cx - 0.3125, cy - 0.1875, cx + 0.25, cy + 0.125))
        polygons.append(geometry)
    compare_with_exactextract(raster, polygons, pixel_tol=1e-12, mean_rel=1e-12)


# --- centre_pixels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "transform",
    [NORTH_UP, SOUTH_UP, Affine(-1, 0, 30, 0, -1, 32), Affine(0.5, 0, 10, 0, 0.25, 12.5)],
)
def test_centre_pixels_match_gdal_rasterize(transform):
    width, height = 30, 32
    x0, y0 = transform @ (0, 0)
    x1, y1 = transform @ (width, height)
    geometries = random_polygons(5, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
    geometries += [shapely.box(*(transform @ (2.5, 3.5)), *(transform @ (7.5, 9.5)))]  # centres on edges
    for geometry in geometries:
        mask = rasterize([geometry], out_shape=(height, width), transform=transform, all_touched=False)
        expected = set(zip(*np.nonzero(mask), strict=True))
        rows, cols = centre_pixels(geometry, transform, width, height)
        assert rows.dtype == cols.dtype == np.int64
        assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == expected
        assert len(rows) == len(expected)


def test_centre_pixels_hand_worked():
    rows, cols = centre_pixels(shapely.box(0.2, 0.2, 2.7, 1.6), SOUTH_UP, 4, 4)
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == [(r, c) for r in (0, 1) for c in (0, 1, 2)]
    rows, cols = centre_pixels(shapely.box(0.6, 0.6, 1.4, 1.4), SOUTH_UP, 4, 4)  # no centre inside
    assert len(rows) == 0


# --- region_pixels ---------------------------------------------------------------------------


def region(geometry, weighted, transform=NORTH_UP, width=4, height=4):
    return as_dict(*region_pixels(geometry, transform, width, height, weighted))


def test_region_point_selects_containing_pixel():
    assert region(shapely.Point(1.3, 2.6), True) == {(1, 1): 1.0}
    assert region(shapely.Point(1.3, 2.6), False) == {(1, 1): 1.0}
    assert region(shapely.Point(1.3, 2.6), True, SOUTH_UP) == {(2, 1): 1.0}
    assert region(shapely.Point(9, 9), True) == {}
    assert region(shapely.MultiPoint([(0.1, 0.1), (0.2, 0.3), (3.5, 3.5)]), True) == {(3, 0): 1.0, (0, 3): 1.0}


def test_region_line_selects_pixels_it_passes_through():
    assert region(shapely.LineString([(0.5, 3.5), (2.5, 3.5)]), True) == {(0, 0): 1.0, (0, 1): 1.0, (0, 2): 1.0}
    diagonal = region(shapely.LineString([(0, 0), (4, 4)]), False)  # through pixel corners only
    assert diagonal == {(3, 0): 1.0, (2, 1): 1.0, (1, 2): 1.0, (0, 3): 1.0}
    assert region(shapely.LineString([(-5, 0.5), (0.5, 0.5), (0.5, -5)]), True) == {(3, 0): 1.0}


def test_region_polygon_weighted_uses_fractions_from_half_a_percent():
    geometry = shapely.box(0.5, 0.992, 1.5, 2.5)  # row 3 covered 0.4% (dropped)
    got = region(geometry, True)
    assert got == pytest.approx({(1, 0): 0.25, (1, 1): 0.25, (2, 0): 0.5, (2, 1): 0.5})
    assert region(shapely.box(0.5, 0.988, 1.5, 2.5), True)[(3, 0)] == pytest.approx(0.006)


def test_region_polygon_unweighted_uses_centres():
    geometry = shapely.box(0.2, 0.6, 2.7, 2.4)
    rows, cols = centre_pixels(geometry, NORTH_UP, 4, 4)
    assert region(geometry, False) == {(r, c): 1.0 for r, c in zip(rows.tolist(), cols.tolist(), strict=True)}
    assert region(geometry, False) == {(2, 0): 1.0, (2, 1): 1.0, (2, 2): 1.0}


def test_region_geometry_collection_is_union_of_parts():
    collection = shapely.GeometryCollection(
        [shapely.box(0.5, 0.5, 1.5, 1.5), shapely.Point(1.2, 1.2), shapely.LineString([(3.5, 0), (3.5, 4)])]
    )
    got = region(collection, True)
    assert got[(2, 1)] == 1.0  # the point's pixel, also covered 25% by the box
    assert got[(2, 0)] == got[(3, 0)] == got[(3, 1)] == 0.25
    assert {(r, 3) for r in range(4)} <= got.keys()
    assert len(got) == 8


def test_region_empty():
    for geometry in [shapely.GeometryCollection(), shapely.Polygon(), shapely.box(10, 10, 11, 11)]:
        for weighted in (True, False):
            rows, cols, weights = region_pixels(geometry, NORTH_UP, 4, 4, weighted)
            assert len(rows) == 0 and (rows.dtype, cols.dtype, weights.dtype) == (np.int64, np.int64, np.float64)


# --- scale -----------------------------------------------------------------------------------


def test_small_polygon_on_huge_grid_stays_in_its_window():
    transform = Affine(1, 0, 0, 0, -1, 1e6)
    geometry = shapely.box(500_000.25, 400_000.25, 500_002.25, 400_001.25)
    start = time.perf_counter()
    got = fractions(geometry, transform, 1_000_000, 1_000_000)
    rows, cols = centre_pixels(geometry, transform, 1_000_000, 1_000_000)
    assert time.perf_counter() - start < 1.0
    assert sum(got.values()) == pytest.approx(2.0) and len(got) == 6
    assert len(rows) == 2


def test_large_polygon_many_vertices():
    outer = shapely.Point(1000, 1000).buffer(990, quad_segs=10_000).exterior  # 40k vertices
    hole = shapely.Point(700, 900).buffer(100, quad_segs=2_000).exterior
    geometry = shapely.Polygon(outer, [hole])
    transform = Affine(1, 0, 0, 0, -1, 2000)
    start = time.perf_counter()
    rows, cols, frac = coverage_fractions(geometry, transform, 2000, 2000)
    assert time.perf_counter() - start < 10.0
    assert frac.sum() == pytest.approx(geometry.area, rel=1e-12)
    assert frac.max() == 1.0 and frac.min() > 0
    # Spot-check boundary pixels against shapely.
    boundary = np.flatnonzero(frac < 1)[::97]
    x, y = transform @ (cols[boundary], rows[boundary])
    cells = shapely.box(x, y - 1, x + 1, y)
    np.testing.assert_allclose(frac[boundary], shapely.area(shapely.intersection(cells, geometry)), atol=1e-12)

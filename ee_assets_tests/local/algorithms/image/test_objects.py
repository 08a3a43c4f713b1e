"""paint, clipToCollection, polynomial, unmix, metadata, copyProperties, id, pixelCoordinates, first/firstNonZero and
ImageCollection merge/combine/getRegion through the real ee client, against shapely, numpy and hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from ee_assets_tests.support.image_fixtures import GRID, HEIGHT, VALID, WIDTH, A, B, ab_catalog, pixels

TO_LONLAT = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
SQUARE_3857 = [(1003.0, 1997.0), (1036.0, 1997.0), (1036.0, 1964.0), (1003.0, 1964.0)]
TRIANGLE_3857 = [(1024.0, 1988.0), (1058.0, 1983.0), (1041.0, 1952.0)]
ROWS, COLS = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
CENTRES = shapely.points(1005 + 10 * COLS, 1995 - 10 * ROWS)


@pytest.fixture()
def ee(tmp_path, ee_on):
    return ee_on(ab_catalog(tmp_path))


def _polygon(ee, ring):
    lon, lat = TO_LONLAT.transform(*zip(*ring, strict=True))
    return ee.Geometry.Polygon([[list(p) for p in zip(lon, lat, strict=True)]], None, False)


def _fc(ee):
    return ee.FeatureCollection([ee.Feature(_polygon(ee, SQUARE_3857), {"k": 3}),
                                 ee.Feature(_polygon(ee, TRIANGLE_3857), {"k": 7})])


def test_paint_interiors_with_a_property_colour(ee):
    values, mask = pixels(ee, ee.Image().byte().paint(_fc(ee), "k"))["constant"]
    in_square = shapely.contains(shapely.Polygon(SQUARE_3857), CENTRES)
    in_triangle = shapely.contains(shapely.Polygon(TRIANGLE_3857), CENTRES)
    np.testing.assert_array_equal(mask, in_square | in_triangle)  # ee.Image() is fully masked until painted
    np.testing.assert_array_equal(values[in_triangle], 7)  # the later feature paints over the earlier one
    np.testing.assert_array_equal(values[in_square & ~in_triangle], 3)
    # Painting onto an image keeps its values elsewhere.
    values, _ = pixels(ee, ee.Image("I/ab").select("b").paint(_fc(ee), 100))["b"]
    np.testing.assert_array_equal(values, np.where(in_square | in_triangle, 100, B))


def test_paint_outlines(ee):
    _, mask = pixels(ee, ee.Image().paint(_fc(ee).limit(1), 1, 3))["constant"]
    distance = shapely.distance(shapely.Polygon(SQUARE_3857).boundary, CENTRES)
    np.testing.assert_array_equal(mask, distance <= 15)  # within 1.5 pixels of the outline
    _, mask = pixels(ee, ee.Image().paint(_fc(ee).limit(1), 1, 1))["constant"]
    assert mask[0, 0] == 1 and mask[1, 1] == 0  # the corner's pixel is burnt, the inside is not
    assert (mask.astype(bool) <= (distance <= 10 * np.sqrt(2))).all()


def test_clip_to_collection(ee):
    _, mask = pixels(ee, ee.Image("I/ab").select("b").clipToCollection(_fc(ee)))["b"]
    union = shapely.union(shapely.Polygon(SQUARE_3857), shapely.Polygon(TRIANGLE_3857))
    np.testing.assert_array_equal(mask, shapely.contains(union, CENTRES))


def test_polynomial_and_unmix(ee):
    a = ee.Image("I/ab").select("a")
    values, mask = pixels(ee, a.polynomial([1, 2, 3]))["a"]
    np.testing.assert_allclose(values[VALID], (1 + 2 * A + 3 * A**2)[VALID])
    np.testing.assert_array_equal(mask, VALID)
    # Pixels that are exact mixtures f·e1 + (1 - f)·e2 of two 3-band endmembers unmix to (f, 1 - f).
    e1, e2 = [0.1, 0.5, 0.9], [0.6, 0.2, 0.3]
    f = ee.Image("I/ab").select("b").divide(7)
    bands = [f.multiply(x).add(ee.Image.constant(1).subtract(f).multiply(y)) for x, y in zip(e1, e2, strict=True)]
    mixed = ee.Image.cat(bands)
    for sum_to_one in (False, True):
        px = pixels(ee, mixed.unmix([e1, e2], sum_to_one))
        np.testing.assert_allclose(px["band_0"][0], B / 7, atol=1e-12)
        np.testing.assert_allclose(px["band_1"][0], 1 - B / 7, atol=1e-12)
    with pytest.raises(ee.EEException, match="one value per band"):
        mixed.unmix([[1, 2]]).getInfo()


def test_metadata_copy_properties_and_id(ee):
    img = ee.Image("I/ab").set("k", 5)
    values, _ = pixels(ee, img.metadata("k"))["k"]
    np.testing.assert_array_equal(values, 5)
    assert img.metadata("k", "kk").bandNames().getInfo() == ["kk"]
    copied = ee.Image.constant(1).copyProperties(img, ["k"])
    assert ee.Image(copied).get("k").getInfo() == 5
    coll = ee.ImageCollection.fromImages([ee.Image.constant(1), ee.Image.constant(2)])
    assert ee.Image(coll.toList(2).get(1)).id().getInfo() == "1"


def test_pixel_coordinates(ee):
    px = pixels(ee, ee.Image.pixelCoordinates(ee.Projection("EPSG:3857")))
    np.testing.assert_array_equal(px["x"][0], 1005 + 10 * COLS)
    np.testing.assert_array_equal(px["y"][0], 1995 - 10 * ROWS)


def test_first_and_first_non_zero(ee):
    img = ee.Image("I/ab")
    a, b = img.select("a"), img.select("b")
    values, mask = pixels(ee, a.first(b))["a"]
    np.testing.assert_array_equal(values, np.where(VALID, A, B))
    np.testing.assert_array_equal(mask, 1)
    for image in (b.firstNonZero(a.add(100)), ee.ApiFunction.call_("Image.first_nonzero", b, a.add(100))):
        values, _ = pixels(ee, image)["b"]
        np.testing.assert_array_equal(values[VALID], np.where(B != 0, B, A + 100)[VALID])


def test_image_collection_merge_combine_and_get_region(ee):
    one = ee.ImageCollection.fromImages([ee.Image("I/ab").select("a").set("system:time_start", 1000)])
    two = ee.ImageCollection.fromImages([ee.Image("I/ab").select("b").set("system:time_start", 2000)])
    merged = one.merge(two)
    assert merged.aggregate_array("system:index").getInfo() == ["1_ab", "2_ab"]
    combined = one.combine(two)
    assert combined.first().bandNames().getInfo() == ["a", "b"]
    lon, lat = TO_LONLAT.transform(1037.0, 1982.0)  # inside native pixel (row 1, col 3)
    table = merged.getRegion(ee.Geometry.Point([lon, lat]), 10, "EPSG:3857").getInfo()
    assert table[0] == ["id", "longitude", "latitude", "time", "a", "b"]
    clon, clat = TO_LONLAT.transform(1035.0, 1985.0)
    assert [row[0] for row in table[1:]] == ["1_ab", "2_ab"]
    np.testing.assert_allclose([table[1][1], table[1][2]], [clon, clat], atol=1e-12)
    assert table[1][3:] == [1000, A[1, 3], None] and table[2][3:] == [2000, None, B[1, 3]]
    with pytest.raises(ee.EEException, match="give 'scale'"):
        merged.getRegion(ee.Geometry.Point([lon, lat])).getInfo()


def _bfs_sizes(values: np.ndarray, valid: np.ndarray, eight: bool) -> np.ndarray:
    """Reference region sizes by breadth-first search over equal, valid neighbours."""
    steps = [(0, 1), (1, 0), (0, -1), (-1, 0)] + ([(1, 1), (1, -1), (-1, 1), (-1, -1)] if eight else [])
    sizes = np.zeros(values.shape, int)
    seen = np.zeros(values.shape, bool)
    for start in zip(*np.nonzero(valid), strict=True):
        if seen[start]:
            continue
        region, queue = [start], [start]
        seen[start] = True
        while queue:
            r, c = queue.pop()
            for dr, dc in steps:
                n = (r + dr, c + dc)
                if 0 <= n[0] < values.shape[0] and 0 <= n[1] < values.shape[1] and valid[n] and not seen[n] \
                        and values[n] == values[r, c]:
                    seen[n] = True
                    region.append(n)
                    queue.append(n)
        for p in region:
            sizes[p] = len(region)
    return sizes


def test_connected_pixel_count_matches_a_breadth_first_search(ee):
    img = ee.Image("I/ab")
    high = img.select("b").gt(3)
    for eight in (True, False):
        values, _ = pixels(ee, high.connectedPixelCount(100, eight))["b"]
        np.testing.assert_array_equal(values, _bfs_sizes(B > 3, np.ones_like(VALID), eight), err_msg=str(eight))
    values, mask = pixels(ee, img.select("a").gt(0).connectedPixelCount(4))["a"]
    expected = np.minimum(_bfs_sizes(A > 0, VALID, True), 4)  # capped at maxSize; the masked pixel stays masked
    np.testing.assert_array_equal(values[VALID], expected[VALID])
    np.testing.assert_array_equal(mask, VALID)
    with pytest.raises(ee.EEException, match="maxSize must be between 1 and 1024"):
        high.connectedPixelCount(5000).getInfo()


def test_translate_shifts_in_metres_and_pixels(ee):
    b = ee.Image("I/ab").select("b")
    values, mask = pixels(ee, b.translate(20, 0))["b"]  # 20 m east: column c shows column c - 2
    np.testing.assert_array_equal(values[:, 2:], B[:, :-2])
    np.testing.assert_array_equal(mask[:, :2], 0)
    values, _ = pixels(ee, b.translate(-1, 0, "pixels"))["b"]  # one pixel west
    np.testing.assert_array_equal(values[:, :-1], B[:, 1:])
    values, mask = pixels(ee, b.translate(0, 10))["b"]  # 10 m north: row r shows row r + 1
    np.testing.assert_array_equal(values[:-1], B[1:])
    np.testing.assert_array_equal(mask[-1], 0)


def test_interpolate_behaviours(ee):
    """The piecewise-linear function through (0, 0), (4, 40), (6, 100), applied to b (0..7) by hand."""
    b = ee.Image("I/ab").select("b")
    inside = np.where(B <= 4, 10 * B, 40 + 30 * (B - 4))
    cases = {
        "extrapolate": np.where(B > 6, 100 + 30 * (B - 6), inside),
        "clamp": np.where(B > 6, 100, inside),
        "input": np.where(B > 6, B, inside),
    }
    for behavior, expected in cases.items():
        values, _ = pixels(ee, b.interpolate([0, 4, 6], [0, 40, 100], behavior))["b"]
        np.testing.assert_allclose(values, expected, err_msg=behavior)
    _, mask = pixels(ee, b.interpolate([0, 4, 6], [0, 40, 100], "mask"))["b"]
    np.testing.assert_array_equal(mask, B <= 6)
    with pytest.raises(ee.EEException, match="strictly increasing"):
        b.interpolate([0, 0], [1, 2]).getInfo()


def test_random_is_a_deterministic_function_of_location_and_seed(ee):
    grid = {"dimensions": {"width": 200, "height": 200}, "crsCode": "EPSG:3857",
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 0, "shearY": 0, "scaleY": -10,
                                "translateY": 0}}
    u = pixels(ee, ee.Image.random(7), grid)["random"][0]
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.std() - np.sqrt(1 / 12)) < 0.01  # 40,000 samples: ~0.0015 s.e.
    shifted = dict(grid, affineTransform=dict(grid["affineTransform"], translateX=500))  # 50 pixels east
    v = pixels(ee, ee.Image.random(7), shifted)["random"][0]
    np.testing.assert_array_equal(v[:, :150], u[:, 50:])  # the same pixel gets the same number in any request
    other = pixels(ee, ee.Image.random(8), grid)["random"][0]
    assert np.corrcoef(u.ravel(), other.ravel())[0, 1] < 0.02
    n = pixels(ee, ee.Image.random(7, "normal"), grid)["random"][0]
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03


def test_spectral_distance_metrics(ee):
    """Two 3-band spectra per pixel, distances worked out with numpy's formulas for each metric."""
    img = ee.Image("I/ab")
    b = img.select("b").add(1)
    one = ee.Image.cat([b, b.multiply(2), ee.Image.constant(3)])
    two = ee.Image.cat([ee.Image.constant(2), b, b.add(1)])
    s1 = np.stack([B + 1, 2 * (B + 1), np.full_like(B, 3)])
    s2 = np.stack([np.full_like(B, 2), B + 1, B + 2])
    p, q = s1 / s1.sum(0), s2 / s2.sum(0)
    expected = {
        "sed": ((s1 - s2) ** 2).sum(0),
        "sam": np.arccos((s1 * s2).sum(0) / (np.linalg.norm(s1, axis=0) * np.linalg.norm(s2, axis=0))),
        "sid": (p * np.log(p / q) + q * np.log(q / p)).sum(0),
        "emd": np.abs(np.cumsum(p, 0) - np.cumsum(q, 0)).sum(0),
    }
    for metric, want in expected.items():
        values, _ = pixels(ee, one.spectralDistance(two, metric))["distance"]
        np.testing.assert_allclose(values, want, rtol=1e-9, atol=1e-12, err_msg=metric)


def _components(mask: np.ndarray, eight: bool) -> list[list[tuple[int, int]]]:
    """Regions of True pixels by breadth-first search."""
    steps = [(0, 1), (1, 0), (0, -1), (-1, 0)] + ([(1, 1), (1, -1), (-1, 1), (-1, -1)] if eight else [])
    seen = np.zeros(mask.shape, bool)
    regions = []
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        region, queue = [start], [start]
        while queue:
            r, c = queue.pop()
            for dr, dc in steps:
                n = (r + dr, c + dc)
                if 0 <= n[0] < mask.shape[0] and 0 <= n[1] < mask.shape[1] and mask[n] and not seen[n]:
                    seen[n] = True
                    region.append(n)
                    queue.append(n)
        regions.append(region)
    return regions


def test_connected_components_label_each_region_once(ee):
    """The EE guide's hot-spot pattern: selfMask a threshold, label 4-connected objects, reduce values per object."""
    b = ee.Image("I/ab").select("b")
    hot = b.gt(3).selfMask()
    objects = hot.connectedComponents(ee.Kernel.plus(1), 128)
    assert objects.bandNames().getInfo() == ["b", "labels"]
    labels, mask = pixels(ee, objects)["labels"]
    regions = _components(B > 3, eight=False)
    np.testing.assert_array_equal(mask, B > 3)
    ids = [{labels[p] for p in region} for region in regions]
    assert all(len(i) == 1 for i in ids) and len({i.pop() for i in ids}) == len(regions)
    # The same pixel gets the same id from a request on another, overlapping grid.
    shifted = dict(GRID, affineTransform=dict(GRID["affineTransform"], translateX=1020))
    again, _ = pixels(ee, objects, shifted)["labels"]
    np.testing.assert_array_equal(again[:, :4], labels[:, 2:])
    # Objects larger than maxSize are background.
    _, small_mask = pixels(ee, hot.connectedComponents(ee.Kernel.plus(1), 2))["labels"]
    small = np.zeros(B.shape, bool)
    for region in regions:
        if len(region) <= 2:
            for p in region:
                small[p] = True
    np.testing.assert_array_equal(small_mask, small)
    # Mean of 10·b over each object, in every pixel of it (objects are 8-connected runs of equal labels).
    means, mean_mask = pixels(ee, objects.select("labels").addBands(b.multiply(10))
                              .reduceConnectedComponents(ee.Reducer.mean(), "labels"))["b"]
    np.testing.assert_array_equal(mean_mask, B > 3)
    for region in regions:
        for p in region:
            assert means[p] == pytest.approx(np.mean([10 * B[q] for q in region]))
    counts, _ = pixels(ee, objects.select("labels").addBands(b)
                       .reduceConnectedComponents(ee.Reducer.count(), "labels"))["b"]
    for region in regions:
        assert {counts[p] for p in region} == {len(region)}


def test_random_visualizer_gives_equal_values_equal_colours(ee):
    """EE: 'a random color to each unique value of the first band', then the input bands. The colours are not
    EE's; what is checked is that equal values share a colour and distinct ones (here) do not."""
    img = ee.Image("I/ab").select(["b", "a"])
    viz = img.randomVisualizer()
    assert viz.bandNames().getInfo() == ["vis-red", "vis-green", "vis-blue", "b", "a"]
    px = pixels(ee, viz)
    rgb = np.stack([px[n][0] for n in ("vis-red", "vis-green", "vis-blue")], axis=-1)
    assert rgb.min() >= 0 and rgb.max() <= 255
    colours = {}
    for value, colour in zip(B.ravel(), rgb.reshape(-1, 3), strict=True):
        colours.setdefault(value, set()).add(tuple(colour))
    assert all(len(c) == 1 for c in colours.values())
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)
    np.testing.assert_array_equal(px["b"][0], B)

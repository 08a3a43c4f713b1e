"""Reducers through the real client, on table columns (reduceColumns, List.reduce), image regions (reduceRegion's
records path) and pixel stacks (ImageCollection.reduce, reduce.*, Image.reduce). Every expected value is computed
independently with numpy, statistics, scipy or scikit-learn on the same numbers; output names are those the
client's algorithms.json documents ("first", "scale"/"offset", "min"/"max", "histogram", …)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import Ridge

from ee_assets_tests.support.image_fixtures import GRID, VALID, A, B, pixels

X = [0.5, 1.0, 2.0, 3.5, 4.0, 5.5, 7.0]
Y = [1.2, 1.9, 4.4, 6.8, 8.1, 11.5, 13.6]
G = [1, 0, 1, 2, 0, 1, 2]


def _table(ee):
    """Seven rows x, y, g; a row 'gap' with no y."""
    rows = [ee.Feature(None, {"x": x, "y": y, "g": g, "angle": x / 2}) for x, y, g in zip(X, Y, G, strict=True)]
    return ee.FeatureCollection([*rows, ee.Feature(None, {"x": 9.0, "g": 0, "angle": 4.5})])


def test_single_input_reducers_on_columns(ee_local):
    ee = ee_local
    fc = _table(ee)
    cols = {name: fc.reduceColumns(reducer, ["y"]) for name, reducer in {
        "first": ee.Reducer.first(), "last": ee.Reducer.last(), "firstNonNull": ee.Reducer.firstNonNull(),
        "lastNonNull": ee.Reducer.lastNonNull(), "countEvery": ee.Reducer.countEvery(),
        "countDistinct": ee.Reducer.countDistinct(), "countDistinctNonNull": ee.Reducer.countDistinctNonNull(),
        "countRuns": ee.Reducer.countRuns(), "toList": ee.Reducer.toList(), "mode": ee.Reducer.mode(),
        "product": ee.Reducer.product(), "sampleStdDev": ee.Reducer.sampleStdDev(),
        "sampleVariance": ee.Reducer.sampleVariance(), "skew": ee.Reducer.skew(), "kurtosis": ee.Reducer.kurtosis(),
        "intervalMean": ee.Reducer.intervalMean(20, 80), "minMax": ee.Reducer.minMax(),
        "fixedHistogram": ee.Reducer.fixedHistogram(0, 15, 3), "cumulative": ee.Reducer.fixedHistogram(0, 15, 3, True),
    }.items()}
    got = ee.Dictionary(cols).getInfo()
    y = np.array(Y)
    assert got["first"] == {"first": 1.2} and got["firstNonNull"] == {"first": 1.2}
    assert got["last"] == {"last": None} and got["lastNonNull"] == {"last": 13.6}  # the last row has no y
    assert got["countEvery"] == {"count": 8} and got["countDistinct"] == {"count": 8}
    assert got["countDistinctNonNull"] == {"count": 7} and got["countRuns"] == {"count": 7}
    assert got["toList"] == {"list": Y}  # nulls are dropped
    assert got["product"]["product"] == pytest.approx(math.prod(Y))
    assert got["sampleStdDev"]["stdDev"] == pytest.approx(statistics.stdev(Y))
    assert got["sampleVariance"]["variance"] == pytest.approx(statistics.variance(Y))
    assert got["skew"]["skew"] == pytest.approx(stats.skew(y, bias=False))
    assert got["kurtosis"]["kurtosis"] == pytest.approx(stats.kurtosis(y, bias=False))
    lo, hi = np.percentile(y, [20, 80])
    assert got["intervalMean"]["mean"] == pytest.approx(y[(y >= lo) & (y <= hi)].mean())
    assert got["minMax"] == {"min": min(Y), "max": max(Y)}
    counts, edges = np.histogram(y, bins=3, range=(0, 15))
    assert got["fixedHistogram"] == {"histogram": [[e, c] for e, c in zip(edges[:-1], counts, strict=True)]}
    assert got["cumulative"]["histogram"] == [[e, c] for e, c in zip(edges[:-1], np.cumsum(counts), strict=True)]
    assert ee.List([3, 1, 3, 2, 1, 3]).reduce(ee.Reducer.mode()).getInfo() == 3
    ints = ee.List([12, 10, 14])
    assert ints.reduce(ee.Reducer.bitwiseAnd()).getInfo() == 12 & 10 & 14
    assert ints.reduce(ee.Reducer.bitwiseOr()).getInfo() == 12 | 10 | 14
    assert ee.List([0, 2]).reduce(ee.Reducer.anyNonZero()).getInfo() == 1
    assert ee.List([0, 2]).reduce(ee.Reducer.allNonZero()).getInfo() == 0
    assert ee.List([1, 2]).reduce(ee.Reducer.And()).getInfo() == 1
    assert ee.List([0, 0]).reduce(ee.Reducer.Or()).getInfo() == 0
    freq = ee.List([1, 2, 2, 5, 2]).reduce(ee.Reducer.frequencyHistogram()).getInfo()
    assert freq == {"1": 1, "2": 3, "5": 1}


def test_histograms_and_circular_statistics(ee_local):
    ee = ee_local
    values = [0.3, 1.1, 1.2, 2.9, 3.0, 3.1, 7.6]
    hist = ee.List(values).reduce(ee.Reducer.histogram(4)).getInfo()
    # At most 4 buckets of a power-of-2 width (the range 7.3 / 4 needs width 2), starting at a multiple of it.
    assert hist["bucketWidth"] == 2 and hist["bucketMin"] == 0
    assert hist["histogram"] == [3, 3, 0, 1]
    np.testing.assert_allclose(hist["bucketMeans"][:2], [np.mean(values[:3]), np.mean(values[3:6])])
    auto = ee.List(values).reduce(ee.Reducer.autoHistogram(4)).getInfo()
    assert auto == [[0, 3], [2, 3], [4, 0], [6, 1]]
    angles = [0.1, 0.4, 6.1, 5.9]
    got = ee.Dictionary({"mean": ee.List(angles).reduce(ee.Reducer.circularMean()),
                         "variance": ee.List(angles).reduce(ee.Reducer.circularVariance()),
                         "stddev": ee.List(angles).reduce(ee.Reducer.circularStddev())}).getInfo()
    assert got["mean"] == pytest.approx(stats.circmean(angles, high=math.pi, low=-math.pi))
    assert got["variance"] == pytest.approx(stats.circvar(angles))
    assert got["stddev"] == pytest.approx(stats.circstd(angles))


def test_multi_input_reducers_on_columns(ee_local):
    ee = ee_local
    fc = _table(ee)
    x, y = np.array(X), np.array(Y)
    got = ee.Dictionary({
        "fit": fc.reduceColumns(ee.Reducer.linearFit(), ["x", "y"]),
        "sens": fc.reduceColumns(ee.Reducer.sensSlope(), ["x", "y"]),
        "pearson": fc.reduceColumns(ee.Reducer.pearsonsCorrelation(), ["x", "y"]),
        "spearman": fc.reduceColumns(ee.Reducer.spearmansCorrelation(), ["x", "g"]),
        "regression": fc.map(lambda f: f.set("one", 1)).reduceColumns(ee.Reducer.linearRegression(2, 1),
                                                                      ["one", "x", "y"]),
        "ridge": fc.reduceColumns(ee.Reducer.ridgeRegression(1, 1, 0.5), ["x", "y"]),
        "max2": fc.reduceColumns(ee.Reducer.max(2), ["y", "g"]),
        "min2": fc.reduceColumns(ee.Reducer.min(2), ["x", "g"]),
        "tuples": fc.reduceColumns(ee.Reducer.toList(2), ["g", "y"]),
        "optional": fc.reduceColumns(ee.Reducer.toList(2, 1), ["g", "y"]),
    }).getInfo()
    slope, offset = np.polyfit(x, y, 1)
    assert got["fit"]["scale"] == pytest.approx(slope) and got["fit"]["offset"] == pytest.approx(offset)
    theil = stats.theilslopes(y, x)
    assert got["sens"]["slope"] == pytest.approx(theil.slope)
    assert got["sens"]["offset"] == pytest.approx(np.median(y - theil.slope * x))
    r = stats.pearsonr(x, y)
    assert got["pearson"]["correlation"] == pytest.approx(r.statistic)
    assert got["pearson"]["p-value"] == pytest.approx(r.pvalue)
    assert got["spearman"]["correlation"] == pytest.approx(stats.spearmanr(X + [9.0], G + [0]).statistic)
    design = np.column_stack([np.ones_like(x), x])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(np.ravel(got["regression"]["coefficients"]), coef)
    rms = np.sqrt(np.mean((y - design @ coef) ** 2))
    assert got["regression"]["residuals"] == pytest.approx([rms])
    ridge = Ridge(alpha=0.5).fit(x[:, None], y)  # the intercept is not penalized, and comes last in EE
    np.testing.assert_allclose(np.ravel(got["ridge"]["coefficients"]), [ridge.coef_[0], ridge.intercept_])
    assert got["max2"] == {"max": max(Y), "max1": G[int(np.argmax(Y))]}
    assert got["min2"] == {"min": min(X), "min1": G[int(np.argmin(X))]}
    assert got["tuples"] == {"list": [[g, v] for g, v in zip(G, Y, strict=True)]}
    assert got["optional"] == {"list": [[g, v] for g, v in zip(G, Y, strict=True)] + [[0, None]]}


def test_reducers_of_reducers(ee_local):
    """group (the guide's "sum of a property per class" recipe), repeat, forEach, forEachBand, splitWeights,
    getOutputs and combine."""
    ee = ee_local
    fc = _table(ee)
    got = ee.Dictionary({
        "group": fc.reduceColumns(ee.Reducer.sum().group(1, "class"), ["y", "g"]),
        "group0": fc.reduceColumns(ee.Reducer.mean().group(0), ["g", "x"]),
        "repeat": fc.reduceColumns(ee.Reducer.mean().repeat(2), ["x", "y"]),
        "forEach": fc.reduceColumns(ee.Reducer.max().forEach(["a", "b"]), ["x", "y"]),
        "forEachBand": fc.reduceColumns(ee.Reducer.minMax().forEachBand(ee.Image.constant([1, 2]).rename(
            ["p", "q"])), ["x", "y"]),
        "split": fc.reduceColumns(ee.Reducer.mean().splitWeights(), ["y", "g"]),
        "combined": fc.reduceColumns(ee.Reducer.mean().combine(ee.Reducer.count(), "n_", True), ["y"]),
        "outputs": ee.Reducer.minMax().getOutputs(),
    }).getInfo()
    y, g = np.array(Y), np.array(G)
    assert got["group"] == {"groups": [{"class": k, "sum": pytest.approx(y[g == k].sum())} for k in (0, 1, 2)]}
    assert got["group0"]["groups"][0] == {"group": 0, "mean": pytest.approx(np.mean([X[1], X[4], 9.0]))}
    assert got["repeat"] == {"mean": [pytest.approx(np.mean(X + [9.0])), pytest.approx(np.mean(Y))]}
    assert got["forEach"] == {"a": 9.0, "b": max(Y)}
    assert got["forEachBand"] == {"p_min": 0.5, "p_max": 9.0, "q_min": min(Y), "q_max": max(Y)}
    assert got["split"]["mean"] == pytest.approx(np.average(y, weights=g))
    assert got["combined"] == {"mean": pytest.approx(np.mean(Y)), "n_count": 7}
    assert got["outputs"] == ["min", "max"]


def _whole_image_region(ee):
    return ee.Image("I/ab").geometry()


def test_reducers_over_image_regions(ee):
    """reduceRegion with the reducers that need every pixel record: pixels whose centre is in the region (here the
    whole image, so every unmasked pixel), in row-major order; n-input reducers read the bands in order."""
    img = ee.Image("I/ab")
    region = _whole_image_region(ee)

    def reduce(image, reducer):
        return image.reduceRegion(reducer, region, crs="EPSG:3857", scale=10)

    got = ee.Dictionary({
        "first": reduce(img, ee.Reducer.first()), "toList": reduce(img.select("b"), ee.Reducer.toList()),
        "minMax": reduce(img, ee.Reducer.minMax()), "mode": reduce(img.select("b"), ee.Reducer.mode()),
        "hist": reduce(img.select("b"), ee.Reducer.fixedHistogram(0, 8, 4)),
        "group": reduce(ee.Image.constant(1).addBands(img.select("b")), ee.Reducer.count().group(1, "class")),
        "fit": reduce(img.select(["b", "a"]), ee.Reducer.linearFit()),
        "cov": reduce(img.toArray(), ee.Reducer.covariance()),
        "centered": reduce(img.toArray().subtract(ee.Image(ee.Array([1.0, 2.0]))),
                           ee.Reducer.centeredCovariance()),
    }).getInfo()
    a, b = A[VALID], B.ravel()  # band a has a masked pixel, band b none
    assert got["first"] == {"a": a[0], "b": b[0]}
    assert got["toList"] == {"b": b.tolist()}
    assert got["minMax"] == {"a_min": a.min(), "a_max": a.max(), "b_min": b.min(), "b_max": b.max()}
    values, counts = np.unique(b, return_counts=True)
    assert got["mode"] == {"b": values[np.argmax(counts)]}
    hist, edges = np.histogram(b, bins=4, range=(0, 8))
    assert got["hist"] == {"b": [[e, c] for e, c in zip(edges[:-1], hist, strict=True)]}
    assert got["group"] == {"groups": [{"class": v, "count": c} for v, c in zip(values, counts, strict=True)]}
    joint = B[VALID]  # n-input reducers and toArray take the pixels where every band is unmasked
    slope, offset = np.polyfit(joint, a, 1)
    assert got["fit"] == {"scale": pytest.approx(slope), "offset": pytest.approx(offset)}
    np.testing.assert_allclose(got["cov"]["array"], np.cov(np.stack([a, joint])))
    centred = np.stack([a - 1.0, joint - 2.0])
    np.testing.assert_allclose(got["centered"]["array"], centred @ centred.T / (a.size - 1))
    with pytest.raises(ee.EEException, match="takes 2 inputs but the image has 3 bands"):
        reduce(img.addBands(img.select("a").rename("c")), ee.Reducer.linearFit()).getInfo()


def test_per_pixel_reducers_over_collections_and_bands(ee):
    """ImageCollection.reduce, reduce.mode / reduce.product and Image.reduce with the reducers that have a
    per-pixel form; masked values are left out, as in every composite. linearFit reads x and y from the two
    bands of each image ("The inputs are expected to be x data followed by y data")."""
    b = ee.Image("I/ab").select("b")
    factors = [1, 2, 2, 3]
    images = [b.multiply(f).updateMask(b.neq(i)).rename("v").addBands(ee.Image.constant(i).rename("t").toFloat())
              for i, f in enumerate(factors)]
    coll = ee.ImageCollection(images)
    stack = np.stack([np.where(B != i, B * f, np.nan) for i, f in enumerate(factors)])
    px = pixels(ee, ee.Image.cat([
        coll.select("v").reduce(ee.Reducer.first()).rename("first"),
        coll.select("v").reduce(ee.Reducer.last()).rename("last"),
        coll.select("v").mode().rename("mode"), coll.select("v").product().rename("product"),
        coll.select("v").reduce(ee.Reducer.countDistinct()).rename("distinct"),
        coll.select("v").reduce(ee.Reducer.sampleVariance()).rename("variance"),
        coll.select(["t", "v"]).reduce(ee.Reducer.linearFit()),
    ]), GRID)
    for r in range(B.shape[0]):
        for c in range(B.shape[1]):
            column = stack[:, r, c]
            valid = ~np.isnan(column)
            if not valid.any():
                assert px["first"][1][r, c] == 0
                continue
            vals = column[valid]
            assert px["first"][0][r, c] == vals[0] and px["last"][0][r, c] == vals[-1]
            uniq, counts = np.unique(vals, return_counts=True)
            assert px["mode"][0][r, c] == uniq[np.argmax(counts)]
            assert px["product"][0][r, c] == pytest.approx(np.prod(vals))
            assert px["distinct"][0][r, c] == len(uniq)
            if vals.size >= 2:
                assert px["variance"][0][r, c] == pytest.approx(np.var(vals, ddof=1))
                t = np.arange(4.0)[valid]
                if np.ptp(t) > 0:
                    slope, offset = np.polyfit(t, vals, 1)
                    assert px["scale"][0][r, c] == pytest.approx(slope)
                    assert px["offset"][0][r, c] == pytest.approx(offset)
    across = pixels(ee, ee.Image.cat([b, b, b.add(1)]).reduce(ee.Reducer.mode()), GRID)
    np.testing.assert_array_equal(across["mode"][0], B)

"""Kernels, convolve, reduceNeighborhood and the focal filters through the real ee client, checked against a plain
per-pixel loop over each neighbourhood (unmasked neighbours inside the image only)."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.image_fixtures import HEIGHT, VALID, WIDTH, A, B, pixels


def _loop(values: np.ndarray, valid: np.ndarray, weights: np.ndarray, stat, skip_masked: bool = True):
    """Reference: for every pixel, `stat(neighbour values, their weights)` over the unmasked in-image cells whose
    kernel weight is not zero; (result, mask)."""
    kh, kw = weights.shape
    cy, cx = kh // 2, kw // 2
    out = np.zeros(values.shape)
    mask = np.zeros(values.shape, bool)
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            vs, ws = [], []
            for i in range(kh):
                for j in range(kw):
                    rr, cc = r + i - cy, c + j - cx
                    if weights[i, j] != 0 and 0 <= rr < values.shape[0] and 0 <= cc < values.shape[1] \
                            and valid[rr, cc]:
                        vs.append(values[rr, cc])
                        ws.append(weights[i, j])
            if vs and (valid[r, c] or not skip_masked):
                out[r, c] = stat(np.array(vs), np.array(ws))
                mask[r, c] = True
    return out, mask


SQUARE = np.ones((3, 3))
PLUS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], float)


def test_kernel_weights(ee):
    k = ee.Kernel.square(1).getInfo()
    np.testing.assert_allclose(k["weights"], np.full((3, 3), 1 / 9))
    np.testing.assert_array_equal(ee.Kernel.circle(1, "pixels", False).getInfo()["weights"], PLUS)
    np.testing.assert_array_equal(ee.Kernel.circle(1.5, "pixels", False).getInfo()["weights"], SQUARE)
    diamond = np.array(ee.Kernel.diamond(2, "pixels", False).getInfo()["weights"])
    dy, dx = np.mgrid[-2:3, -2:3]
    np.testing.assert_array_equal(diamond, np.abs(dx) + np.abs(dy) <= 2)
    np.testing.assert_array_equal(ee.Kernel.plus(2, "pixels", False).getInfo()["weights"], (dx == 0) | (dy == 0))
    np.testing.assert_array_equal(ee.Kernel.cross(1, "pixels", False).getInfo()["weights"], np.abs(dx[1:4, 1:4]) ==
                                  np.abs(dy[1:4, 1:4]))
    np.testing.assert_array_equal(ee.Kernel.rectangle(2, 1, "pixels", False).getInfo()["weights"], np.ones((3, 5)))
    gauss = np.array(ee.Kernel.gaussian(2, 1.5).getInfo()["weights"])
    expected = np.exp(-(dx**2 + dy**2) / (2 * 1.5**2))
    np.testing.assert_allclose(gauss, expected / expected.sum(), rtol=1e-12)
    np.testing.assert_allclose(ee.Kernel.euclidean(1).getInfo()["weights"], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(ee.Kernel.chebyshev(1).getInfo()["weights"], [[1, 1, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_allclose(ee.Kernel.manhattan(1).getInfo()["weights"], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert ee.Kernel.sobel().getInfo()["weights"] == sobel.tolist()
    assert ee.Kernel.rotate(ee.Kernel.sobel(), 1).getInfo()["weights"] == np.rot90(sobel, -1).tolist()
    assert ee.Kernel.rotate(ee.Kernel.sobel(), -1).getInfo()["weights"] == np.rot90(sobel, 1).tolist()
    assert ee.Kernel.inverse(ee.Kernel.laplacian4()).getInfo()["weights"] == [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]
    assert ee.Kernel.laplacian8().getInfo()["weights"][1] == [1, -8, 1]
    for name in ("prewitt", "kirsch", "compass", "roberts"):
        assert ee.Kernel.__dict__[name]().getInfo()["type"] == "Kernel"
    summed = ee.Kernel.add(ee.Kernel.square(1, "pixels", False), ee.Kernel.plus(2, "pixels", False)).getInfo()
    expected = ((dx == 0) | (dy == 0)).astype(float)
    expected[1:4, 1:4] += 1
    np.testing.assert_array_equal(summed["weights"], expected)
    fixed = ee.Kernel.fixed(3, 2, [[1, 2, 3], [4, 5, 6]], 0, 1).getInfo()
    assert (fixed["weights"], fixed["x"], fixed["y"]) == ([[1, 2, 3], [4, 5, 6]], 0, 1)


def test_convolve_with_a_fixed_kernel(ee):
    weights = np.array([[1, 2, 0], [0, -1, 3], [0.5, 0, 1]])
    a = ee.Image("I/ab").select("a")
    values, mask = pixels(ee, a.convolve(ee.Kernel.fixed(3, 3, weights.tolist())))["a"]
    expected, exp_mask = _loop(A, VALID, weights, lambda v, w: (v * w).sum())
    np.testing.assert_array_equal(mask, exp_mask)
    np.testing.assert_allclose(values[exp_mask], expected[exp_mask], rtol=1e-12)


def test_reduce_neighborhood_names_and_statistics(ee):
    a = ee.Image("I/ab").select("a")
    img = a.reduceNeighborhood(ee.Reducer.mean(), ee.Kernel.square(1))
    assert img.bandNames().getInfo() == ["a_mean"]
    cases = [
        (ee.Reducer.mean(), ee.Kernel.square(1), SQUARE, lambda v, w: (v * w).sum() / w.sum()),
        (ee.Reducer.max(), ee.Kernel.circle(1), PLUS, lambda v, w: v.max()),
        (ee.Reducer.min(), ee.Kernel.square(1), SQUARE, lambda v, w: v.min()),
        (ee.Reducer.median(), ee.Kernel.square(1), SQUARE, lambda v, w: np.median(v)),
        (ee.Reducer.sum(), ee.Kernel.plus(1), PLUS / 5, lambda v, w: (v * w).sum()),  # normalized weights
        (ee.Reducer.stdDev(), ee.Kernel.square(1), SQUARE, lambda v, w: v.std()),
    ]
    for reducer, kernel, weights, stat in cases:
        px = pixels(ee, a.reduceNeighborhood(reducer, kernel))
        (values, mask), = px.values()
        expected, exp_mask = _loop(A, VALID, weights, stat)
        np.testing.assert_array_equal(mask, exp_mask)
        np.testing.assert_allclose(values[exp_mask], expected[exp_mask], rtol=1e-12, err_msg=str(reducer))
    # skipMasked=False: the masked pixel gets its neighbours' value too.
    (values, mask), = pixels(ee, a.reduceNeighborhood(ee.Reducer.count(), ee.Kernel.square(1), "kernel",
                                                     False)).values()
    expected, _ = _loop(A, VALID, SQUARE, lambda v, w: len(v), skip_masked=False)
    np.testing.assert_array_equal(values, expected)


FOCAL = {
    "focal_mean": lambda v, w: v.mean(), "focalMean": lambda v, w: v.mean(),
    "focal_max": lambda v, w: v.max(), "focalMax": lambda v, w: v.max(),
    "focal_min": lambda v, w: v.min(), "focalMin": lambda v, w: v.min(),
    "focal_median": lambda v, w: np.median(v), "focalMedian": lambda v, w: np.median(v),
}


def test_focal_filters_default_to_a_3x3_circle(ee):
    a = ee.Image("I/ab").select("a")
    for name, stat in FOCAL.items():
        values, mask = pixels(ee, getattr(a, name)())["a"]
        expected, exp_mask = _loop(A, VALID, SQUARE, stat)
        np.testing.assert_array_equal(mask, exp_mask, err_msg=name)
        np.testing.assert_allclose(values[exp_mask], expected[exp_mask], rtol=1e-12, err_msg=name)


def test_focal_mode_kernel_types_units_and_iterations(ee):
    b = ee.Image("I/ab").select("b")
    ones = np.ones((HEIGHT, WIDTH), bool)

    def mode(v, w):
        values, counts = np.unique(v, return_counts=True)
        return values[np.argmax(counts)]  # ties: the smallest value

    for name in ("focal_mode", "focalMode"):
        values, _ = pixels(ee, getattr(b, name)(1, "plus"))["b"]
        np.testing.assert_array_equal(values, _loop(B, ones, PLUS, mode)[0])
    # 20 m in metres on the 10 m grid: a 5 x 5 square.
    values, _ = pixels(ee, b.focal_max(20, "square", "meters"))["b"]
    np.testing.assert_array_equal(values, _loop(B, ones, np.ones((5, 5)), lambda v, w: v.max())[0])
    # Two iterations of a 3 x 3 max equal one 5 x 5 max.
    values, _ = pixels(ee, b.focal_max(1, "square", "pixels", 2))["b"]
    np.testing.assert_array_equal(values, _loop(B, ones, np.ones((5, 5)), lambda v, w: v.max())[0])
    # An explicit kernel wins over radius/kernelType.
    values, _ = pixels(ee, b.focal_min(kernel=ee.Kernel.plus(1)))["b"]
    np.testing.assert_array_equal(values, _loop(B, ones, PLUS, lambda v, w: v.min())[0])


def test_entropy_and_distance(ee):
    b = ee.Image("I/ab").select("b")
    ones = np.ones((HEIGHT, WIDTH), bool)

    def shannon(v, w):
        _, counts = np.unique(v, return_counts=True)
        p = counts / counts.sum()
        return float(-(p * np.log2(p)).sum())

    values, _ = pixels(ee, b.entropy(ee.Kernel.square(1)))["b"]
    np.testing.assert_allclose(values, _loop(B, ones, SQUARE, shannon)[0], rtol=1e-12)

    # Distance to the nearest pixel where b == 0, within a Euclidean kernel of radius 3 (pixels, then metres).
    target = B == 0

    def nearest(r, c):
        d = [np.hypot(rr - r, cc - c) for rr, cc in zip(*np.nonzero(target), strict=True)
             if np.hypot(rr - r, cc - c) <= 3]
        return min(d) if d else None

    expected = np.array([[nearest(r, c) for c in range(WIDTH)] for r in range(HEIGHT)], dtype=object)
    found = expected != None  # noqa: E711  (elementwise on an object array)
    values, mask = pixels(ee, b.eq(0).distance(ee.Kernel.euclidean(3)))["b"]
    np.testing.assert_array_equal(mask, found)
    np.testing.assert_allclose(values[found], expected[found].astype(float), rtol=1e-12)
    values, _ = pixels(ee, b.eq(0).distance(ee.Kernel.euclidean(30, "meters")))["b"]
    np.testing.assert_allclose(values[found], 10 * expected[found].astype(float), rtol=1e-12)


def test_derivative_and_gradient_readings(ee):
    """EE does not document the stencils. Readings chosen: central differences (f[i+1] - f[i-1]) / 2; derivative
    in pixel coordinates (x right, y down), gradient per metre eastwards and northwards (the guide's gradient
    magnitudes are per metre). Pixels whose neighbours fall off the image or are masked are masked."""
    a = ee.Image("I/ab").select("a")
    px = pixels(ee, a.derivative())
    assert list(px) == ["a_x", "a_y"]
    dx = np.full(A.shape, np.nan)
    dx[:, 1:-1] = (A[:, 2:] - A[:, :-2]) / 2
    dy = np.full(A.shape, np.nan)
    dy[1:-1] = (A[2:] - A[:-2]) / 2
    ok_x = np.zeros(A.shape, bool)
    ok_x[:, 1:-1] = VALID[:, 2:] & VALID[:, :-2]
    ok_y = np.zeros(A.shape, bool)
    ok_y[1:-1] = VALID[2:] & VALID[:-2]
    np.testing.assert_array_equal(px["a_x"][1], ok_x)
    np.testing.assert_allclose(px["a_x"][0][ok_x], dx[ok_x])
    np.testing.assert_array_equal(px["a_y"][1], ok_y)
    np.testing.assert_allclose(px["a_y"][0][ok_y], dy[ok_y])
    grad = pixels(ee, a.gradient())
    np.testing.assert_allclose(grad["x"][0][ok_x], dx[ok_x] / 10)  # 10 m pixels
    np.testing.assert_allclose(grad["y"][0][ok_y], -dy[ok_y] / 10)  # rows run south

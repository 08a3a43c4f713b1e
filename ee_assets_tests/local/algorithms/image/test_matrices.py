"""Per-pixel matrix algorithms through the real client, each checked against numpy's function on the same
matrices (a constant matrix and one built from the pixels of I/ab)."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.image_fixtures import GRID, VALID, A, B, pixels

M = np.array([[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]])  # symmetric positive definite


def _flat(ee, image, shape):
    labels = [[f"r{i}" for i in range(shape[0])], [f"c{j}" for j in range(shape[1])]]
    px = pixels(ee, ee.Image(image).arrayFlatten(labels), GRID)
    return np.array([[px[f"r{i}_c{j}"][0][0, 0] for j in range(shape[1])] for i in range(shape[0])])


def _scalar(ee, image):
    px = pixels(ee, image, GRID)
    return next(iter(px.values()))[0][0, 0]


def test_matrix_algorithms_on_constant_matrices(ee):
    m = ee.Image(ee.Array(M.tolist()))
    np.testing.assert_allclose(_flat(ee, m.matrixInverse(), (3, 3)), np.linalg.inv(M), rtol=1e-12)
    rect = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    r = ee.Image(ee.Array(rect.tolist()))
    np.testing.assert_allclose(_flat(ee, r.matrixPseudoInverse(), (2, 3)), np.linalg.pinv(rect), rtol=1e-10)
    assert np.isclose(_scalar(ee, m.matrixDeterminant()), np.linalg.det(M))
    assert np.isclose(_scalar(ee, m.matrixTrace()), np.trace(M))
    assert np.isclose(_scalar(ee, r.matrixFnorm()), np.linalg.norm(rect))
    np.testing.assert_allclose(_flat(ee, m.matrixDiagonal(), (3, 1)), np.diag(M)[:, None])
    np.testing.assert_allclose(_flat(ee, m.matrixDiagonal().matrixToDiag(), (3, 3)), np.diag(np.diag(M)))
    np.testing.assert_allclose(_flat(ee, r.matrixTranspose(), (2, 3)), rect.T)
    np.testing.assert_allclose(_flat(ee, ee.Image.matrixIdentity(3), (3, 3)), np.eye(3))
    lower = _flat(ee, m.matrixCholeskyDecomposition().select("L"), (3, 3))
    np.testing.assert_allclose(lower, np.linalg.cholesky(M), rtol=1e-12)
    qr = r.matrixQRDecomposition()
    q, rr = _flat(ee, qr.select("Q"), (3, 2)), _flat(ee, qr.select("R"), (2, 2))
    np.testing.assert_allclose(q @ rr, rect, atol=1e-12)
    np.testing.assert_allclose(np.abs(rr), np.abs(np.linalg.qr(rect)[1]), atol=1e-12)
    svd = r.matrixSingularValueDecomposition()
    u, s, v = _flat(ee, svd.select("U"), (3, 2)), _flat(ee, svd.select("S"), (2, 2)), _flat(ee, svd.select("V"),
                                                                                            (2, 2))
    np.testing.assert_allclose(u @ s @ v.T, rect, atol=1e-12)
    np.testing.assert_allclose(np.diag(s), np.linalg.svd(rect, compute_uv=False))


def test_matrix_solve_per_pixel(ee):
    """Solve [[a, 1], [1, 2]] · x = [b, 1] in every pixel; a pixel whose matrix is singular (a = 0.5) would be
    masked by matrixInverse, while matrixSolve gives the least-squares (pseudo-inverse) answer."""
    img = ee.Image("I/ab")
    a = img.select("a")
    lhs = ee.Image.cat([a, ee.Image.constant(1), ee.Image.constant(1), ee.Image.constant(2)]).toArray() \
        .arrayReshape(ee.Image([2, 2]).toArray(), 2)
    rhs = ee.Image.cat([img.select("b"), ee.Image.constant(1)]).toArray().toArray(1)
    px = pixels(ee, lhs.matrixSolve(rhs).arrayProject([0]).arrayFlatten([["x0", "x1"]]), GRID)
    for r, c in zip(*np.nonzero(VALID), strict=True):
        matrix = np.array([[A[r, c], 1.0], [1.0, 2.0]])
        expected = np.linalg.pinv(matrix) @ np.array([B[r, c], 1.0])
        np.testing.assert_allclose([px["x0"][0][r, c], px["x1"][0][r, c]], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(px["x0"][1], VALID)

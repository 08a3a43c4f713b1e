"""Array linear algebra through the real client, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

M = [[4.0, 1.0], [2.0, 3.0]]


def test_linear_algebra(ee_local):
    ee = ee_local
    a = np.array(M)
    m = ee.Array(M)
    got = ee.Dictionary({
        "product": m.matrixMultiply(ee.Array([[1], [2]])), "inverse": m.matrixInverse(),
        "pinv": m.matrixPseudoInverse(), "solve": m.matrixSolve(ee.Array([[1], [2]])),
        "det": m.matrixDeterminant(), "trace": m.matrixTrace(), "fnorm": m.matrixFnorm(),
        "diagonal": m.matrixDiagonal(), "to_diag": ee.Array([1, 2]).matrixToDiag(), "eigen": m.eigen(),
    }).getInfo()
    assert got["product"] == (a @ np.array([[1], [2]])).tolist()
    assert np.allclose(got["inverse"], np.linalg.inv(a)) and np.allclose(got["pinv"], np.linalg.inv(a))
    assert np.allclose(got["solve"], np.linalg.solve(a, [[1], [2]]))
    assert got["det"] == pytest.approx(np.linalg.det(a)) and got["trace"] == 7
    assert got["fnorm"] == pytest.approx(np.sqrt((a**2).sum()))
    assert got["diagonal"] == [[4.0], [3.0]] and got["to_diag"] == [[1, 0], [0, 2]]
    # EE's layout: rows [eigenvalue, eigenvector…], largest eigenvalue first; eigenvectors are defined up to sign,
    # so check A·v = λ·v and the eigenvalues (5 and 2 for this matrix, worked by hand: λ² - 7λ + 10 = 0).
    eig = np.array(got["eigen"])
    assert eig[:, 0].tolist() == pytest.approx([5.0, 2.0])
    for row in eig:
        assert np.allclose(a @ row[1:], row[0] * row[1:])
    with pytest.raises(ee.EEException, match="singular"):
        ee.Array([[1, 2], [2, 4]]).matrixInverse().getInfo()


V = [3, -1, 4, 1, -5]


def test_decompositions_reconstruct_the_matrix(ee_local):
    """Each factorisation multiplies back to the input (numpy), with its factors of the documented shapes."""
    ee = ee_local
    spd = np.array([[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]])
    m = ee.Array(spd.tolist())
    got = ee.Dictionary({"chol": m.matrixCholeskyDecomposition(), "qr": m.matrixQRDecomposition(),
                         "svd": m.matrixSingularValueDecomposition(), "lu": m.matrixLUDecomposition()}).getInfo()
    L = np.array(got["chol"]["L"])
    assert np.allclose(L @ L.T, spd) and np.allclose(np.triu(L, 1), 0)
    Q, R = np.array(got["qr"]["Q"]), np.array(got["qr"]["R"])
    assert np.allclose(Q @ R, spd) and np.allclose(Q.T @ Q, np.eye(3)) and np.allclose(np.tril(R, -1), 0)
    U, S, V = (np.array(got["svd"][k]) for k in "USV")
    assert np.allclose(U @ S @ V.T, spd)
    lower, upper, perm = (np.array(got["lu"][k]) for k in "LUP")
    assert np.allclose(perm @ spd, lower @ upper)
    with pytest.raises(ee.EEException, match="matrixCholeskyDecomposition"):
        ee.Array([[1, 2], [2, 1]]).matrixCholeskyDecomposition().getInfo()

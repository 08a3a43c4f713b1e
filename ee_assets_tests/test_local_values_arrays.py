"""Array algorithms through the real client; expectations from numpy on the same values."""

from __future__ import annotations

import numpy as np
import pytest

M = [[4.0, 1.0], [2.0, 3.0]]
V = [3, -1, 4, 1, -5]


def test_construction_access_shape(ee_local):
    ee = ee_local
    m = ee.Array(M)
    cube = ee.Array(np.arange(24).reshape(2, 3, 4).tolist())
    got = ee.Dictionary({
        "array": m, "list": m.toList(), "get": m.get([1, 0]), "length": cube.length(),
        "slice": cube.slice(2, 1, None, 2), "transpose": m.transpose(), "matrix_transpose": m.matrixTranspose(),
        "cat0": ee.Array.cat([m, m]), "cat1": ee.Array.cat([m, m], 1), "identity": ee.Array.identity(3),
        "repeat": m.repeat(1, 3), "reshape": cube.reshape([4, 6]), "project": ee.Array([[[1], [2]]]).project([1]),
        "sort": ee.Array(V).sort(), "sort_keys": ee.Array([10, 20, 30]).sort([3, 1, 2]),
        "argmax": ee.Array([[1, 9], [3, 4]]).argmax(),
        "dot": ee.Array([1, 2, 3]).dotProduct([4, 5, 6]),
    }).getInfo()
    c = np.arange(24).reshape(2, 3, 4)
    a = np.array(M)
    assert got["array"] == M and got["list"] == M and got["get"] == 2
    assert got["length"] == [2, 3, 4]
    assert got["slice"] == c[:, :, 1::2].tolist()
    assert got["transpose"] == a.T.tolist() == got["matrix_transpose"]
    assert got["cat0"] == np.concatenate([a, a]).tolist() and got["cat1"] == np.concatenate([a, a], 1).tolist()
    assert got["identity"] == np.eye(3).tolist()
    assert got["repeat"] == np.tile(a, (1, 3)).tolist()
    assert got["reshape"] == c.reshape(4, 6).tolist()
    assert got["project"] == [1, 2]
    assert got["sort"] == sorted(V) and got["sort_keys"] == [20, 30, 10]
    assert got["argmax"] == [0, 1] and got["dot"] == 32
    with pytest.raises(ee.EEException, match="outside shape"):
        m.get([2, 0]).getInfo()
    with pytest.raises(ee.EEException, match="dropped axes must have length 1"):
        m.project([0]).getInfo()


def test_reductions(ee_local):
    ee = ee_local
    a = np.array([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
    arr = ee.Array(a.tolist())
    got = ee.Dictionary({
        "sum0": arr.reduce(ee.Reducer.sum(), [0]), "mean1": arr.reduce(ee.Reducer.mean(), [1]),
        "max_all": arr.reduce(ee.Reducer.max(), [0, 1]), "count": arr.reduce(ee.Reducer.count(), [1]),
        "accum": arr.accum(1), "accum_max": arr.accum(0, ee.Reducer.max()),
    }).getInfo()
    assert got["sum0"] == a.sum(0, keepdims=True).tolist()
    assert got["mean1"] == a.mean(1, keepdims=True).tolist()
    assert got["max_all"] == [[6.0]]
    assert got["count"] == [[3], [3]]
    assert got["accum"] == np.cumsum(a, 1).tolist()
    assert got["accum_max"] == np.maximum.accumulate(a, 0).tolist()
    with pytest.raises(ee.EEException, match="the reducer must be one of"):
        arr.accum(0, ee.Reducer.mean()).getInfo()


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


def test_element_wise(ee_local):
    ee = ee_local
    x, y = np.array([4.0, -2.5, 0.0, 9.0]), np.array([2.0, 2.0, 0.0, -3.0])
    ax, ay = ee.Array(x.tolist()), ee.Array(y.tolist())
    binary = ["add", "subtract", "multiply", "divide", "max", "min", "mod", "pow", "hypot", "and", "or", "lt", "lte",
              "gt", "gte", "eq", "neq", "first", "firstNonZero", "first_nonzero"]
    unary = ["sqrt", "log", "log10", "exp", "abs", "floor", "ceil", "round", "cbrt", "signum", "not"]
    got = ee.Dictionary({
        **{n: ee.ApiFunction.call_(f"Array.{n}", ax, ay) for n in binary},
        **{n: ee.ApiFunction.call_(f"Array.{n}", ax) for n in unary},
        "scalar": ax.add(1),
    }).getInfo()
    with np.errstate(all="ignore"):
        expected = {
            "add": x + y, "subtract": x - y, "multiply": x * y, "divide": np.where(y == 0, 0, x / y),
            "max": np.maximum(x, y), "min": np.minimum(x, y), "mod": np.where(y == 0, 0, np.fmod(x, y)),
            "pow": x**y, "hypot": np.hypot(x, y), "and": (x != 0) & (y != 0), "or": (x != 0) | (y != 0),
            "lt": x < y, "lte": x <= y, "gt": x > y, "gte": x >= y, "eq": x == y, "neq": x != y, "first": x,
            "firstNonZero": np.where(x != 0, x, y), "first_nonzero": np.where(x != 0, x, y),
            "sqrt": np.sqrt(x), "log": np.log(x), "log10": np.log10(x), "exp": np.exp(x), "abs": np.abs(x),
            "floor": np.floor(x), "ceil": np.ceil(x), "round": np.floor(x + 0.5), "cbrt": np.cbrt(x),
            "signum": np.sign(x), "not": x == 0, "scalar": x + 1,
        }
    for name, values in expected.items():
        want = [None if (isinstance(v, float) and (np.isnan(v) or np.isinf(v))) else v
                for v in np.asarray(values, dtype=float).tolist()]
        have = [None if v is None or (isinstance(v, float) and np.isinf(v)) else v for v in got[name]]
        assert have == pytest.approx(want, nan_ok=True), name


def test_conversions_from_other_values(ee_local):
    ee = ee_local
    f = ee.Feature(None, {"a": 1, "b": 2.5, "v": [1, 2]})
    d = ee.Dictionary({"y": [3, 4], "x": [1, 2]})
    got = ee.Dictionary({
        "feature": f.toArray(["b", "a"]), "element": f.getArray("v"), "list": ee.List([[5, 6]]).getArray(0),
        "dict_get": d.getArray("x"), "dict_all": d.toArray(), "dict_axis1": d.toArray(["x", "y"], 1),
    }).getInfo()
    assert got["feature"] == [2.5, 1] and got["element"] == [1, 2] and got["list"] == [5, 6]
    assert got["dict_get"] == [1, 2]
    assert got["dict_all"] == np.stack([[1, 2], [3, 4]]).tolist()  # keys in sorted order: x, y
    assert got["dict_axis1"] == np.stack([[1, 2], [3, 4]], axis=1).tolist()
    with pytest.raises(ee.EEException, match="Property 'zz' is missing"):
        f.toArray(["zz"]).getInfo()

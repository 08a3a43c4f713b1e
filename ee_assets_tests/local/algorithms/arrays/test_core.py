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


def test_more_element_wise_functions_and_casts(ee_local):
    """Trigonometric/special functions against Python's math on each element; casts truncate toward zero and clamp
    (numpy.clip of numpy.trunc); bit operations against Python's integer operators."""
    import math

    ee = ee_local
    x = [0.1, 0.5, 0.9]
    ax = ee.Array(x)
    unary = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
             "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "gamma": math.gamma,
             "erf": math.erf, "erfc": math.erfc}
    got = ee.Dictionary({n: ee.ApiFunction.call_(f"Array.{n}", ax) for n in unary}).getInfo()
    for name, fn in unary.items():
        assert got[name] == pytest.approx([fn(v) for v in x]), name
    inverse = ee.Dictionary({
        "erfInv": ee.ApiFunction.call_("Array.erfInv", ee.Array([math.erf(v) for v in x])),
        "erfcInv": ee.ApiFunction.call_("Array.erfcInv", ee.Array([math.erfc(v) for v in x])),
        "digamma": ee.ApiFunction.call_("Array.digamma", ee.Array([1])),
        "trigamma": ee.ApiFunction.call_("Array.trigamma", ee.Array([1])),
        "gammainc": ee.ApiFunction.call_("Array.gammainc", ee.Array([1]), ee.Array([2])),
        "atan2": ee.ApiFunction.call_("Array.atan2", ee.Array([1, -1]), ee.Array([2, 2])),
    }).getInfo()
    assert inverse["erfInv"] == pytest.approx(x) and inverse["erfcInv"] == pytest.approx(x)
    assert inverse["digamma"] == pytest.approx([-0.5772156649015329])
    assert inverse["trigamma"] == pytest.approx([math.pi**2 / 6])
    assert inverse["gammainc"] == pytest.approx([1 - math.exp(-2)])
    assert inverse["atan2"] == pytest.approx([math.atan2(1, 2), math.atan2(-1, 2)])
    values = np.array([-300.7, -1.5, 0.0, 2.9, 70000.2])
    casts = {"uint8": np.uint8, "toUint8": np.uint8, "byte": np.uint8, "toByte": np.uint8, "int8": np.int8,
             "toInt8": np.int8, "uint16": np.uint16, "toUint16": np.uint16, "int16": np.int16, "toInt16": np.int16,
             "short": np.int16, "toShort": np.int16, "uint32": np.uint32, "toUint32": np.uint32, "int32": np.int32,
             "toInt32": np.int32, "int": np.int32, "toInt": np.int32, "int64": np.int64, "toInt64": np.int64,
             "long": np.int64, "toLong": np.int64}
    got = ee.Dictionary({n: ee.ApiFunction.call_(f"Array.{n}", ee.Array(values.tolist())) for n in casts}).getInfo()
    for name, dtype in casts.items():
        info = np.iinfo(dtype)
        assert got[name] == np.clip(np.trunc(values), info.min, info.max).tolist(), name
    floats = ee.Dictionary({n: ee.ApiFunction.call_(f"Array.{n}", ee.Array([1, 2]))
                            for n in ("float", "toFloat", "double", "toDouble")}).getInfo()
    assert all(v == [1.0, 2.0] for v in floats.values())
    a, b = [12, 5, 255], [10, 3, 15]
    bits = {"bitwiseAnd": lambda p, q: p & q, "bitwise_and": lambda p, q: p & q, "bitwiseOr": lambda p, q: p | q,
            "bitwise_or": lambda p, q: p | q, "bitwiseXor": lambda p, q: p ^ q, "bitwise_xor": lambda p, q: p ^ q,
            "leftShift": lambda p, q: p << q, "left_shift": lambda p, q: p << q,
            "rightShift": lambda p, q: p >> q, "right_shift": lambda p, q: p >> q}
    got = ee.Dictionary({n: ee.ApiFunction.call_(f"Array.{n}", ee.Array(a), ee.Array(b)) for n in bits}).getInfo()
    for name, fn in bits.items():
        assert got[name] == [fn(p, q) for p, q in zip(a, b, strict=True)], name
    ones = ee.Dictionary({n: ee.ApiFunction.call_(f"Array.{n}", ee.Array(a))
                          for n in ("bitwiseNot", "bitwise_not", "bitCount")}).getInfo()
    assert ones["bitwiseNot"] == [~v for v in a] == ones["bitwise_not"]
    assert ones["bitCount"] == [bin(v).count("1") for v in a]


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


def test_pad_cut_mask_bits(ee_local):
    ee = ee_local
    m = ee.Array([[1, 2], [3, 4]])
    got = ee.Dictionary({
        "pad": m.pad([3, 3], 9), "cut": m.cut([-1, 1]), "cut_row": m.cut([0, -1]),
        "mask": ee.Array([5, 6, 7]).mask([1, 0, 1]), "mask_rows": m.mask(ee.Array([[0], [1]])),
        "bits": ee.Array.bitsToArray(11),
    }).getInfo()
    assert got["pad"] == np.pad([[1, 2], [3, 4]], ((0, 1), (0, 1)), constant_values=9).tolist()
    assert got["cut"] == [[2], [4]] and got["cut_row"] == [[1, 2]]
    assert got["mask"] == [5, 7] and got["mask_rows"] == [[3, 4]]
    assert got["bits"] == [1, 1, 0, 1]  # 11 = 0b1011, least significant bit first

"""Element-wise Array algorithms through the real client, against numpy."""

from __future__ import annotations

import numpy as np
import pytest


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

"""Array construction, access, reductions, conversions and structure through the real client; expectations from
numpy on the same values."""

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

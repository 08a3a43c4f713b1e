"""List algorithms through the real client; expectations from plain Python lists, numpy and EE's documented
examples."""

from __future__ import annotations

import numpy as np
import pytest


def test_sequence(ee_local):
    ee = ee_local
    got = ee.Dictionary({
        "ints": ee.List.sequence(1, 10), "step": ee.List.sequence(0, 10, 3), "floats": ee.List.sequence(0, 1, 0.25),
        "count": ee.List.sequence(0, None, 5, 4), "spaced": ee.List.sequence(0, 1, None, 5),
        "down": ee.List.sequence(5, 1, -2),
    }).getInfo()
    assert got["ints"] == list(range(1, 11))
    assert got["step"] == list(range(0, 11, 3))
    assert got["floats"] == list(np.arange(0, 1.001, 0.25))
    assert got["count"] == [0, 5, 10, 15]
    assert got["spaced"] == list(np.linspace(0, 1, 5))
    assert got["down"] == [5, 3, 1]
    with pytest.raises(ee.EEException, match="at most 10000000 can be generated"):
        ee.List.sequence(0, 1e12).size().getInfo()


def test_access_and_editing(ee_local):
    ee = ee_local
    base = [3, 1, 4, 1, 5, 9, 2, 6]
    lst = ee.List(base)
    got = ee.Dictionary({
        "size": lst.size(), "length": lst.length(), "add": lst.add(7), "cat": lst.cat([0, 0]),
        "insert": lst.insert(2, 99), "insert_neg": lst.insert(-1, 99), "set": lst.set(-1, 0),
        "slice": lst.slice(1, 6, 2), "slice_neg": lst.slice(-3), "splice": lst.splice(1, 2, ["a", "b", "c"]),
        "get_number": lst.getNumber(2), "get_string": ee.List(["x", "y"]).getString(1),
        "contains": lst.contains(9), "contains_all": lst.containsAll([1, 9]), "equals": lst.equals(base),
        "index_of": lst.indexOf(1), "index_missing": lst.indexOf(42),
        "index_of_sublist": lst.indexOfSublist([1, 5]), "last_index_of_sublist": ee.List([1, 2, 1, 2])
        .lastIndexOfSubList([1, 2]), "frequency": lst.frequency(1),
        "repeat": ee.List.repeat("a", 3),
    }).getInfo()

    def insert(lst, i, v):
        out = list(lst)
        out.insert(i, v)
        return out

    assert got == {
        "size": 8, "length": 8, "add": base + [7], "cat": base + [0, 0], "insert": insert(base, 2, 99),
        "insert_neg": insert(base, -1, 99), "set": base[:-1] + [0], "slice": base[1:6:2], "slice_neg": base[-3:],
        "splice": base[:1] + ["a", "b", "c"] + base[3:], "get_number": 4, "get_string": "y", "contains": True,
        "contains_all": True, "equals": True, "index_of": 1, "index_missing": -1, "index_of_sublist": 3,
        "last_index_of_sublist": 2, "frequency": 2, "repeat": ["a", "a", "a"],
    }
    with pytest.raises(ee.EEException, match="out of range"):
        lst.set(8, 0).getInfo()


def test_reordering_and_sets(ee_local):
    """Reading: EE's docs do not give rotate's direction; Java's Collections.rotate (element i moves to i + distance)
    is used, since EE's List is Java's. sort puts numbers before strings, each in natural order."""
    ee = ee_local
    base = [3, 1, 4, 1, 5, 9, 2, 6]
    lst = ee.List(base)
    got = ee.Dictionary({
        "reverse": lst.reverse(), "sort": lst.sort(), "sort_keys": ee.List(["c", "a", "b"]).sort([3, 1, 2]),
        "sort_strings": ee.List(["b", "C", "a"]).sort(), "rotate": lst.rotate(2), "rotate_neg": lst.rotate(-1),
        "swap": lst.swap(0, -1), "distinct": lst.distinct(), "remove": lst.remove(1),
        "remove_all": lst.removeAll([1, 9]), "replace": lst.replace(1, 0), "replace_all": lst.replaceAll(1, 0),
        "flatten": ee.List([1, [2, [3, 4]], [], 5]).flatten(), "zip": ee.List([1, 2, 3]).zip(["a", "b"]),
        "unzip": ee.List([[1, "a"], [2, "b"]]).unzip(), "join": ee.List(["a", 1, 2.5]).join("-"),
        "shuffle": lst.shuffle(7),
    }).getInfo()
    rotated = base[-2:] + base[:-2]  # java.util.Collections.rotate(list, 2)
    assert got["reverse"] == base[::-1]
    assert got["sort"] == sorted(base)
    assert got["sort_keys"] == ["a", "b", "c"]
    assert got["sort_strings"] == sorted(["b", "C", "a"])
    assert got["rotate"] == rotated
    assert got["rotate_neg"] == base[1:] + base[:1]
    assert got["swap"] == [6] + base[1:-1] + [3]
    assert got["distinct"] == list(dict.fromkeys(base))
    assert got["remove"] == [3, 4, 1, 5, 9, 2, 6]
    assert got["remove_all"] == [x for x in base if x not in (1, 9)]
    assert got["replace"] == [3, 0, 4, 1, 5, 9, 2, 6]
    assert got["replace_all"] == [0 if x == 1 else x for x in base]
    assert got["flatten"] == [1, 2, 3, 4, 5]
    assert got["zip"] == [[1, "a"], [2, "b"]]
    assert got["unzip"] == [[1, 2], ["a", "b"]]
    assert got["join"] == "a-1-2.5"
    # Reading: EE's permutation for a seed is its own; here only determinism and being a permutation are checked.
    assert sorted(got["shuffle"]) == sorted(base)
    assert lst.shuffle(7).getInfo() == got["shuffle"]


def test_map_iterate_filter(ee_local):
    ee = ee_local
    lst = ee.List.sequence(1, 5)
    squares = lst.map(lambda x: ee.Number(x).pow(2))
    assert squares.getInfo() == [x**2 for x in range(1, 6)]
    odd_or_null = lst.map(lambda x: ee.Algorithms.If(ee.Number(x).mod(2).eq(1), x, None), True)
    assert odd_or_null.getInfo() == [1, 3, 5]
    total = lst.iterate(lambda x, acc: ee.Number(acc).add(x), 100)
    assert total.getInfo() == 100 + sum(range(1, 6))
    assert lst.filter(ee.Filter.gt("item", 2)).getInfo() == [3, 4, 5]
    assert ee.List(["LC08", "S2A", "LC09"]).filter(ee.Filter.stringStartsWith("item", "LC")).getInfo() \
        == ["LC08", "LC09"]


def test_reduce(ee_local):
    """List.reduce gives the single output value, or a dictionary of outputs for a combined reducer."""
    ee = ee_local
    values = [2, 4, 4, 4, 5, 5, 7, 9]
    lst = ee.List(values)
    assert lst.reduce(ee.Reducer.mean()).getInfo() == pytest.approx(np.mean(values))
    assert lst.reduce(ee.Reducer.max()).getInfo() == 9
    assert lst.reduce(ee.Reducer.sum()).getInfo() == sum(values)
    assert lst.reduce(ee.Reducer.median()).getInfo() == pytest.approx(np.median(values))
    assert lst.reduce(ee.Reducer.variance()).getInfo() == pytest.approx(np.var(values))
    stats = lst.reduce(ee.Reducer.mean().combine(ee.Reducer.stdDev(), None, True)).getInfo()
    assert stats == {"mean": pytest.approx(5.0), "stdDev": pytest.approx(float(np.std(values)))}

"""ee.Algorithms.If through the real client."""

from __future__ import annotations


def test_if_reads_conditions_like_ee(ee_local):
    """EE's documented rule: null, 0, NaN and empty strings, lists and dictionaries are false; all else true."""
    ee = ee_local
    cases = {"null": None, "zero": 0, "nan": ee.Number(-1).sqrt(), "empty_string": "", "empty_list": [],
             "empty_dict": ee.Dictionary({}), "one": 1, "text": "a", "list": [0], "array": ee.Array([0])}
    got = ee.Dictionary({k: ee.Algorithms.If(v, "T", "F") for k, v in cases.items()}).getInfo()
    assert got == {"null": "F", "zero": "F", "nan": "F", "empty_string": "F", "empty_list": "F",
                   "empty_dict": "F", "one": "T", "text": "T", "list": "T", "array": "T"}

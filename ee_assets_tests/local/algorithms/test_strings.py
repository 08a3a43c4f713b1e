"""String algorithms through the real client; expectations from Python's str/re/json (Java's and JavaScript's
documented rules where EE follows them)."""

from __future__ import annotations

import json

import pytest


def test_basic_string_operations(ee_local):
    ee = ee_local
    s = ee.String("  Earth Engine  ")
    got = ee.Dictionary({
        "cat": ee.String("ab").cat("cd"), "length": s.length(), "trim": s.trim(), "upper": s.toUpperCase(),
        "lower": s.toLowerCase(), "slice": ee.String("abcdef").slice(1, 4), "slice_neg": ee.String("abcdef").slice(-2),
        "index": ee.String("banana").index("an"), "rindex": ee.String("banana").rindex("an"),
        "missing": ee.String("banana").index("x"), "equals": ee.String("a").equals("a"),
        "not_equals": ee.String("a").equals(1),
    }).getInfo()
    text = "  Earth Engine  "
    assert got == {
        "cat": "abcd", "length": len(text), "trim": text.strip(), "upper": text.upper(), "lower": text.lower(),
        "slice": "abcdef"[1:4], "slice_neg": "abcdef"[-2:], "index": "banana".find("an"),
        "rindex": "banana".rfind("an"), "missing": -1, "equals": True, "not_equals": False,
    }


def test_compare_to_is_javas(ee_local):
    """Java's compareTo: difference of the first differing characters, else of the lengths."""
    ee = ee_local
    assert ee.String("apple").compareTo("apricot").getInfo() == ord("p") - ord("r")
    assert ee.String("abc").compareTo("ab").getInfo() == 1
    assert ee.String("abc").compareTo("abc").getInfo() == 0


def test_replace_first_or_all_with_groups(ee_local):
    """JavaScript's replace semantics (EE's docs): first match unless flag 'g'; $1 refers to a group."""
    ee = ee_local
    assert ee.String("a-b-c").replace("-", "+").getInfo() == "a+b-c"
    assert ee.String("a-b-c").replace("-", "+", "g").getInfo() == "a+b+c"
    assert ee.String("2020-04-01").replace(r"(\d+)-(\d+)-(\d+)", "$3/$2/$1").getInfo() == "01/04/2020"
    assert ee.String("ABC abc").replace("abc", "x", "gi").getInfo() == "x x"


def test_split_and_match(ee_local):
    """Java's split drops trailing empty strings and splits '' into characters; match is JavaScript's."""
    ee = ee_local
    assert ee.String("a,b,,c,,").split(",").getInfo() == ["a", "b", "", "c"]
    assert ee.String("abc").split("").getInfo() == ["a", "b", "c"]
    assert ee.String("B4 B3 B2").split(r"\s+").getInfo() == ["B4", "B3", "B2"]
    assert ee.String("LC08_044034_20200401").match(r"_(\d{8})$").getInfo() == ["_20200401", "20200401"]
    assert ee.String("a1b22c333").match(r"\d+", "g").getInfo() == ["1", "22", "333"]
    assert ee.String("abc").match(r"\d").getInfo() == []


def test_json_round_trip(ee_local):
    ee = ee_local
    obj = {"a": [1, 2.5, "x"], "b": None}
    encoded = ee.String.encodeJSON(obj).getInfo()
    assert json.loads(encoded) == obj
    assert ee.String(json.dumps(obj)).decodeJSON().getInfo() == obj
    with pytest.raises(ee.EEException, match="not valid JSON"):
        ee.String("{").decodeJSON().getInfo()


def test_string_constructor(ee_local):
    ee = ee_local
    assert ee.String(ee.Number(5).format("%d")).cat("x").getInfo() == "5x"
    assert ee.String(ee.Dictionary({"s": "abc"}).get("s")).length().getInfo() == 3

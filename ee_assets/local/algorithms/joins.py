"""Joins: Join.simple / inverted / inner / saveAll / saveFirst / saveBest and Join.apply.

A join condition is a two-sided filter: its left field is read from the primary element and its right field
from the secondary one (ee.Filter.equals(leftField=..., rightField=...), maxDifference, withinDistance…).
Conditions built from maxDifference or withinDistance also measure each match (the difference, or the distance in
metres): saveBest keeps the match with the smallest measure, and `measureKey` stores it on the saved matches."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection
from ee_assets.local.algorithms.support.elements import sorted_by_property, with_properties
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.filter import Filter
from ee_assets.local.values.join import Join

FC = "FeatureCollection"


@algorithm("Join.simple", returns="Join")
def simple() -> Join:
    """Primary elements that match at least one secondary element."""
    return Join("simple")


@algorithm("Join.inverted", returns="Join")
def inverted() -> Join:
    """Primary elements that match no secondary element."""
    return Join("inverted")


@algorithm("Join.inner", returns="Join", primaryKey="String", secondaryKey="String", measureKey="String")
def inner(primaryKey: str = "primary", secondaryKey: str = "secondary", measureKey: str | None = None) -> Join:
    """One feature per matching pair, holding the two elements in `primaryKey` and `secondaryKey`."""
    return Join("inner", primaryKey, secondary_key=secondaryKey, measure_key=measureKey)


@algorithm("Join.saveAll", returns="Join", matchesKey="String", ordering="String", ascending="Boolean",
           measureKey="String", outer="Boolean")
def save_all(matchesKey: str, ordering: str | None = None, ascending: bool = True, measureKey: str | None = None,
             outer: bool = False) -> Join:
    """Each matching primary element with the list of its matches in `matchesKey` (all primaries if outer)."""
    return Join("saveAll", matchesKey, ordering, bool(ascending), bool(outer), measure_key=measureKey)


@algorithm("Join.saveFirst", returns="Join", matchKey="String", ordering="String", ascending="Boolean",
           measureKey="String", outer="Boolean")
def save_first(matchKey: str, ordering: str | None = None, ascending: bool = True, measureKey: str | None = None,
               outer: bool = False) -> Join:
    """Each matching primary element with its first match (after ordering) in `matchKey`."""
    return Join("saveFirst", matchKey, ordering, bool(ascending), bool(outer), measure_key=measureKey)


@algorithm("Join.saveBest", returns="Join", matchKey="String", measureKey="String", outer="Boolean")
def save_best(matchKey: str, measureKey: str, outer: bool = False) -> Join:
    """Each matching primary element with its best match (smallest measure) in `matchKey`, the measure saved on
    the match as `measureKey`."""
    return Join("saveBest", matchKey, outer=bool(outer), measure_key=measureKey)


def _ordered(matches: list, join: Join) -> list:
    return matches if join.ordering is None else sorted_by_property(matches, join.ordering, join.ascending)


@algorithm("Join.apply", returns=FC, join="Join", primary=FC, secondary=FC, condition="Filter")
def apply(join, primary, secondary, condition) -> Collection:
    if not isinstance(join, Join):
        raise InvalidArgument("Join.apply: 'join' must be a Join (ee.Join.simple(), saveAll(...), …).")
    if not isinstance(condition, Filter) or condition.pair is None:
        raise InvalidArgument("Join.apply: 'condition' must compare two elements, e.g. "
                              "ee.Filter.equals(leftField='a', rightField='b').")
    if (join.kind == "saveBest" or join.measure_key) and condition.measure is None:
        raise InvalidArgument("Join.apply: this join needs a measure; use a maxDifference or withinDistance "
                              "condition.")
    prim, sec = as_collection(primary, "primary"), as_collection(secondary, "secondary")
    out = []
    for p in prim.elements:
        matches = [s for s in sec.elements if condition.pair(p, s)]
        if join.measure_key:
            matches = [with_properties(s, {join.measure_key: condition.measure(p, s)}) for s in matches]
        if join.kind == "simple" and matches:
            out.append(p)
        elif join.kind == "inverted" and not matches:
            out.append(p)
        elif join.kind == "inner":
            for s in matches:
                index = f"{p.properties.get('system:index', '')}_{s.properties.get('system:index', '')}"
                out.append(Feature(None, {join.key: p, join.secondary_key: s, "system:index": index}))
        elif join.kind == "saveAll" and (matches or join.outer):
            out.append(with_properties(p, {join.key: _ordered(matches, join)}))
        elif join.kind == "saveFirst" and (matches or join.outer):
            ordered = _ordered(matches, join)
            out.append(with_properties(p, {join.key: ordered[0] if ordered else None}))
        elif join.kind == "saveBest" and (matches or join.outer):
            best = min(matches, key=lambda s: s.properties[join.measure_key]) if matches else None
            out.append(with_properties(p, {join.key: best}))
    return prim.derive(out, "FeatureCollection" if join.kind == "inner" else prim.kind)

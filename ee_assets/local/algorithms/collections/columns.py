"""Collection algorithms over element properties: distinct, reduceColumns, randomColumn, iterate, union, bounds."""

from __future__ import annotations

import hashlib
import json
from statistics import NormalDist

import shapely

from ee_assets.local.algorithms.coerce import as_collection, as_string_list
from ee_assets.local.algorithms.collection import collection_geometry
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.value_reduce import reduce_values
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.jsonify import to_json

FC = "FeatureCollection"


@algorithm("Collection.distinct", returns=FC, collection=FC, properties="Object")
def distinct(collection, properties) -> Collection:
    """The first element of each distinct combination of `properties` (a missing property counts as null)."""
    coll = as_collection(collection)
    names = as_string_list(properties, "properties")
    seen, out = set(), []
    for e in coll.elements:
        key = json.dumps([to_json(e.properties.get(n)) for n in names], sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return coll.derive(out)


@algorithm("Collection.reduceColumns", returns="Dictionary<Object>", collection=FC, reducer="Reducer",
           selectors="List<String>", weightSelectors="List<String>")
def reduce_columns(collection, reducer, selectors, weightSelectors=None) -> dict:
    """Reduce the selected property over the elements; elements where it is null or missing are skipped."""
    names = as_string_list(selectors, "selectors")
    if len(names) != 1:
        raise InvalidArgument(f"Collection.reduceColumns: this reducer takes 1 input but {len(names)} selectors "
                              "were given.")
    elements = [e for e in as_collection(collection).elements if e.properties.get(names[0]) is not None]
    weights = None
    if weightSelectors:
        weight_names = as_string_list(weightSelectors, "weightSelectors")
        if len(weight_names) != 1:
            raise InvalidArgument("Collection.reduceColumns: give one weight selector per selector.")
        weights = [e.properties.get(weight_names[0], 0) for e in elements]
    return reduce_values("Collection.reduceColumns", reducer, [e.properties[names[0]] for e in elements], weights)


def _uniform(seed, key: list) -> float:
    """A number in [0, 1) fixed by the seed and the row key (a hash, so rows keep their value when others change)."""
    digest = hashlib.blake2b(json.dumps([seed, key], sort_keys=True).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / float(1 << 53)


@algorithm("Collection.randomColumn", returns=FC, collection=FC, columnName="String", seed="Long",
           distribution="String", rowKeys="List<String>")
def random_column(collection, columnName: str = "random", seed: int = 0, distribution: str = "uniform",
                  rowKeys=None) -> Collection:
    """Add a pseudo-random column, deterministic for a seed and the rows' `rowKeys` values: uniform in [0, 1) or
    standard normal. (EE's own generator is not reproducible offline; the values differ from EE's, the properties
    do not.)"""
    if distribution not in ("uniform", "normal"):
        raise InvalidArgument(f"Collection.randomColumn: unknown distribution '{distribution}'; use 'uniform' or "
                              "'normal'.")
    keys = as_string_list(rowKeys if rowKeys is not None else ["system:index"], "rowKeys")
    coll = as_collection(collection)
    normal = NormalDist()
    out = []
    for e in coll.elements:
        u = _uniform(seed, [to_json(e.properties.get(k)) for k in keys])
        value = u if distribution == "uniform" else normal.inv_cdf(min(max(u, 1e-300), 1 - 2**-53))
        out.append(e.copy(**{columnName: value}) if isinstance(e, Feature)
                   else e.with_bands(e.bands, **{columnName: value}))
    return coll.derive(out)


@algorithm("Collection.iterate", returns="Object", collection=FC, function="Algorithm", first="Object")
def iterate(collection, function, first=None):
    """function(element, previous) over the elements in order, starting from `first`."""
    acc = first
    for e in as_collection(collection).elements:
        acc = function(e, acc)
    return acc


@algorithm("Collection.union", returns=FC, collection=FC, maxError="ErrorMargin")
def union(collection, maxError=None) -> Collection:
    """One feature, id 'union_result', whose geometry is the union of all (EE's documented result)."""
    geom = collection_geometry(as_collection(collection))
    return Collection([Feature(geom, {"system:index": "union_result"})], {}, "FeatureCollection")


@algorithm("Collection.bounds", returns="Geometry", collection=FC, maxError="ErrorMargin", proj="Projection")
def bounds(collection, maxError=None, proj=None) -> Geometry:
    g = collection_geometry(as_collection(collection)).to_wgs84()
    return Geometry(shapely.box(*g.bounds) if not g.is_empty else g, WGS84, False)


@algorithm("Collection.remap", returns=FC, collection=FC, lookupIn="List<Object>", lookupOut="List<Integer>",
           columnName="String")
def remap(collection, lookupIn: list, lookupOut: list, columnName: str) -> Collection:
    """Map `columnName` through lookupIn → lookupOut; elements whose value is not in lookupIn are dropped (EE's
    documented behaviour)."""
    if len(lookupIn) != len(lookupOut):
        raise InvalidArgument(f"Collection.remap: lookupIn has {len(lookupIn)} values but lookupOut has "
                              f"{len(lookupOut)}; they must be parallel lists.")
    table = {json.dumps(to_json(k)): v for k, v in zip(lookupIn, lookupOut, strict=True)}
    coll = as_collection(collection)
    out = []
    for e in coll.elements:
        key = json.dumps(to_json(e.properties.get(columnName)))
        if columnName in e.properties and key in table:
            value = table[key]
            out.append(e.copy(**{columnName: value}) if isinstance(e, Feature)
                       else e.with_bands(e.bands, **{columnName: value}))
    return coll.derive(out)

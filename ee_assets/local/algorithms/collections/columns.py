"""Collection algorithms over element properties (columns): distinct, reduceColumns, randomColumn and remap."""

from __future__ import annotations

import hashlib
import json
from statistics import NormalDist

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_string_list
from ee_assets.local.algorithms.support.elements import with_properties
from ee_assets.local.algorithms.support.reduce_values import reduce_columns as reduce_columns_of
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection
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
    """Reduce the selected properties of each element (one input per selector, in order); a missing property reads
    as null, which most reducers skip (toList drops the record, countEvery counts it)."""
    names = as_string_list(selectors, "selectors")
    elements = as_collection(collection).elements
    columns = [[e.properties.get(n) for e in elements] for n in names]
    weights = None
    if weightSelectors:
        weight_names = as_string_list(weightSelectors, "weightSelectors")
        if len(weight_names) != 1:
            raise InvalidArgument("Collection.reduceColumns: give one weight selector.")
        weights = [e.properties.get(weight_names[0], 0) for e in elements]
    return reduce_columns_of("Collection.reduceColumns", reducer, columns, weights, "selectors")


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
        out.append(with_properties(e, {columnName: value}))
    return coll.derive(out)


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
            out.append(with_properties(e, {columnName: value}))
    return coll.derive(out)

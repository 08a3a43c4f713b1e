"""The listAssets filter: the subset of AIP-160 that `ee.data.listImages` writes (`startTime >= "…"`,
`endTime < "…"`, `properties.X op value`, `intersects("<GeoJSON>")`, joined by AND), parsed into terms that the
user catalog and the public datasets each turn into a test of their images."""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import Any

import shapely
import yaml
from shapely.geometry import shape

from ee_assets.local.errors import InvalidArgument

_TIME = re.compile(r'^\s*(startTime|endTime)\s*(>=|<=|>|<|=)\s*"([^"]+)"\s*$')
_PROPERTY = re.compile(r'^\s*properties\.([\w:.]+)\s*(>=|<=|!=|>|<|=)\s*(.+?)\s*$')
_INTERSECTS = re.compile(r'^\s*intersects\(\s*"(.*)"\s*\)\s*$', re.S)
_OPERATORS = {"=": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le, ">": operator.gt,
              "<": operator.lt}


@dataclass(frozen=True)
class Comparison:
    """`field op value`: field is startTime or endTime (value in epoch ms) or a property name."""

    field: str
    op: str
    value: Any

    @property
    def is_time(self) -> bool:
        return self.field in ("startTime", "endTime")

    def test(self, value: Any) -> bool:
        return compare(value, self.op, self.value)


@dataclass(frozen=True)
class ListFilter:
    """The parsed filter: comparisons on times and properties, and regions the footprint must meet (lon/lat)."""

    comparisons: tuple[Comparison, ...] = ()
    regions: tuple[shapely.Geometry, ...] = ()

    def time_bounds(self) -> tuple[float | None, float | None]:
        """A window [start, end) of start times containing every image the filter can pass (None: open), for
        pushing the filter down into a listing: startTime bounds it below, and both bound it above (an image
        starts no later than it ends)."""
        start = end = None
        for c in self.comparisons:
            if not c.is_time:
                continue
            if c.field == "startTime" and c.op in (">=", ">", "="):
                start = c.value if start is None else max(start, c.value)
            if c.op in ("<", "<=", "="):
                stop = c.value + (0 if c.op == "<" else 1)
                end = stop if end is None else min(end, stop)
        return start, end


def parse_list_filter_terms(text: str | None) -> ListFilter:
    if not text:
        return ListFilter()
    comparisons, regions = [], []
    for term in re.split(r"\s+AND\s+", text.strip()):
        if m := _TIME.match(term):
            field, op, iso = m.groups()
            comparisons.append(Comparison(field, op, iso_millis(iso)))
        elif m := _PROPERTY.match(term):
            key, op, raw = m.groups()
            comparisons.append(Comparison(key, op, yaml.safe_load(raw)))
        elif m := _INTERSECTS.match(term):
            regions.append(shape(yaml.safe_load(m.group(1).replace("'", '"'))))
        else:
            raise InvalidArgument(f"Unsupported listAssets filter term: {term!r}.")
    return ListFilter(tuple(comparisons), tuple(regions))


def iso_millis(text: str) -> float:
    try:
        d = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise InvalidArgument(f"listAssets filter: cannot read the date {text!r}; use RFC 3339 like "
                              "2020-01-31T00:00:00Z.") from e
    d = d if d.tzinfo else d.replace(tzinfo=dt.UTC)
    return d.timestamp() * 1000.0


def compare(a: Any, op: str, b: Any) -> bool:
    if a is None:
        return False
    try:
        return bool(_OPERATORS[op](a, b))
    except TypeError:
        return False

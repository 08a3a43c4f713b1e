"""Collections too large to list up front (a public ImageCollection spans decades and the globe): their elements
are pulled from a source as they are asked for, and a filter on time or place is pushed down into that source.

A `Scope` is what a filter says about which elements can pass it — `system:time_start` in [start, end), a
footprint meeting a lon/lat region — so that `filterDate(...)` and `filterBounds(...)` narrow what the source
generates instead of testing every element of the whole collection. The filter itself still tests every element
the source yields (a scope may be wider than its filter, never narrower), so the answer is the same as for a
listed collection.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import shapely

from ee_assets.local import budget
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, DateRange, Feature
from ee_assets.local.values.geometry import Geometry

MAX_ELEMENTS = 10_000  # elements one request may pull from a source before it is told to filter first


@dataclass(frozen=True)
class Scope:
    """Elements whose `system:time_start` is in [start, end) (epoch ms) and whose footprint meets `region`
    (lon/lat shapely geometry; None: anywhere)."""

    start: float = -math.inf
    end: float = math.inf
    region: shapely.Geometry | None = None

    def meet(self, other: Scope | None) -> Scope:
        """Elements in both scopes."""
        if other is None:
            return self
        if self.region is None or other.region is None:
            region = self.region if other.region is None else other.region
        else:
            try:
                region = shapely.intersection(self.region, other.region)
            except shapely.errors.GEOSException:  # a wider scope is allowed: the filters still test each element
                region = min(self.region, other.region, key=lambda g: shapely.area(shapely.envelope(g)))
        return Scope(max(self.start, other.start), min(self.end, other.end), region)

    @property
    def empty(self) -> bool:
        return self.start >= self.end or (self.region is not None and self.region.is_empty)

    @staticmethod
    def of_all(scopes: Iterable[Scope | None]) -> Scope | None:
        """The scope of elements passing every filter (Filter.and); None when none of them says anything."""
        known = [s for s in scopes if s is not None]
        if not known:
            return None
        out = known[0]
        for s in known[1:]:
            out = out.meet(s)
        return out


def comparison_scope(op: str, leftField=None, rightValue=None, rightField=None, leftValue=None) -> Scope | None:
    """The scope of a two-sided filter when it tests time or place the way filterDate/filterBounds do:
    dateRangeContains(DateRange, 'system:time_start') and intersects('.all', geometry) (either way round)."""
    if op == "dateRangeContains" and rightField == "system:time_start" and isinstance(leftValue, DateRange):
        return Scope(float(leftValue.start), float(leftValue.end))
    if op == "intersects":
        other = rightValue if leftField in (".all", ".geo") else leftValue if rightField in (".all", ".geo") else None
        region = lonlat_region(other)
        return Scope(region=region) if region is not None else None
    return None


def lonlat_region(value: Any) -> shapely.Geometry | None:
    """A geometry-like value (Geometry, Feature, FeatureCollection) as one lon/lat shapely geometry, or None."""
    if isinstance(value, Geometry):
        return value.to_wgs84()
    if isinstance(value, Feature) and value.geometry is not None:
        return value.geometry.to_wgs84()
    if isinstance(value, Collection):
        parts = [lonlat_region(e) for e in value.elements]
        parts = [p for p in parts if p is not None]
        return shapely.GeometryCollection(parts) if parts else None
    return None


class LazyElements(Sequence):
    """The elements of a collection, pulled in collection order from `source(scope)` as far as they are asked for
    (`first()` pulls one), kept for the request, and tested against every filter applied so far. Pulling more than
    `max_elements` raises a clear error instead of exhausting memory."""

    def __init__(self, source: Callable[[Scope], Iterator], label: str, scope: Scope = Scope(),
                 tests: tuple[Callable[[Any], bool], ...] = (), max_elements: int | None = None):
        self.source, self.label, self.scope, self.tests = source, label, scope, tests
        self.max_elements = MAX_ELEMENTS if max_elements is None else max_elements
        self._pulled: list = []
        self._iterator: Iterator | None = None
        self._done = scope.empty
        self._lock = threading.RLock()

    def narrowed(self, test: Callable[[Any], bool], scope: Scope | None) -> LazyElements:
        """The elements that also pass `test`, whose scope (if any) narrows what the source generates."""
        return LazyElements(self.source, self.label, self.scope.meet(scope), (*self.tests, test), self.max_elements)

    def _candidates(self) -> Iterator:
        for element in self.source(self.scope):
            budget.check()  # a filter that keeps few of many generated elements runs long: deadline, cancellation
            if all(test(element) for test in self.tests):
                yield element

    def _pull(self, count: float) -> None:
        with self._lock:
            while not self._done and len(self._pulled) < count:
                if self._iterator is None:
                    self._iterator = self._candidates()
                try:
                    element = next(self._iterator)
                except StopIteration:
                    self._done, self._iterator = True, None
                    break
                if len(self._pulled) >= self.max_elements:
                    raise InvalidArgument(
                        f"{self.label}: more than {self.max_elements} elements would have to be listed; narrow it "
                        "first with filterDate and filterBounds (or limit), as the local backend generates them "
                        "on demand.")
                self._pulled.append(element)

    def __iter__(self) -> Iterator:
        i = 0
        while True:
            if i >= len(self._pulled):
                self._pull(i + 1)
                if i >= len(self._pulled):
                    return
            yield self._pulled[i]
            i += 1

    def __getitem__(self, key):
        if isinstance(key, slice):
            bounded = key.stop is not None and key.stop >= 0 and (key.start or 0) >= 0 and (key.step or 1) > 0
            self._pull(key.stop if bounded else math.inf)
            return self._pulled[key]
        if key < 0:
            self._pull(math.inf)
        else:
            self._pull(key + 1)
        return self._pulled[key]

    def __len__(self) -> int:
        self._pull(math.inf)
        return len(self._pulled)

    def __bool__(self) -> bool:
        self._pull(1)
        return bool(self._pulled)

    def __repr__(self) -> str:
        return f"LazyElements({self.label!r}, pulled={len(self._pulled)}, done={self._done})"

"""EE filters: predicates over elements, optionally two-sided (join conditions) and measuring (joins that save a
distance or difference)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Filter:
    test: Any
    description: str
    # For join conditions: pair(primary, secondary) -> bool, reading left fields from the primary element and
    # right fields from the secondary one (None when the filter cannot compare two elements).
    pair: Any = None
    # For joins that record a measure (maxDifference, withinDistance): measure(primary, secondary) -> float.
    measure: Any = None
    # What the filter says about time and place (values/lazy_collection.Scope), so that a collection generated on
    # demand can narrow what it generates; None when it says nothing.
    scope: Any = None

    def __call__(self, element) -> bool:
        return bool(self.test(element))

    def to_json(self) -> dict:
        return {"type": "Filter", "description": self.description}

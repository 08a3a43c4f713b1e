"""Features, dates, date ranges and collections: the non-raster values of the evaluator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ee_assets.local.values.geojson import geojson_geometries
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.jsonify import to_json

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Date:
    """Milliseconds since the Unix epoch, UTC."""

    millis: float

    @property
    def datetime(self) -> dt.datetime:
        return EPOCH + dt.timedelta(milliseconds=self.millis)

    def to_json(self) -> dict:
        return {"type": "Date", "value": int(self.millis) if float(self.millis).is_integer() else self.millis}


@dataclass(frozen=True)
class DateRange:
    """[start, end) in milliseconds."""

    start: float
    end: float

    def to_json(self) -> dict:
        """EE's shape; an unbounded end is Java's Long.MIN_VALUE / MAX_VALUE (JSON has no infinity)."""
        def ms(v: float):
            if v == float("-inf"):
                return -(2**63)
            if v == float("inf"):
                return 2**63 - 1
            return int(v) if float(v).is_integer() else v

        return {"type": "DateRange", "dates": [ms(self.start), ms(self.end)]}


@dataclass(eq=False)
class Feature:
    geometry: Geometry | None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str | None:
        return self.properties.get("system:index")

    def copy(self, **props) -> Feature:
        return Feature(self.geometry, {**self.properties, **props})

    def public_properties(self) -> dict:
        return {k: v for k, v in self.properties.items() if not k.startswith("system:")}

    def to_json(self) -> dict:
        return features_json([self])[0]


def features_json(features: list[Feature]) -> list[dict]:
    """GeoJSON Features (geometry in EPSG:4326, public properties, `id` from system:index), their geometries
    encoded together (values/geojson.py): a collection's answer costs about one pass over its coordinates."""
    geometries = iter(geojson_geometries([f.geometry.to_wgs84() for f in features if f.geometry is not None]))
    out = []
    for f in features:
        feature = {
            "type": "Feature",
            "geometry": next(geometries) if f.geometry is not None else None,
            "properties": to_json(f.public_properties()),
        }
        if f.id is not None:
            feature["id"] = str(f.id)
        out.append(feature)
    return out


@dataclass(eq=False)
class Collection:
    """An ordered collection of Features or Images (an EE FeatureCollection / ImageCollection)."""

    elements: list
    properties: dict[str, Any] = field(default_factory=dict)
    kind: str = "FeatureCollection"

    def derive(self, elements: list, kind: str | None = None) -> Collection:
        return Collection(list(elements), dict(self.properties), kind or self.kind)

    def to_json(self) -> dict:
        out: dict[str, Any] = {"type": self.kind}
        if self.kind == "FeatureCollection":
            out["columns"] = _columns(self.elements)
        key = "features" if self.kind == "FeatureCollection" else "images"
        if self.kind == "ImageCollection":
            key = "features"
        if all(isinstance(e, Feature) for e in self.elements):
            out[key] = features_json(self.elements)
        else:
            out[key] = [to_json(e) for e in self.elements]
        if self.properties.get("system:id"):
            out["id"] = self.properties["system:id"]
        public = {k: v for k, v in self.properties.items() if k != "system:id"}
        if public:
            out["properties"] = to_json(public)
        return out


def _columns(elements: list) -> dict[str, str]:
    cols: dict[str, str] = {}
    for e in elements:
        for k, v in getattr(e, "properties", {}).items():
            if k in cols:
                continue
            cols[k] = "String" if isinstance(v, str) else "Number" if isinstance(v, (int, float)) else "Object"
    cols.setdefault("system:index", "String")
    return cols

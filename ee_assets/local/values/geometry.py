"""EE geometries: a shapely geometry with its CRS and EE's geodesic flag."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.ops import transform as shapely_transform

from ee_assets.local.values.geojson import geojson_geometry, plain_lists
from ee_assets.local.values.grid import crs_equal, crs_is_geographic

__all__ = ["WGS84", "Geometry", "plain_lists", "transformer"]

WGS84 = "EPSG:4326"


@lru_cache(maxsize=128)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


@dataclass(frozen=True, eq=False)
class Geometry:
    """A geometry in `crs`. Edges are straight lines in that CRS (EE treats EPSG:4326 edges as geodesic;
    this backend densifies edges when reprojecting instead, see the README)."""

    geom: shapely.Geometry
    crs: str = WGS84
    geodesic: bool = False

    @classmethod
    def from_geojson(cls, obj: dict, crs: str = WGS84, geodesic: bool = False) -> Geometry:
        return cls(shape(obj), crs, geodesic)

    def to(self, crs: str, max_segment: float | None = None) -> shapely.Geometry:
        """This geometry in `crs`, densifying edges first so that curved images of straight edges are kept."""
        if crs_equal(self.crs, crs):
            return self.geom
        geom = self.geom
        if geom.geom_type not in ("Point", "MultiPoint"):
            seg = max_segment or (0.01 if crs_is_geographic(self.crs) else 1000.0)
            geom = shapely.segmentize(geom, seg)
        t = transformer(self.crs, crs)
        return shapely_transform(lambda x, y, z=None: t.transform(x, y), geom)

    def to_wgs84(self) -> shapely.Geometry:
        return self.to(WGS84)

    def to_geojson(self) -> dict:
        """The GeoJSON geometry object in EPSG:4326 (values/geojson.py)."""
        return geojson_geometry(self.to_wgs84())

    def to_json(self) -> dict:
        """EE's getInfo() shape: GeoJSON, plus `"geodesic": false` for planar geometries (geodesic is the default).
        A geometry in another CRS than EPSG:4326 keeps its own coordinates and names the CRS in a `crs` member."""
        if crs_equal(self.crs, WGS84):
            gj = self.to_geojson()
        else:
            gj = {**geojson_geometry(self.geom), "crs": {"type": "name", "properties": {"name": self.crs}}}
        if gj["type"] != "Point" and not self.geodesic:
            gj["geodesic"] = False
        return gj


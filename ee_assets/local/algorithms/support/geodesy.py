"""Measuring on the WGS84 ellipsoid: geodesic areas and distances, local metric projections, error margins."""

from __future__ import annotations

import math

import shapely
import shapely.affinity
from pyproj import CRS, Geod
from shapely.ops import nearest_points

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.grid import crs_is_geographic

GEOD = Geod(ellps="WGS84")


ANGULAR_SEGMENT = 0.001  # degrees: how finely edges planar in lon/lat are followed when measured on the ellipsoid


def local_metric_crs(lon: float, lat: float) -> str:
    """An azimuthal-equidistant CRS in metres centred on (lon, lat): exact distances from the centre."""
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m").to_wkt()


def local_crs(geom: Geometry) -> str:
    """The metric CRS centred on the geometry's centroid (see local_metric_crs)."""
    c = geom.to_wgs84().centroid
    return local_metric_crs(c.x, c.y)


def in_metres(geom: Geometry) -> tuple[shapely.Geometry, str]:
    """The geometry in metres: in its own CRS when projected, else in its local metric CRS."""
    if not geom.geom.is_empty and crs_is_geographic(geom.crs):
        local = local_crs(geom)
        return geom.to(local, max_segment=0.001), local
    return geom.geom, geom.crs


def geodesic_area(geom: Geometry) -> float:
    """Area in m² on the WGS84 ellipsoid for geographic geometries, else planar in the CRS's units."""
    if crs_is_geographic(geom.crs):
        return abs(GEOD.geometry_area_perimeter(geom.to_wgs84())[0])
    return float(geom.geom.area)


def margin_metres(maxError) -> float:
    """An ErrorMargin (or a bare number of metres) as metres."""
    if isinstance(maxError, dict) and maxError.get("type") == "ErrorMargin":
        if maxError.get("unit", "meters") != "meters":
            raise InvalidArgument("Only error margins in meters are supported; use ee.ErrorMargin(value, 'meters').")
        return float(maxError.get("value") or 0.0)
    if maxError is None:
        return 0.0
    return float(maxError)


def on_ellipsoid(geom: Geometry) -> shapely.Geometry:
    """Lon/lat coordinates whose straight-line segments follow the geometry's edges closely enough to be measured
    as geodesics: geodesic edges are kept as they are, planar edges are densified first."""
    lonlat = geom.to_wgs84()
    if geom.geodesic and crs_is_geographic(geom.crs):
        return lonlat
    return shapely.segmentize(lonlat, ANGULAR_SEGMENT) if lonlat.geom_type not in ("Point", "MultiPoint") else lonlat


def parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The parts of a multi-geometry (a single geometry is its own only part)."""
    return list(getattr(geom, "geoms", [geom]))


def geodesic_nearest(a: Geometry, b: Geometry) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The nearest points (lon, lat) of two geometries and their distance in metres on the WGS84 ellipsoid.

    The pair is found in an azimuthal-equidistant projection centred between the geometries (distances from its
    centre are exact, nearby ones nearly so); their separation is then measured with pyproj.Geod.
    """
    ga, gb = a.to_wgs84(), b.to_wgs84()
    if ga.is_empty or gb.is_empty:
        raise InvalidArgument("Geometry.distance: a geometry is empty.")
    if ga.geom_type == "Point" and gb.geom_type == "Point":  # the common case, exact on the ellipsoid directly
        return (ga.x, ga.y), (gb.x, gb.y), float(GEOD.inv(ga.x, ga.y, gb.x, gb.y)[2])
    if shapely.intersects(ga, gb):
        p = shapely.intersection(ga, gb).representative_point()
        return (p.x, p.y), (p.x, p.y), 0.0
    ax0, _, ax1, _ = ga.bounds
    bx0, _, bx1, _ = gb.bounds
    if max(ax1, bx1) - min(ax0, bx0) > 180:  # they may be closest across the antimeridian: try b shifted by ±360°
        shifted = [shapely.affinity.translate(gb, xoff=k) for k in (0, 360, -360)]
        gb = min(shifted, key=lambda g: shapely.distance(ga, g))
        if shapely.intersects(ga, gb):
            p = shapely.intersection(ga, gb).representative_point()
            return (p.x, p.y), (p.x, p.y), 0.0
    pa, pb = nearest_points(ga, gb)
    centre = Geometry(shapely.LineString([pa, pb]), WGS84)
    local = local_crs(centre)
    la, lb = Geometry(ga, WGS84).to(local, ANGULAR_SEGMENT), Geometry(gb, WGS84).to(local, ANGULAR_SEGMENT)
    qa, qb = nearest_points(la, lb)
    (x0, y0), (x1, y1) = (Geometry(q, local).to(WGS84).coords[0] for q in (qa, qb))
    return (x0, y0), (x1, y1), float(GEOD.inv(x0, y0, x1, y1)[2])


def may_be_within(a: Geometry, b: Geometry, metres: float) -> bool:
    """A cheap, conservative test: False only when the lon/lat boxes are certainly more than `metres` apart
    (a degree of latitude is at least 110.5 km; a degree of longitude at least 111.3 km · cos of the highest
    latitude involved), so joins and filters skip the exact measure for most distant pairs."""
    ax0, ay0, ax1, ay1 = a.to_wgs84().bounds
    bx0, by0, bx1, by1 = b.to_wgs84().bounds
    dlat = metres / 110_500.0
    if by0 > ay1 + dlat or ay0 > by1 + dlat:
        return False
    top = min(90.0, max(abs(ay0), abs(ay1), abs(by0), abs(by1)) + dlat)
    cos_top = math.cos(math.radians(top))
    if cos_top < 1e-6:
        return True
    dlon = metres / (111_300.0 * cos_top)
    if min(ax0, bx0) - dlon < -180 or max(ax1, bx1) + dlon > 180:
        return True  # the antimeridian may lie between them: no shortcut
    return not (bx0 > ax1 + dlon or ax0 > bx1 + dlon)


def geodesic_distance(a: Geometry, b: Geometry) -> float:
    """Shortest distance in metres on the WGS84 ellipsoid between two geometries (0 when they intersect)."""
    return geodesic_nearest(a, b)[2]

"""Set operations and predicates that return a result where GEOS alone would raise a TopologyException.

EE works with an error margin and snaps within it; GEOS refuses invalid input (a self-intersecting "bowtie" ring, a
spike, a ring that touches itself, edges made nearly coincident by reprojection). So inputs are first made valid
(shapely.make_valid, keeping only the polygonal parts of a polygonal input, as EE's even-odd rings read a bowtie as
two triangles), and an operation that still fails is run again with coordinates snapped to a grid as fine as the
error margin (GEOS's snap-rounding overlay, shapely's `grid_size`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shapely
from shapely.errors import GEOSException

from ee_assets.local.values.grid import crs_is_geographic

DEFAULT_MARGIN_METRES = 0.01  # when the caller gives no ErrorMargin
METRES_PER_DEGREE = 111_320.0


def repaired(shape: shapely.Geometry) -> shapely.Geometry:
    """`shape` itself when valid, else a valid geometry covering the same area (polygonal inputs stay polygonal)."""
    if shape is None or shape.is_empty or shape.is_valid:
        return shape
    fixed = shapely.make_valid(shape)
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        polygons = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polygons) if polygons else shapely.Polygon()
    return fixed


def snap_size(crs: str, margin_metres: float | None) -> float:
    """The snapping grid of an error margin, in the units of `crs` (degrees for geographic ones)."""
    metres = margin_metres if margin_metres and margin_metres > 0 else DEFAULT_MARGIN_METRES
    return metres / METRES_PER_DEGREE if crs_is_geographic(crs) else metres


def overlay(op: Callable, a: shapely.Geometry, b: shapely.Geometry, grid: float) -> shapely.Geometry:
    """`op(a, b)` (intersection, union, difference, symmetric_difference) on repaired inputs, snapped to `grid` if
    GEOS still finds no consistent topology."""
    a, b = repaired(a), repaired(b)
    try:
        return op(a, b)
    except GEOSException:
        return repaired(op(a, b, grid_size=grid))


def relate(relation: Callable, a: shapely.Geometry, b: shapely.Geometry, grid: float) -> bool:
    """A predicate (intersects, contains, …) on repaired inputs, on snapped copies if GEOS still fails."""
    a, b = repaired(a), repaired(b)
    try:
        return bool(relation(a, b))
    except GEOSException:
        return bool(relation(repaired(shapely.set_precision(a, grid)), repaired(shapely.set_precision(b, grid))))


def union_all(shapes: Sequence[shapely.Geometry], grid: float) -> shapely.Geometry:
    """The union of `shapes`, repaired first and snapped to `grid` if GEOS still fails."""
    fixed = [repaired(s) for s in shapes]
    try:
        return shapely.union_all(fixed)
    except GEOSException:
        return repaired(shapely.union_all(fixed, grid_size=grid))

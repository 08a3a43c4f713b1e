"""Projection algorithms: construction, CRS and transform, nominal scale, atScale, scale, translate and WKT."""

from __future__ import annotations

from affine import Affine

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number, as_projection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import parse_crs
from ee_assets.local.values.projection import Projection


@algorithm("Projection", returns="Projection", crs="Object", transform="List<Object>", transformWkt="String")
def projection(crs, transform: list | None = None, transformWkt: str | None = None) -> Projection:
    if isinstance(crs, Projection):
        base = crs
    elif isinstance(crs, str):
        try:
            as_projection(crs).is_geographic  # noqa: B018  (validates the CRS)
        except Exception as e:
            raise InvalidArgument(f"Projection: Unknown or invalid CRS '{crs}'.") from e
        base = Projection(crs)
    else:
        raise InvalidArgument("Projection: 'crs' must be a CRS code or WKT string.")
    if transform is not None:
        if len(transform) != 6:
            raise InvalidArgument("Projection: transform must have 6 numbers.")
        base = base.with_transform(transform)
    return base


@algorithm("Projection.atScale", returns="Projection", projection="Projection", meters="Float")
def at_scale(projection: Projection, meters: float) -> Projection:
    return as_projection(projection, "projection").at_scale(float(as_number(meters, "meters")))


@algorithm("Projection.nominalScale", returns="Float", proj="Projection")
def nominal_scale(proj: Projection) -> float:
    return as_projection(proj, "proj").nominal_scale()


@algorithm("Projection.crs", returns="String", projection="Projection")
def crs(projection: Projection) -> str:
    return as_projection(projection, "projection").crs


@algorithm("Projection.transform", returns="String", projection="Projection")
def transform(projection: Projection) -> str:
    a, b, c, d, e, f = as_projection(projection, "projection").transform
    return f'PARAM_MT["Affine", PARAMETER["elt_0_0", {a}], PARAMETER["elt_0_1", {b}], PARAMETER["elt_0_2", {c}], ' \
           f'PARAMETER["elt_1_0", {d}], PARAMETER["elt_1_1", {e}], PARAMETER["elt_1_2", {f}]]'


@algorithm("Projection.scale", returns="Projection", projection="Projection", x="Float", y="Float")
def scale(projection, x, y) -> Projection:
    """Pixels `x` and `y` times as large along each axis."""
    p = as_projection(projection, "projection")
    return p.with_transform((p.affine @ Affine.scale(float(x), float(y)))[:6])


@algorithm("Projection.translate", returns="Projection", projection="Projection", x="Float", y="Float")
def translate(projection, x, y) -> Projection:
    """The grid shifted by (x, y) in the CRS's units (a reading: EE does not say which units)."""
    p = as_projection(projection, "projection")
    return p.with_transform((Affine.translation(float(x), float(y)) @ p.affine)[:6])


@algorithm("Projection.wkt", returns="String", projection="Projection")
def wkt(projection) -> str:
    return parse_crs(as_projection(projection, "projection").crs).to_wkt("WKT1_GDAL")

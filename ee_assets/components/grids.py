"""Output grids from YAML: a CRS, an upper-left point or bounds, a pixel size, a size in pixels.

```yaml
grids:
  delta: {crs: "EPSG:4326", upper_left: [-121.586, 38.059], scale_m: 10, width: 640, height: 640}
  farms: {crs: "EPSG:32610", bounds: [628000, 4210000, 632000, 4212000], scale: 20}
```

The CRS is checked with pyproj and the grid must lie inside the CRS's area of use. `scale_m` is metres (for a
geographic CRS converted to degrees as EE's `Projection.atScale` does); `scale` is in the CRS's own units.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, WithJsonSchema, field_validator, model_validator
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from ee_assets.components.options_base import StrictModel
from ee_assets.graphs.areas import PixelGrid, degrees_for_meters

AREA_TOLERANCE_DEG = 1e-6

# Optional, but positive when given. The schema states only the positive number, so `dg check yaml` says
# "0 is less than or equal to the minimum of 0" instead of "not valid under any of the given schemas".
PositiveInt = Annotated[int | None, Field(gt=0), WithJsonSchema({"type": "integer", "exclusiveMinimum": 0})]
PositiveFloat = Annotated[float | None, Field(gt=0), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]


class GridOptions(StrictModel):
    """One output grid (EE's PixelGrid), north up."""

    crs: str = Field(default="EPSG:4326", description="Any CRS pyproj knows, e.g. 'EPSG:4326' or 'EPSG:32610'.")
    upper_left: tuple[float, float] | None = Field(
        default=None, description="[x, y] of the grid's upper-left corner in the CRS (with width and height).")
    bounds: tuple[float, float, float, float] | None = Field(
        default=None, description="[xmin, ymin, xmax, ymax] in the CRS (with a scale, or width and height).")
    scale_m: PositiveFloat = Field(default=None, description="Pixel size in metres.")
    scale: PositiveFloat = Field(default=None, description="Pixel size in CRS units (degrees for EPSG:4326).")
    width: PositiveInt = Field(default=None, description="Pixels per row.")
    height: PositiveInt = Field(default=None, description="Rows.")

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str) -> str:
        try:
            CRS.from_user_input(value)
        except CRSError as e:
            raise ValueError(f"crs {value!r} is not a CRS pyproj knows ({e}); use e.g. 'EPSG:4326'.") from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> GridOptions:
        if (self.upper_left is None) == (self.bounds is None):
            raise ValueError("give either upper_left (with width and height) or bounds.")
        if self.scale is not None and self.scale_m is not None:
            raise ValueError("give scale (CRS units) or scale_m (metres), not both.")
        has_scale = self.scale is not None or self.scale_m is not None
        has_size = self.width is not None and self.height is not None
        if (self.width is None) != (self.height is None):
            raise ValueError("give both width and height.")
        if self.upper_left is not None and not (has_scale and has_size):
            raise ValueError("upper_left needs a pixel size (scale or scale_m) and width and height.")
        if self.bounds is not None:
            if has_scale == has_size:
                raise ValueError("bounds need either a pixel size (scale or scale_m) or width and height, not both.")
            x0, y0, x1, y1 = self.bounds
            if not (x1 > x0 and y1 > y0):
                raise ValueError(f"bounds {list(self.bounds)} must be [xmin, ymin, xmax, ymax] with xmax > xmin "
                                 "and ymax > ymin.")
        _check_area_of_use(self.crs, self.pixel_grid())
        return self

    def step(self) -> float:
        """The pixel size in CRS units."""
        if self.scale is not None:
            return self.scale
        crs = CRS.from_user_input(self.crs)
        if crs.is_geographic:
            return degrees_for_meters(self.scale_m)
        return self.scale_m / crs.axis_info[0].unit_conversion_factor

    def pixel_grid(self) -> PixelGrid:
        """The EE PixelGrid this describes."""
        if self.upper_left is not None:
            step = self.step()
            return PixelGrid(self.crs, self.upper_left[0], self.upper_left[1], step, -step, self.width, self.height)
        x0, y0, x1, y1 = self.bounds
        if self.width is not None:
            return PixelGrid(self.crs, x0, y1, (x1 - x0) / self.width, -(y1 - y0) / self.height,
                             self.width, self.height)
        step = self.step()
        width, height = math.ceil((x1 - x0) / step - 1e-9), math.ceil((y1 - y0) / step - 1e-9)
        return PixelGrid(self.crs, x0, y1, step, -step, width, height)


def _check_area_of_use(crs_text: str, grid: PixelGrid) -> None:
    """The grid's corners, in lon/lat, must lie inside the CRS's area of use (when pyproj knows one)."""
    crs = CRS.from_user_input(crs_text)
    area = crs.area_of_use
    if area is None:
        return
    x0, y0, x1, y1 = grid.bounds()
    if crs.is_geographic:
        lon0, lat0, lon1, lat1 = x0, y0, x1, y1
    else:
        try:
            to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            lon0, lat0, lon1, lat1 = to_lonlat.transform_bounds(x0, y0, x1, y1, densify_pts=21)
        except Exception as e:  # pyproj raises several types for points it cannot transform
            raise ValueError(f"the grid {[x0, y0, x1, y1]} cannot be transformed to lon/lat from {crs_text} ({e}); "
                             "are the coordinates in the CRS's units?") from None
    values = [lon0, lat0, lon1, lat1]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"the grid {[x0, y0, x1, y1]} lies outside what {crs_text} can represent.")
    tol = AREA_TOLERANCE_DEG
    inside_lat = area.south - tol <= lat0 and lat1 <= area.north + tol
    if area.west <= area.east:
        inside_lon = area.west - tol <= lon0 and lon1 <= area.east + tol
    else:  # the area crosses the antimeridian
        inside_lon = lon0 >= area.west - tol or lon1 <= area.east + tol
    if not (inside_lat and inside_lon):
        raise ValueError(
            f"the grid spans lon {lon0:.6f}..{lon1:.6f}, lat {lat0:.6f}..{lat1:.6f}, outside the area of use of "
            f"{crs_text} ({crs.name}: lon {area.west}..{area.east}, lat {area.south}..{area.north}); check the "
            "coordinates' order (x, y) and units, or choose a CRS made for that area.")

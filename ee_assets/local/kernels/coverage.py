"""Which pixels of a grid a region selects, and with what weight, following EE's reducer rules.

Weighted reducers (mean, sum) weight a pixel by the fraction of its area inside the region;
unweighted ones take the pixels whose centre is inside (GDAL's default rasterize rule).

Coverage fractions are computed exactly, without rasterizing, in pixel coordinates (cells are
unit squares): every ring edge is cut at the grid lines into pieces that each lie in one cell.
Along a row, the area of the polygon inside a cell is the signed sum, over the pieces, of the
area between the piece and the cell's left line, clipped to the cell. A piece contributes a
trapezoid to its own cell and its full height to every cell left of it in the row, so a
cumulative sum per row gives the cells the boundary never enters (fully in, fully out, or cut
only by horizontal edges). Cost is proportional to the boundary length in pixels plus the output.
"""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine
from rasterio.features import rasterize

_EPS = 1e-12  # fractions at or below this are floating-point residue, not coverage
MIN_WEIGHTED_FRACTION = 0.005  # EE includes a pixel in weighted reductions from ~0.5 % coverage
_STRIP_PIXELS = 1 << 22  # rasterize the centre rule in strips of about this many pixels

_Pixels = tuple[np.ndarray, np.ndarray]
_Weighted = tuple[np.ndarray, np.ndarray, np.ndarray]


def coverage_fractions(geometry: shapely.Geometry, transform: Affine, width: int, height: int) -> _Weighted:
    """(rows, cols, fraction) of every grid pixel covered by the polygonal part of `geometry`, row-major.

    fraction = area(cell ∩ geometry) / area(cell), exact to ~1e-12; pixels outside the grid are dropped.
    """
    polys = polygonal_part(_to_pixel_space(geometry, transform))
    if polys is None:
        return _empty_weighted()
    a, b = _ring_segments(shapely.orient_polygons(polys, exterior_cw=False))
    a, b = _split_at_grid_lines(a, b, width, height)
    return _accumulate(a, b, width, height)


def centre_pixels(geometry: shapely.Geometry, transform: Affine, width: int, height: int) -> _Pixels:
    """(rows, cols), row-major, of pixels whose centre lies inside the polygonal part of `geometry` (GDAL rule).

    Rasterizes with GDAL (all_touched=False) over the geometry's bounding window only, in strips
    narrowed to the columns the shape reaches (thin diagonal or scattered shapes stay cheap).
    """
    region = polygonal_part(geometry)
    if region is None:
        return _empty_pixels()
    pixel_region = _to_pixel_space(region, transform)
    c0, r0, c1, r1 = _window(pixel_region, width, height)
    step = max(1, _STRIP_PIXELS // max(c1 - c0, 1))
    rows, cols = [], []
    for top in range(r0, r1 if c1 > c0 else r0, step):
        bottom = min(top + step, r1)
        piece = shapely.clip_by_rect(pixel_region, c0, top, c1, bottom)
        if piece.is_empty:
            continue
        left, _, right, _ = _window(piece, width, height)
        left, right = max(left - 1, 0), min(right + 1, width)  # a pixel of slack against clipping error
        mask = rasterize(
            [region],
            out_shape=(bottom - top, right - left),
            transform=transform @ Affine.translation(left, top),
            all_touched=False,
            dtype="uint8",
        )
        r, c = np.nonzero(mask)
        rows.append(r + top)
        cols.append(c + left)
    if not rows:
        return _empty_pixels()
    return np.concatenate(rows), np.concatenate(cols)


def region_pixels(geometry: shapely.Geometry, transform: Affine, width: int, height: int, weighted: bool) -> _Weighted:
    """(rows, cols, weight), row-major, of the pixels a reducer over `geometry` uses, for any geometry type.

    Polygons: coverage fraction (weighted, pixels under 0.5% dropped) or centre rule with weight 1.
    Points: the containing pixel. Lines: every pixel the line passes through. Both weight 1.
    Collections: union of the parts, a pixel keeping its largest weight.
    """
    parts = flat_parts(geometry)
    lines = [p for p in parts if p.geom_type in ("LineString", "LinearRing")]
    points = [p for p in parts if p.geom_type == "Point"]
    found: list[_Weighted] = []
    if any(p.geom_type == "Polygon" for p in parts):
        if weighted:
            r, c, f = coverage_fractions(geometry, transform, width, height)
            keep = f >= MIN_WEIGHTED_FRACTION
            found.append((r[keep], c[keep], f[keep]))
        else:
            r, c = centre_pixels(geometry, transform, width, height)
            found.append((r, c, np.ones(len(r))))
    if lines:
        found.append(_line_pixels(lines, transform, width, height))
    if points:
        found.append(_point_pixels(points, transform, width, height))
    return _merge_max(found)


# --- geometry preparation -------------------------------------------------------------------


def _to_pixel_space(geometry: shapely.Geometry | np.ndarray, transform: Affine) -> shapely.Geometry | np.ndarray:
    """The geometry in (col, row) pixel coordinates, where pixel (r, c) is the square [c, c+1] × [r, r+1]."""
    if transform.b != 0 or transform.d != 0:
        raise ValueError("coverage kernels need a grid without shear")
    a, c, e, f = transform.a, transform.c, transform.e, transform.f
    return shapely.transform(geometry, lambda xy: np.column_stack([(xy[:, 0] - c) / a, (xy[:, 1] - f) / e]))


def flat_parts(geometry: shapely.Geometry | None) -> list[shapely.Geometry]:
    """Non-empty single-part geometries of a (possibly nested, possibly multi-part) geometry."""
    if geometry is None or geometry.is_empty:
        return []
    if geometry.geom_type in ("Point", "LineString", "LinearRing", "Polygon"):
        return [geometry]
    return [q for p in shapely.get_parts(geometry) for q in flat_parts(p)]


def polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of a geometry as one valid (Multi)Polygon, or None when it has no area."""
    polygonal = [p for p in flat_parts(geometry) if p.geom_type == "Polygon"]
    if not polygonal:
        return None
    region = shapely.MultiPolygon(polygonal)
    if not region.is_valid:  # self-intersections, or overlapping parts: take the union of their areas
        region = shapely.make_valid(region, method="structure", keep_collapsed=False)
        if region.is_empty:
            return None
    return region


def _ring_segments(polys: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points (N, 2) of every edge of every ring."""
    rings = shapely.get_rings(shapely.get_parts(polys))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    return xy[:-1][same], xy[1:][same]


def _window(pixel_geometry: shapely.Geometry, width: int, height: int) -> tuple[int, int, int, int]:
    """(col0, row0, col1, row1): the bounding pixel window of a pixel-space geometry, clipped to the grid."""
    u0, v0, u1, v1 = pixel_geometry.bounds
    c0, c1 = max(int(np.floor(u0)), 0), min(int(np.ceil(u1)), width)
    r0, r1 = max(int(np.floor(v0)), 0), min(int(np.ceil(v1)), height)
    return c0, r0, max(c1, c0), max(r1, r0)


# --- exact coverage -------------------------------------------------------------------------


def _split_at_grid_lines(a: np.ndarray, b: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut segments a→b at every grid line inside the grid, so each piece lies in one cell (or outside).

    Crossing points get the exact grid-line coordinate; lines outside the grid are not cut at,
    which keeps the work proportional to the boundary inside the grid.
    """
    n = len(a)
    seg, t, pts = [np.arange(n)] * 2, [np.zeros(n), np.ones(n)], [a, b]
    for axis, limit in ((0, width), (1, height)):
        lo = np.maximum(np.floor(np.minimum(a[:, axis], b[:, axis])) + 1, 0)
        hi = np.minimum(np.ceil(np.maximum(a[:, axis], b[:, axis])) - 1, limit)
        count = np.maximum(hi - lo + 1, 0).astype(np.int64)
        s = np.repeat(np.arange(n), count)
        line = lo[s] + _run_offsets(count)
        ts = (line - a[s, axis]) / (b[s, axis] - a[s, axis])
        p = a[s] + ts[:, None] * (b[s] - a[s])
        p[:, axis] = line
        seg, t, pts = seg + [s], t + [ts], pts + [p]
    seg, t, pts = np.concatenate(seg), np.concatenate(t), np.concatenate(pts)
    order = np.lexsort((t, seg))
    seg, pts = seg[order], pts[order]
    same = seg[1:] == seg[:-1]
    return pts[:-1][same], pts[1:][same]


def _accumulate(a: np.ndarray, b: np.ndarray, width: int, height: int) -> _Weighted:
    """Coverage fractions, in row-major order, from the pieces of counter-clockwise rings (see module doc)."""
    dv = b[:, 1] - a[:, 1]
    mid = (a + b) / 2
    row = np.floor(mid[:, 1]).astype(np.int64)
    col = np.floor(mid[:, 0]).astype(np.int64)
    keep = (dv != 0) & (row >= 0) & (row < height) & (col >= 0)  # pieces left of the grid cover nothing
    dv, mid, row, col = dv[keep], mid[keep], row[keep], col[keep]
    if not len(dv):
        return _empty_weighted()
    right = col >= width  # pieces right of the grid cover whole rows: park them on column `width`
    col[right] = width
    partial = np.where(right, 0.0, dv * (mid[:, 0] - col))
    # One entry per touched cell, in row-major order.
    key, inverse = np.unique(row * (width + 1) + col, return_inverse=True)
    partial = np.bincount(inverse, partial, len(key))
    cover = np.bincount(inverse, dv, len(key))
    row, col = np.divmod(key, width + 1)
    first = np.r_[True, row[1:] != row[:-1]]
    last = np.r_[row[1:] != row[:-1], True]
    covered = _segmented_cumsum(cover[::-1], last[::-1])[::-1]  # cover of this entry and those right of it
    entry = np.minimum(partial + covered - cover, 1.0)
    own = (entry > _EPS) & (col < width)
    # Each entry emits the untouched cells since the previous entry of its row (they all have the
    # value `covered`), then its own cell.
    previous = np.where(first, -1, np.r_[0, col[:-1]])
    gap = np.where(covered > _EPS, col - previous - 1, 0)
    run = gap + own
    ends = np.cumsum(run)
    cols = np.repeat(col - gap - (ends - run), run)
    cols += np.arange(ends[-1])
    rows = np.repeat(row, run)
    frac = np.repeat(np.minimum(covered, 1.0), run)
    frac[ends[own] - 1] = entry[own]
    return rows, cols, frac


def _segmented_cumsum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting wherever `starts` is True."""
    total = np.cumsum(values)
    at = np.flatnonzero(starts)
    offset = np.where(at > 0, total[at - 1], 0.0)
    return total - np.repeat(offset, np.diff(np.r_[at, len(values)]))


# --- points and lines -----------------------------------------------------------------------


def _point_pixels(points: list[shapely.Geometry], transform: Affine, width: int, height: int) -> _Weighted:
    """The pixel containing each point (a point on a pixel edge goes to the higher row/column index)."""
    uv = shapely.get_coordinates(_to_pixel_space(np.array(points, dtype=object), transform))
    return _cells(np.floor(uv[:, 1]), np.floor(uv[:, 0]), width, height)


def _line_pixels(lines: list[shapely.Geometry], transform: Affine, width: int, height: int) -> _Weighted:
    """Pixels whose interior a line passes through (a line along a pixel edge takes the higher index)."""
    pixel_lines = _to_pixel_space(np.array(lines, dtype=object), transform)
    xy, line = shapely.get_coordinates(pixel_lines, return_index=True)
    same = line[1:] == line[:-1]
    a, b = _split_at_grid_lines(xy[:-1][same], xy[1:][same], width, height)
    moving = np.any(a != b, axis=1)
    mid = (a[moving] + b[moving]) / 2
    return _cells(np.floor(mid[:, 1]), np.floor(mid[:, 0]), width, height)


def _cells(rows: np.ndarray, cols: np.ndarray, width: int, height: int) -> _Weighted:
    """Distinct in-grid (row, col) cells, weight 1."""
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    cells = np.unique(np.column_stack([rows[inside], cols[inside]]).astype(np.int64), axis=0)
    return cells[:, 0], cells[:, 1], np.ones(len(cells))


# --- helpers --------------------------------------------------------------------------------


def _run_offsets(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 for each run length n, concatenated."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - lengths, lengths)


def _merge_max(found: list[_Weighted]) -> _Weighted:
    """Union of pixel sets, keeping each pixel once with its largest weight, sorted by (row, col)."""
    if len(found) <= 1:
        return found[0] if found else _empty_weighted()
    rows, cols, weights = (np.concatenate(x) for x in zip(*found, strict=True))
    order = np.lexsort((-weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    return rows[first], cols[first], weights[first]


def _empty_pixels() -> _Pixels:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


def _empty_weighted() -> _Weighted:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)

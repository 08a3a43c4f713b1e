"""Zonal statistics of many regions in one pass over the pixels, with EE's two pixel rules.

Weighted rule (mean, sum): the exact fraction of each pixel's area inside the region, computed like
kernels/coverage.py does but compiled and for all regions at once; pixels under 0.5 % coverage are
left out, as EE does, and a pixel weighs min(mask, fraction). For each window of pixels (a tile),
the polygons' edges are cut at the grid lines, the pieces of each row are swept from the right, and
the pixels are added to the region's sums as their coverage comes out, so nothing per pixel is stored.
The pixels come as PixelBlocks (kernels/pixel_blocks.py): a tile and its mask, or a file's blocks where they lie
in its memory map, masked by their nodata value as they are added (no copy, no mask array).

Centre rule (everything else): *runs*, (region, row, first column, end column) spans of the pixels
whose centre is inside (GDAL's scanline rule), built once per grid and then cut per tile. Points,
lines and mixed collections take the pixels they touch (weight 1), also as runs.

Accumulators (float64) per region: weighted count/weight/sum, and over centre pixels with a non-zero
mask count, sum, min, max and shifted first and second moments (stdDev, variance); median, percentile
and other reducers keep the centre values and reduce them per region. Regions are split across
threads in groups, so no accumulator is shared and each region's additions keep their order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numba
import numpy as np
import shapely
from affine import Affine

from ee_assets.local.kernels import coverage
from ee_assets.local.kernels.coverage import MIN_WEIGHTED_FRACTION, flat_parts, polygonal_part
from ee_assets.local.kernels.jit import jit, jit_sums
from ee_assets.local.kernels.pixel_blocks import MASK_ARRAY, MASK_NAN, MASK_VALUE, PixelBlocks
from ee_assets.local.kernels.tiles import WORKERS, ordered_map, row_chunks, spread

_EPS = 1e-12


@dataclass(frozen=True)
class Runs:
    """Pixel runs of regions on a grid: pixels [c0, c1) of `row` belong to region `feature`.

    A region's runs keep the order they were made in (so its sums do not depend on how regions are
    grouped); `by_row` orders all runs by row for cutting them into tiles."""

    feature: np.ndarray  # int64
    row: np.ndarray  # int64
    c0: np.ndarray  # int64
    c1: np.ndarray  # int64
    weight: np.ndarray  # float64: coverage fraction (weighted runs) or 1 (centre runs)

    def by_row(self, height: int) -> Runs:
        """The same runs, stably ordered by row."""
        order = _row_order(self.row, height)
        return Runs(self.feature[order], self.row[order], self.c0[order], self.c1[order], self.weight[order])

    def rows(self, top: int, bottom: int) -> Runs:
        """The runs on rows [top, bottom); the runs must be ordered by row (`by_row`)."""
        i, j = np.searchsorted(self.row, [top, bottom])
        return Runs(self.feature[i:j], self.row[i:j], self.c0[i:j], self.c1[i:j], self.weight[i:j])

    def columns(self, left: int, right: int) -> Runs:
        """The runs clipped to columns [left, right)."""
        c0, c1 = np.maximum(self.c0, left), np.minimum(self.c1, right)
        keep = c0 < c1
        return Runs(self.feature[keep], self.row[keep], c0[keep], c1[keep], self.weight[keep])

    @property
    def pixels(self) -> int:
        return int(np.sum(self.c1 - self.c0))


def region_runs(geometries: Sequence[shapely.Geometry | None], transform: Affine, width: int, height: int,
                weighted: bool, min_fraction: float = MIN_WEIGHTED_FRACTION) -> Runs:
    """Runs of every region (index = position in `geometries`) on the grid, by EE's weighted or centre rule.

    Polygons go through the compiled kernels all at once; points, lines and mixed collections use
    coverage.region_pixels one by one (pixels touched, weight 1). Invalid polygons are repaired
    first (the union of their areas), as coverage.region_pixels does.
    """
    polygonal, other = split_by_kind(geometries)
    pieces = []
    if polygonal:
        pieces.append(_polygon_runs(geometries, polygonal, transform, width, height, weighted, min_fraction))
    for i in other:
        rows, cols, weights = coverage.region_pixels(geometries[i], transform, width, height, weighted)
        pieces.append(Runs(np.full(len(rows), i, np.int64), rows, cols, cols + 1, weights))
    if not pieces:
        return _empty_runs()
    if len(pieces) == 1:
        return pieces[0]
    return Runs(*(np.concatenate(x) for x in zip(*[(p.feature, p.row, p.c0, p.c1, p.weight) for p in pieces],
                                                  strict=True)))


RUN_BYTES = 40  # feature, row, c0, c1 (int64) and weight (float64)


def _box_sizes(geoms: np.ndarray, transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the grid each geometry's bounding box spans, clipped to the grid."""
    bounds = shapely.bounds(geoms)
    inv = ~transform
    corners = [(bounds[:, 0], bounds[:, 1]), (bounds[:, 2], bounds[:, 3]), (bounds[:, 0], bounds[:, 3]),
               (bounds[:, 2], bounds[:, 1])]
    cols = np.stack([inv.a * x + inv.b * y + inv.c for x, y in corners])
    rows = np.stack([inv.d * x + inv.e * y + inv.f for x, y in corners])
    return (np.clip(np.ceil(rows.max(axis=0)) - np.floor(rows.min(axis=0)), 1, height),
            np.clip(np.ceil(cols.max(axis=0)) - np.floor(cols.min(axis=0)), 1, width))


def box_pixels(geometries: Sequence[shapely.Geometry | None], transform: Affine, width: int, height: int) -> float:
    """How many pixels of the grid the geometries' bounding boxes cover, summed: at most what reducing over them
    evaluates."""
    present = np.array([g for g in geometries if g is not None and not g.is_empty], dtype=object)
    if not len(present):
        return 0.0
    rows, cols = _box_sizes(present, transform, width, height)
    return float(np.sum(rows * cols))


def runs_bytes(geometries: Sequence[shapely.Geometry | None], transform: Affine, width: int, height: int,
               polygons_too: bool) -> int:
    """An upper estimate of the bytes `region_runs` needs on this grid (before making them): about one run per
    row and polygon part (two where it has holes), one per pixel along lines and points; growing the arrays
    and ordering them by row need room for about three copies. Polygons count only if `polygons_too` (the
    weighted sweep does not store their runs)."""
    present = [g for g in geometries if g is not None and not g.is_empty]
    if not present:
        return 0
    geoms = np.array(present, dtype=object)
    rows, cols = _box_sizes(geoms, transform, width, height)
    parts = shapely.get_num_geometries(geoms).astype(float)
    holes = np.array([sum(shapely.get_num_interior_rings(p) for p in shapely.get_parts(g)) for g in present]
                     ) if polygons_too else 0
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    runs = np.where(polygonal, (rows * (parts + holes)) if polygons_too else 0, (rows + cols) * parts)
    return int(3 * RUN_BYTES * float(np.sum(runs)))


@dataclass(frozen=True)
class PolygonEdges:
    """Ring edges (a -> b, pixel coordinates) of polygonal regions; region feats[i] owns edges starts[i]:ends[i]."""

    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    feats: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    boxes: np.ndarray  # (n, 4): umin, umax, vmin, vmax of each region's edges


def polygon_edges(geometries, indices: list[int], transform: Affine) -> PolygonEdges:
    """The edges of the polygonal regions `indices`, repairing invalid ones first (the union of their areas)."""
    geoms = np.empty(len(indices), dtype=object)
    geoms[:] = [geometries[i] for i in indices]
    for k in np.flatnonzero(~_valid(geoms)):  # self-intersections, overlapping parts: union of areas
        repaired = polygonal_part(geoms[k])
        parts = [] if repaired is None else [p for p in flat_parts(repaired) if p.geom_type == "Polygon"]
        geoms[k] = shapely.MultiPolygon(parts) if parts else shapely.Polygon()
    seg_index, ax, ay, bx, by = _ring_segments(geoms, transform)
    seg_feature = np.asarray(indices, np.int64)[seg_index]
    starts = np.flatnonzero(np.r_[True, seg_feature[1:] != seg_feature[:-1]]) if len(seg_feature) else seg_feature
    ends = np.r_[starts[1:], len(seg_feature)].astype(np.int64)
    starts = starts.astype(np.int64)
    return PolygonEdges(ax, ay, bx, by, seg_feature[starts], starts, ends, _boxes(ax, ay, bx, by, starts, ends))


def _polygon_runs(geometries, indices: list[int], transform: Affine, width: int, height: int, weighted: bool,
                  min_fraction: float) -> Runs:
    e = polygon_edges(geometries, indices, transform)

    def run(span):  # regions [i, j): each region's runs come out the same whichever chunk it is in
        i, j = span
        if weighted:
            return _weighted_runs(e.ax, e.ay, e.bx, e.by, e.feats[i:j], e.starts[i:j], e.ends[i:j], width, height,
                                  max(min_fraction, _EPS))
        return _centre_runs(e.ax, e.ay, e.bx, e.by, e.feats[i:j], e.starts[i:j], e.ends[i:j], width, height)

    parts = list(ordered_map(run, *spread(row_chunks(len(e.feats), parts=4 * WORKERS, minimum=16))))
    if not parts:
        return _empty_runs()
    if len(parts) == 1:
        return Runs(*parts[0])
    return Runs(*(np.concatenate(column) for column in zip(*parts, strict=True)))


@jit
def _row_order(row, height):
    """Indices that stably order runs by row (a counting sort)."""
    counts = np.zeros(height + 1, np.int64)
    for r in row:
        counts[r + 1] += 1
    for i in range(height):
        counts[i + 1] += counts[i]
    order = np.empty(len(row), np.int64)
    for k in range(len(row)):
        order[counts[row[k]]] = k
        counts[row[k]] += 1
    return order


@dataclass(frozen=True)
class WeightedRegions:
    """Regions prepared for weighted accumulation on a grid: polygon edges, swept tile by tile without storing
    runs, and the runs (by row) of the regions that are not polygons (points, lines, mixed collections)."""

    n: int
    edges: PolygonEdges | None
    others: Runs


def weighted_regions(geometries: Sequence[shapely.Geometry | None], transform: Affine, width: int,
                     height: int) -> WeightedRegions:
    """Prepare `geometries` (index = region) for ZonalAccumulator.add_weighted_regions on this grid."""
    polygonal, other = split_by_kind(geometries)
    edges = polygon_edges(geometries, polygonal, transform) if polygonal else None
    wanted = set(other)
    others = region_runs([g if i in wanted else None for i, g in enumerate(geometries)], transform, width,
                         height, weighted=True) if other else _empty_runs()
    return WeightedRegions(len(geometries), edges, others.by_row(height))


def split_by_kind(geometries: Sequence[shapely.Geometry | None]) -> tuple[list[int], list[int]]:
    """Indices of the (Multi)Polygons and of the other non-empty geometries."""
    geoms = np.empty(len(geometries), dtype=object)
    geoms[:] = list(geometries)
    kind = shapely.get_type_id(geoms)  # -1 for None
    present = (kind >= 0) & ~shapely.is_empty(geoms)
    polygonal = present & ((kind == shapely.GeometryType.POLYGON) | (kind == shapely.GeometryType.MULTIPOLYGON))
    return np.flatnonzero(polygonal).tolist(), np.flatnonzero(present & ~polygonal).tolist()


def _valid(geoms: np.ndarray) -> np.ndarray:
    """shapely.is_valid, on the tile pool in chunks when there are many geometries (shapely releases the GIL)."""
    if len(geoms) < 512:
        return shapely.is_valid(geoms)
    return np.concatenate(list(ordered_map(lambda span: shapely.is_valid(geoms[span[0]:span[1]]),
                                           *spread(row_chunks(len(geoms), parts=2 * WORKERS, minimum=256)))))


def _ring_segments(geoms: np.ndarray, transform: Affine):
    """(geometry index, ax, ay, bx, by) of every ring edge in pixel coordinates, exterior rings counter-clockwise
    and holes clockwise (the orientation the coverage sweep assumes), without making a shapely object per ring."""
    if transform.b != 0 or transform.d != 0:
        raise ValueError("coverage kernels need a grid without shear")
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        ring_offsets, part_rings = offsets
        geom_parts = np.arange(len(geoms) + 1)
    else:
        ring_offsets, part_rings, geom_parts = offsets
    u = (coords[:, 0] - transform.c) / transform.a
    v = (coords[:, 1] - transform.f) / transform.e
    ring_lengths = np.diff(ring_offsets)
    n_rings = len(ring_lengths)
    seg_ring = np.repeat(np.arange(n_rings), np.maximum(ring_lengths - 1, 0))
    is_start = np.ones(len(coords), bool)
    is_start[ring_offsets[1:][ring_lengths > 0] - 1] = False  # a ring's closing point starts no edge
    a = np.flatnonzero(is_start)
    b = a + 1
    twice_area = np.bincount(seg_ring, u[a] * v[b] - u[b] * v[a], n_rings)
    exterior = np.zeros(n_rings, bool)
    exterior[part_rings[:-1][np.diff(part_rings) > 0]] = True
    flip = np.where(exterior, twice_area < 0, twice_area > 0)[seg_ring]
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    ring_geom = np.repeat(np.arange(len(geom_parts) - 1), np.diff(geom_parts))[
        np.repeat(np.arange(len(part_rings) - 1), np.diff(part_rings))]
    return ring_geom[seg_ring], u[a], v[a], u[b], v[b]


def _empty_runs() -> Runs:
    z = np.zeros(0, np.int64)
    return Runs(z, z, z, z, np.zeros(0))


# --- compiled geometry kernels ------------------------------------------------------------------


@jit
def _grown(a, n, need):
    """`a` with room for `need` items (doubling), keeping the first n."""
    if need <= len(a):
        return a
    bigger = np.empty(max(need, 2 * len(a)), a.dtype)
    bigger[:n] = a[:n]
    return bigger


@jit
def _weighted_runs(ax, ay, bx, by, feats, starts, ends, width, height, min_fraction):
    """Weighted runs of every feature on a width x height grid (see _weighted_sweep)."""
    none4 = np.zeros((1, 1, 1, 1))
    return _weighted_sweep(ax, ay, bx, by, feats, starts, ends, _boxes(ax, ay, bx, by, starts, ends), 0, height, 0,
                           width, min_fraction, True, none4, none4, MASK_ARRAY, 0.0, 0, 0, 1, 1,
                           np.zeros(1, np.int64), np.zeros(1), np.zeros(1))


@jit
def _boxes(ax, ay, bx, by, starts, ends):
    """(n, 4) bounds (umin, umax, vmin, vmax) of each feature's edges."""
    out = np.empty((len(starts), 4))
    for i in range(len(starts)):
        umin, umax, vmin, vmax = np.inf, -np.inf, np.inf, -np.inf
        for s in range(starts[i], ends[i]):
            umin, umax = min(umin, ax[s], bx[s]), max(umax, ax[s], bx[s])
            vmin, vmax = min(vmin, ay[s], by[s]), max(vmax, ay[s], by[s])
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = umin, umax, vmin, vmax
    return out


@jit
def _weighted_sweep(ax, ay, bx, by, feats, starts, ends, boxes, top, bottom, left, right, min_fraction, record,
                    values, mask, rule, nodata, origin_row, origin_col, data_h, data_w, w_count, w_sum, w_value):
    """Weighted pixels of every feature in the window rows [top, bottom) x columns [left, right) of the grid.

    Per feature: cut its edges at the grid lines into pieces inside one cell, sum each cell's trapezoid
    areas and heights, then sweep each row right to left (coverage.py's method): a cell's coverage is its
    own partial area plus the heights of the pieces right of it (pieces right of the window still count,
    parked in column `right`). With `record`, the runs are returned; otherwise each run is added straight
    to the accumulators from the pixels (a PixelBlocks' fields: `values`/`mask` blocks, mask `rule`, `nodata`, the
    grid position of the first pixel and the rows and columns of data), and nothing is stored.
    """
    cap = 1 << 16 if record else 1
    of, orow, oc0, oc1 = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.int64),
                          np.empty(cap, np.int64))
    ow = np.empty(cap, np.float64)
    n = 0
    prow = np.empty(1024, np.int64)
    pcol = np.empty(1024, np.int64)
    pp = np.empty(1024, np.float64)
    pd = np.empty(1024, np.float64)
    row_end = np.empty(1024, np.int64)
    order = np.empty(1024, np.int64)
    for fi in range(len(feats)):
        f = feats[fi]
        # The feature's rows (features wholly left or right of the window add nothing to it) ...
        umin, umax, vmin, vmax = boxes[fi, 0], boxes[fi, 1], boxes[fi, 2], boxes[fi, 3]
        if vmax <= top or vmin >= bottom or umax <= left or umin >= right:
            continue
        rmin = int(min(max(np.floor(vmin), float(top)), bottom - 1.0))
        rmax = int(min(max(np.floor(vmax), float(top)), bottom - 1.0))
        # ... and an upper bound of the pieces of its edges.
        total = 0
        for s in range(starts[fi], ends[fi]):  # crossings happen only at lines inside the grid
            ry = abs(min(max(np.floor(ay[s]), top - 1.0), bottom + 1.0) - min(max(np.floor(by[s]), top - 1.0),
                                                                                bottom + 1.0))
            rx = abs(min(max(np.floor(ax[s]), left - 1.0), right + 1.0) - min(max(np.floor(bx[s]), left - 1.0),
                                                                               right + 1.0))
            total += int(ry + rx) + 2
        if total > len(pp):
            prow = np.empty(total, np.int64)
            pcol = np.empty(total, np.int64)
            pp = np.empty(total, np.float64)
            pd = np.empty(total, np.float64)
        m = 0
        f_count = 0
        f_sum = 0.0
        f_value = 0.0
        for s in range(starts[fi], ends[fi]):
            x0, y0, x1, y1 = ax[s], ay[s], bx[s], by[s]
            dy = y1 - y0
            if dy == 0.0 or max(y0, y1) <= top or min(y0, y1) >= bottom:
                continue  # a horizontal edge adds no height to any cell; other rows do not matter here
            dx = x1 - x0
            inv_dy = 1.0 / dy
            inv_dx = 1.0 / dx if dx != 0.0 else 0.0
            ylo = max(np.floor(min(y0, y1)) + 1.0, float(top))
            yhi = min(np.ceil(max(y0, y1)) - 1.0, float(bottom))
            ny = int(yhi - ylo + 1.0) if yhi >= ylo else 0
            nx = 0
            xlo = 0.0
            xhi = -1.0
            if dx != 0.0:
                xlo = max(np.floor(min(x0, x1)) + 1.0, float(left))
                xhi = min(np.ceil(max(x0, x1)) - 1.0, float(right))
                nx = int(xhi - xlo + 1.0) if xhi >= xlo else 0
            iy = 0
            ix = 0
            px, py = x0, y0
            while True:
                last = iy >= ny and ix >= nx
                if last:
                    qx, qy = x1, y1
                else:
                    ky = (ylo + iy) if dy > 0 else (yhi - iy)
                    kx = (xlo + ix) if dx > 0 else (xhi - ix)
                    ty = (ky - y0) * inv_dy if iy < ny else np.inf
                    tx = (kx - x0) * inv_dx if ix < nx else np.inf
                    if ty < tx:
                        qx, qy = x0 + ty * dx, ky
                        iy += 1
                    elif tx < ty:
                        qx, qy = kx, y0 + tx * dy
                        ix += 1
                    else:
                        qx, qy = kx, ky
                        iy += 1
                        ix += 1
                h = qy - py
                if h != 0.0:
                    mx = 0.5 * (px + qx)
                    my = 0.5 * (py + qy)
                    row = int(np.floor(my))
                    col = int(np.floor(mx))
                    if top <= row < bottom and col >= left:
                        prow[m] = row
                        if col >= right:  # right of the window: covers the whole row left of it
                            pcol[m] = right
                            pp[m] = 0.0
                        else:
                            pcol[m] = col
                            pp[m] = h * (mx - col)
                        pd[m] = h
                        m += 1
                px, py = qx, qy
                if last:
                    break
        if m == 0:
            continue
        # Bucket the pieces by row (a counting sort), order each row's few pieces by column, then sweep it.
        hd = rmax - rmin + 1
        if hd + 1 > len(row_end):
            row_end = np.empty(2 * (hd + 1), np.int64)
        if m > len(order):
            order = np.empty(2 * m, np.int64)
        row_end[:hd + 1] = 0
        for k in range(m):
            row_end[prow[k] - rmin + 1] += 1
        for rr in range(hd):
            row_end[rr + 1] += row_end[rr]
        for k in range(m):  # afterwards row_end[rr] is where row rr ends
            rr = prow[k] - rmin
            order[row_end[rr]] = k
            row_end[rr] += 1
        if record:
            need = n + 3 * m + 4
            of, orow, oc0, oc1 = (_grown(of, n, need), _grown(orow, n, need), _grown(oc0, n, need),
                                  _grown(oc1, n, need))
            ow = _grown(ow, n, need)
        lo = 0
        for rr in range(hd):
            hi = row_end[rr]
            if hi == lo:
                continue
            for a in range(lo + 1, hi):  # insertion sort by column: rows hold few pieces
                item = order[a]
                key = pcol[item]
                b = a - 1
                while b >= lo and pcol[order[b]] > key:
                    order[b + 1] = order[b]
                    b -= 1
                order[b + 1] = item
            row = rmin + rr
            running = 0.0
            prev = right
            i = hi - 1
            while i >= lo:
                c = pcol[order[i]]
                part = 0.0
                cover = 0.0
                while i >= lo and pcol[order[i]] == c:
                    part += pp[order[i]]
                    cover += pd[order[i]]
                    i -= 1
                if prev - c - 1 > 0 and running >= min_fraction:
                    if record:
                        of[n], orow[n], oc0[n], oc1[n], ow[n] = f, row, c + 1, prev, min(running, 1.0)
                        n += 1
                    else:
                        _add_run(values, mask, rule, nodata, row - origin_row, c + 1 - origin_col, prev - origin_col,
                                 data_h, data_w, min(running, 1.0), f, w_count, w_sum, w_value)
                if c < right:
                    fr = min(part + running, 1.0)
                    if fr >= min_fraction:
                        if record:
                            of[n], orow[n], oc0[n], oc1[n], ow[n] = f, row, c, c + 1, fr
                            n += 1
                        else:  # one boundary cell: summed locally, stored once per region
                            w, v = _pixel(values, mask, rule, nodata, row - origin_row, c - origin_col, data_h,
                                          data_w, fr)
                            if w > 0.0:
                                f_count += 1
                                f_sum += w
                                f_value += w * v
                running += cover
                prev = c
            if prev > left and running >= min_fraction:
                if record:
                    of[n], orow[n], oc0[n], oc1[n], ow[n] = f, row, left, prev, min(running, 1.0)
                    n += 1
                else:
                    _add_run(values, mask, rule, nodata, row - origin_row, left - origin_col, prev - origin_col,
                             data_h, data_w, min(running, 1.0), f, w_count, w_sum, w_value)
            lo = hi
        if not record:
            w_count[f] += f_count
            w_sum[f] += f_sum
            w_value[f] += f_value
    return of[:n], orow[:n], oc0[:n], oc1[:n], ow[:n]


@jit
def _centre_runs(ax, ay, bx, by, feats, starts, ends, width, height):
    """Centre-rule runs (GDAL's polygon scanline): on row r, every non-horizontal edge with
    y0 <= r + 0.5 < y1 crosses at x; crossings round to floor(x + 0.5) and, sorted, pair up into
    the filled columns [x_i, x_i+1)."""
    of, orow, oc0, oc1 = (np.empty(1 << 12, np.int64), np.empty(1 << 12, np.int64), np.empty(1 << 12, np.int64),
                          np.empty(1 << 12, np.int64))
    ow = np.empty(1 << 12, np.float64)
    n = 0
    ck = np.empty(1024, np.int64)
    cx = np.empty(1024, np.int64)
    for fi in range(len(feats)):
        f = feats[fi]
        total = 0
        for s in range(starts[fi], ends[fi]):
            lo, hi = min(ay[s], by[s]), max(ay[s], by[s])
            r0 = max(np.ceil(lo - 0.5), 0.0)
            r1 = min(np.ceil(hi - 0.5) - 1.0, height - 1.0)
            if r1 >= r0:
                total += int(r1 - r0) + 1
        if total == 0:
            continue
        if total > len(ck):
            ck = np.empty(total, np.int64)
            cx = np.empty(total, np.int64)
        m = 0
        for s in range(starts[fi], ends[fi]):
            if ay[s] == by[s]:
                continue
            if ay[s] < by[s]:
                x0, y0, x1, y1 = ax[s], ay[s], bx[s], by[s]
            else:
                x0, y0, x1, y1 = bx[s], by[s], ax[s], ay[s]
            r0 = max(np.ceil(y0 - 0.5), 0.0)
            r1 = min(np.ceil(y1 - 0.5) - 1.0, height - 1.0)
            r = r0
            while r <= r1:
                yc = r + 0.5
                if yc >= y0 and yc < y1:
                    x = (yc - y0) * (x1 - x0) / (y1 - y0) + x0
                    ck[m] = int(r)
                    cx[m] = int(np.floor(x + 0.5))
                    m += 1
                r += 1.0
        order = np.argsort(ck[:m] * (2 * width + 4) + np.minimum(np.maximum(cx[:m], -1), width + 1))
        need = n + m // 2 + 1
        of, orow, oc0, oc1 = _grown(of, n, need), _grown(orow, n, need), _grown(oc0, n, need), _grown(oc1, n, need)
        ow = _grown(ow, n, need)
        i = 0
        while i + 1 < m:
            a, b = order[i], order[i + 1]
            if ck[a] != ck[b]:  # an odd count on a row cannot happen for closed rings; skip defensively
                i += 1
                continue
            c0 = max(cx[a], 0)
            c1 = min(cx[b], width)
            if c0 < c1:
                of[n], orow[n], oc0[n], oc1[n], ow[n] = f, ck[a], c0, c1, 1.0
                n += 1
            i += 2
    return of[:n], orow[:n], oc0[:n], oc1[:n], ow[:n]


# --- accumulation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedSums:
    """Weighted count, weight and value sums per region over one window, from zero."""

    w_count: np.ndarray  # int64
    w_sum: np.ndarray
    w_value: np.ndarray


def weighted_window_sums(values: np.ndarray, mask: np.ndarray, regions: WeightedRegions, top: int,
                         left: int) -> WeightedSums:
    """The polygon regions' weighted sums over one window (`values`/`mask` from grid row `top`, column `left`).

    Made to run on the tile pool, one window per task, while other tasks read the next windows: the sums start
    from zero and ZonalAccumulator.add_weighted_sums adds them in window order, so the answer does not depend on
    which task finished first. The regions that are not polygons are left to add_weighted_others.
    """
    h, w = values.shape
    return weighted_block_sums(PixelBlocks.of_tile(values, mask, top, left), regions, top, left, h, w)


def weighted_block_sums(pixels: PixelBlocks, regions: WeightedRegions, top: int, left: int, height: int,
                        width: int) -> WeightedSums:
    """weighted_window_sums over the window of `height` x `width` grid pixels from (`top`, `left`), reading them
    from `pixels` (a tile's, or a file's blocks where they lie)."""
    n = regions.n
    sums = WeightedSums(np.zeros(n, np.int64), np.zeros(n), np.zeros(n))
    e = regions.edges
    if e is not None and len(e.feats):
        _sweep_regions(e, pixels, top, left, height, width, sums.w_count, sums.w_sum, sums.w_value)
    return sums


def _sweep_regions(e: PolygonEdges, px: PixelBlocks, top: int, left: int, h: int, w: int, w_count: np.ndarray,
                   w_sum: np.ndarray, w_value: np.ndarray) -> None:
    """_weighted_sweep of every region over the window, groups of regions on the tile pool (inline on a pool
    thread): no region is in two groups, so no sum is shared between threads."""

    def run(span):
        i, j = span
        _weighted_sweep(e.ax, e.ay, e.bx, e.by, e.feats[i:j], e.starts[i:j], e.ends[i:j], e.boxes[i:j], top,
                        top + h, left, left + w, MIN_WEIGHTED_FRACTION, False, px.values, px.mask, px.rule,
                        px.nodata, px.origin_row, px.origin_col, px.height, px.width, w_count, w_sum, w_value)

    for _ in ordered_map(run, *spread(row_chunks(len(e.feats), parts=4 * WORKERS, minimum=16))):
        pass


@dataclass
class ZonalAccumulator:
    """Running statistics of `n` regions, fed tile by tile (rows of a grid) with `add_weighted`/`add_centre`."""

    n: int
    collect_sizes: np.ndarray | None = None  # per region: room for centre values (median/percentile)
    w_count: np.ndarray = field(init=False)
    w_sum: np.ndarray = field(init=False)
    w_value: np.ndarray = field(init=False)
    count: np.ndarray = field(init=False)
    total: np.ndarray = field(init=False)
    shift: np.ndarray = field(init=False)
    s1: np.ndarray = field(init=False)
    s2: np.ndarray = field(init=False)
    vmin: np.ndarray = field(init=False)
    vmax: np.ndarray = field(init=False)
    collected: np.ndarray | None = field(init=False)
    offsets: np.ndarray | None = field(init=False)

    def __post_init__(self):
        n = self.n
        self.w_count = np.zeros(n, np.int64)
        self.w_sum, self.w_value = np.zeros(n), np.zeros(n)
        self.count = np.zeros(n, np.int64)
        self.total = np.zeros(n)
        self.shift = np.full(n, np.nan)
        self.s1, self.s2 = np.zeros(n), np.zeros(n)
        self.vmin, self.vmax = np.full(n, np.inf), np.full(n, -np.inf)
        if self.collect_sizes is None:
            self.collected = self.offsets = None
        else:
            self.offsets = np.r_[0, np.cumsum(self.collect_sizes)].astype(np.int64)
            self.collected = np.empty(int(self.offsets[-1]))

    def add_weighted(self, values: np.ndarray, mask: np.ndarray, runs: Runs, top: int, left: int) -> None:
        """Weighted pixels: weight min(mask, coverage); `values`/`mask` start at grid row `top`, column `left`."""

        px = PixelBlocks.of_tile(values, mask, top, left)

        def run(group: tuple[int, int]):
            _add_weighted(px.values, px.mask, runs.feature, runs.row, runs.c0, runs.c1, runs.weight, top, left,
                          group[0], group[1], self.w_count, self.w_sum, self.w_value)

        for _ in ordered_map(run, _region_groups(runs, self.n)):
            pass

    def add_weighted_regions(self, values: np.ndarray, mask: np.ndarray, regions: WeightedRegions, top: int,
                             left: int) -> None:
        """Weighted pixels of prepared regions over the window whose pixels `values`/`mask` hold (grid rows
        from `top`, columns from `left`): coverage computed and added in one sweep, regions split over threads."""
        e = regions.edges
        if e is not None and len(e.feats):
            h, w = values.shape
            _sweep_regions(e, PixelBlocks.of_tile(values, mask, top, left), top, left, h, w, self.w_count,
                           self.w_sum, self.w_value)
        self.add_weighted_others(values, mask, regions, top, left)

    def add_weighted_sums(self, sums: WeightedSums) -> None:
        """Add one window's weighted sums (weighted_window_sums), in the order the windows are to be added."""
        self.w_count += sums.w_count
        self.w_sum += sums.w_sum
        self.w_value += sums.w_value

    def add_weighted_others(self, values: np.ndarray, mask: np.ndarray, regions: WeightedRegions, top: int,
                            left: int) -> None:
        """The weighted pixels of the regions that are not polygons (points, lines, mixed collections)."""
        h, w = values.shape
        if len(regions.others.row):
            self.add_weighted(values, mask, regions.others.rows(top, top + h).columns(left, left + w), top, left)

    def add_centre(self, values: np.ndarray, mask: np.ndarray, runs: Runs, top: int, left: int,
                   moments: bool = True) -> None:
        """Centre pixels with a non-zero mask: count, min, max, moments and (if asked) their values."""
        if not len(runs.row):
            return
        collect = self.collected is not None

        def run(group: tuple[int, int]):
            _add_centre(values, mask, runs.feature, runs.row, runs.c0, runs.c1, top, left, group[0], group[1],
                        self.count, self.total, self.shift, self.s1, self.s2, self.vmin, self.vmax, moments,
                        self.collected if collect else np.empty(0),
                        self.offsets if collect else np.zeros(1, np.int64), collect)

        for _ in ordered_map(run, _region_groups(runs, self.n)):
            pass

    def centre_values(self, i: int) -> np.ndarray:
        """The collected centre values of region i (needs collect_sizes)."""
        start = self.offsets[i]
        return self.collected[start:start + self.count[i]]


def _region_groups(runs: Runs, n: int, minimum_pixels: int = 1 << 20) -> list[tuple[int, int]]:
    """Ranges of region index to accumulate on different threads: no region is in two ranges, so threads
    never share an accumulator and each region's order of additions stays the same."""
    if not len(runs.row):
        return []
    if runs.pixels < minimum_pixels:
        return [(0, n)]
    return row_chunks(n, minimum=1)


@jit_sums
def _add_weighted(values, mask, feature, row, c0, c1, weight, top, left, lo, hi, w_count, w_sum, w_value):
    h, w = values.shape[2], values.shape[3]
    for k in range(len(feature)):
        f = feature[k]
        if lo <= f < hi:
            _add_run(values, mask, MASK_ARRAY, 0.0, row[k] - top, c0[k] - left, c1[k] - left, h, w, weight[k], f,
                     w_count, w_sum, w_value)


@numba.njit(inline="always")
def _pixel(values, mask, rule, nodata, r, c, data_h, data_w, frac):
    """(weight min(mask, frac), value as float64) of the pixel at row r, column c from the first block's first
    pixel (PixelBlocks); weight 0 outside the data."""
    if r < 0 or r >= data_h or c < 0 or c >= data_w:
        return 0.0, 0.0
    bh, bw = values.shape[2], values.shape[3]
    br, bc = r // bh, c // bw
    v = np.float64(values[br, bc, r - br * bh, c - bc * bw])
    if rule == MASK_ARRAY:
        m = np.float64(mask[br, bc, r - br * bh, c - bc * bw])
    elif rule == MASK_NAN:
        m = 1.0 if v == v else 0.0
    elif rule == MASK_VALUE:
        m = 0.0 if v == nodata else 1.0
    else:
        m = 1.0
    return min(m, frac), v


@numba.njit(inline="always")
def _add_run(values, mask, rule, nodata, r, c0, c1, data_h, data_w, frac, f, w_count, w_sum, w_value):
    """Add pixels [c0, c1) of row r (counted from the first block's first pixel; outside the data they are masked),
    weight min(mask, frac), to region f's weighted sums: boundary cells here (inlined: indexing a few pixels
    directly), longer spans in _add_span (vectorised)."""
    if r < 0 or r >= data_h:
        return
    c0, c1 = max(c0, 0), min(c1, data_w)
    if c1 - c0 > 4:
        _add_span(values, mask, rule, nodata, r, c0, c1, frac, f, w_count, w_sum, w_value)
        return
    cnt = 0
    sw = 0.0
    sv = 0.0
    for j in range(c0, c1):
        w, v = _pixel(values, mask, rule, nodata, r, j, data_h, data_w, frac)
        if w > 0.0:
            cnt += 1
            sw += w
            sv += w * v
    w_count[f] += cnt
    w_sum[f] += sw
    w_value[f] += sv


@jit_sums
def _add_span(values, mask, rule, nodata, r, c0, c1, frac, f, w_count, w_sum, w_value):
    """Columns [c0, c1) of row r, inside the data, a block's part of the row at a time."""
    bh, bw = values.shape[2], values.shape[3]
    br = r // bh
    rr = r - br * bh
    cnt = 0
    sw = 0.0
    sv = 0.0
    c = c0
    while c < c1:
        bc = c // bw
        a = c - bc * bw
        b = min(c1 - bc * bw, bw)
        vs = values[br, bc, rr, a:b]  # row slices index from 0, so the loops vectorise
        if rule == MASK_ARRAY:
            n, s_w, s_v = _masked_sums(vs, mask[br, bc, rr, a:b], frac)
        elif rule == MASK_NAN:
            n, s_w, s_v = _nan_sums(vs, frac)
        elif rule == MASK_VALUE:
            n, s_w, s_v = _value_sums(vs, nodata, frac)
        else:
            n, s_w, s_v = len(vs), frac * len(vs), frac * _total(vs)
        cnt += n
        sw += s_w
        sv += s_v
        c += b - a
    w_count[f] += cnt
    w_sum[f] += sw
    w_value[f] += sv


@numba.njit(inline="always", fastmath={"reassoc"})
def _masked_sums(vs, ms, frac):
    cnt = 0
    sw = 0.0
    sv = 0.0
    if frac >= 1.0:  # inside: weight = mask, branch-free
        for j in range(len(vs)):
            m = ms[j]
            ok = m > 0
            w = np.float64(m) if ok else 0.0
            cnt += 1 if ok else 0
            sw += w
            sv += w * np.float64(vs[j]) if ok else 0.0
    else:
        for j in range(len(vs)):
            w = min(np.float64(ms[j]), frac)
            if w > 0.0:
                cnt += 1
                sw += w
                sv += w * np.float64(vs[j])
    return cnt, sw, sv


@numba.njit(inline="always", fastmath={"reassoc"})
def _nan_sums(vs, frac):
    cnt = 0
    sv = 0.0
    for j in range(len(vs)):
        v = np.float64(vs[j])
        ok = v == v
        cnt += 1 if ok else 0
        sv += v if ok else 0.0
    return cnt, frac * cnt, frac * sv


@numba.njit(inline="always", fastmath={"reassoc"})
def _value_sums(vs, nodata, frac):
    cnt = 0
    sv = 0.0
    for j in range(len(vs)):
        v = np.float64(vs[j])
        ok = v != nodata
        cnt += 1 if ok else 0
        sv += v if ok else 0.0
    return cnt, frac * cnt, frac * sv


@numba.njit(inline="always", fastmath={"reassoc"})
def _total(vs):
    t = 0.0
    for j in range(len(vs)):
        t += np.float64(vs[j])
    return t


@jit
def _add_centre(values, mask, feature, row, c0, c1, top, left, lo_f, hi_f, count, total, shift, s1, s2, vmin, vmax,
                moments, collected, offsets, collect):
    for k in range(len(feature)):
        f = feature[k]
        if f < lo_f or f >= hi_f:
            continue
        k_shift = shift[f]
        cnt = 0
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        lo = vmin[f]
        hi = vmax[f]
        pos = offsets[f] + count[f]
        vs = values[row[k] - top, c0[k] - left:c1[k] - left]
        ms = mask[row[k] - top, c0[k] - left:c1[k] - left]
        for j in range(len(vs)):
            if ms[j] > 0:
                v = np.float64(vs[j])
                if np.isnan(k_shift):
                    k_shift = v if np.isfinite(v) else 0.0
                cnt += 1
                a0 += v
                if v < lo:
                    lo = v
                if v > hi:
                    hi = v
                if moments:
                    d = v - k_shift
                    a1 += d
                    a2 += d * d
                if collect:
                    collected[pos] = v
                    pos += 1
        shift[f] = k_shift
        count[f] += cnt
        total[f] += a0
        s1[f] += a1
        s2[f] += a2
        vmin[f] = lo
        vmax[f] = hi

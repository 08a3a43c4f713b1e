"""Splitting a computePixels grid into aligned tiles that each fit under EE's request limits (pure, no I/O).

A PixelGrid is EE's JSON grid: `{"dimensions": {"width", "height"}, "affineTransform": {scaleX, shearX,
translateX, shearY, scaleY, translateY}, "crsCode" | "crsWkt"}`. Tiles start on multiples of the alignment
(256 px: the output GeoTIFF's block size), so each tile writes whole blocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ee_assets import limits

ALIGN = 256
# Default tile budget: an eighth of EE's 48 MiB request limit (geedim's default is 4 of getDownloadURL's 32 MB).
# EE computes a tile on one worker, under a per-request memory limit and the 5-minute interactive deadline, and what
# a tile needs grows with its pixels times the inputs behind each pixel (a month's median holds every scene of the
# month): small tiles stay well inside both, more of them run in parallel, and a failure costs one small tile. Each
# tile is one more request (~0.1-1 s of latency), so not smaller than this; a tile EE still finds too heavy is split.
DEFAULT_TILE_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Tile:
    """A window of the full grid, in pixels from its top-left corner."""

    y: int
    x: int
    height: int
    width: int

    @property
    def key(self) -> str:
        """A file-name-safe identifier, stable across runs."""
        return f"y{self.y:06d}_x{self.x:06d}_{self.width}x{self.height}"

    def grid(self, full: dict) -> dict:
        """The PixelGrid of this tile: the full grid's transform shifted to the tile's corner."""
        t = full["affineTransform"]
        sx, shx, shy, sy = (float(t.get(k, 0.0)) for k in ("scaleX", "shearX", "shearY", "scaleY"))
        tile_transform = {
            "scaleX": sx, "shearX": shx, "shearY": shy, "scaleY": sy,
            "translateX": float(t.get("translateX", 0.0)) + self.x * sx + self.y * shx,
            "translateY": float(t.get("translateY", 0.0)) + self.x * shy + self.y * sy,
        }
        out = {k: v for k, v in full.items() if k not in ("dimensions", "affineTransform")}
        return {**out, "dimensions": {"width": self.width, "height": self.height}, "affineTransform": tile_transform}

    def halves(self) -> tuple[Tile, Tile]:
        """The tile cut in two across its longer side (at an aligned offset when it is big enough)."""
        if self.width == 1 and self.height == 1:
            raise ValueError("a single pixel cannot be split further")
        if self.width >= self.height:
            cut = _split_point(self.width)
            return Tile(self.y, self.x, self.height, cut), Tile(self.y, self.x + cut, self.height, self.width - cut)
        cut = _split_point(self.height)
        return Tile(self.y, self.x, cut, self.width), Tile(self.y + cut, self.x, self.height - cut, self.width)


def _split_point(n: int) -> int:
    half = n // 2
    return half - half % ALIGN if half >= ALIGN else half


def grid_size(grid: dict) -> tuple[int, int]:
    """(width, height) of a PixelGrid."""
    d = grid.get("dimensions") or {}
    width, height = int(d.get("width", 0)), int(d.get("height", 0))
    if width <= 0 or height <= 0:
        raise ValueError(f"the grid needs positive dimensions, got {d!r}")
    return width, height


def tile_shape(width: int, height: int, bytes_per_pixel: int, max_bytes: int = limits.COMPUTE_PIXELS_MAX_BYTES,
               max_side: int = limits.COMPUTE_PIXELS_MAX_SIDE) -> tuple[int, int]:
    """(tile width, tile height): as large as the limits allow, aligned, about square unless the grid is narrow."""
    if bytes_per_pixel <= 0 or max_bytes < bytes_per_pixel:
        raise ValueError(f"a pixel of {bytes_per_pixel} bytes does not fit in {max_bytes} bytes")
    max_pixels = max_bytes // bytes_per_pixel
    align = ALIGN
    while align > 1 and align * align > max_pixels:
        align //= 2
    side = min(max_side, math.isqrt(max_pixels))
    tile_w = min(width, max(align, side - side % align))
    rows = min(max_side, max_pixels // tile_w)
    tile_h = min(height, rows - rows % align if rows >= align else rows)
    return tile_w, max(1, tile_h)


def plan_tiles(width: int, height: int, bytes_per_pixel: int, max_bytes: int = limits.COMPUTE_PIXELS_MAX_BYTES,
               max_side: int = limits.COMPUTE_PIXELS_MAX_SIDE) -> list[Tile]:
    """Row-major tiles covering a width x height grid, each under the byte and side limits."""
    tile_w, tile_h = tile_shape(width, height, bytes_per_pixel, max_bytes, max_side)
    return [Tile(y, x, min(tile_h, height - y), min(tile_w, width - x))
            for y in range(0, height, tile_h) for x in range(0, width, tile_w)]

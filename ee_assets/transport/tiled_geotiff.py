"""A computePixels GeoTIFF of any size: fetched as aligned tiles under EE's limits, resumable, mosaicked in order.

1. A 1x1 probe request tells the bands' data type, so tiles can be sized to EE's byte limit (counting one mask
   byte per band pixel, as EE does).
2. Tiles are fetched concurrently (bounded) and each is streamed to a checkpoint file in `<output>.parts/`.
   A tile that EE still finds too large ("request size" 400) is halved until it fits. A tile on which EE runs out of
   memory or time ("User memory limit exceeded.", "Computation timed out.") is halved too, at most
   `max_limit_splits` times in a row: a smaller request needs less of both, while the same one would fail again.
3. When every tile is on disk, they are copied in row-major order into one tiled GeoTIFF in the checkpoint folder,
   which GDAL's COG driver then rewrites as a Cloud Optimized GeoTIFF with internal overviews (`cog.write_cog`),
   to a temporary file moved into place. Memory holds a few tiles at a time; the order makes the file
   byte-identical however the fetch went (retries, halving, an interrupted run resumed).
4. Masks are read as EE marks them (fill values and a nodata tag) or from an internal mask (`masks.valid_mask`): a
   pixel is valid where every band is. The mosaic carries an internal dataset mask and 0 in every band under it,
   so its bytes do not depend on how the server marked masked pixels either.

A killed run leaves the checkpoints; the next run with the same expression, grid and bands keeps them and fetches
only the missing tiles. The checkpoint folder is removed once the output is in place.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.windows import Window

from ee_assets import limits
from ee_assets.files import write_atomic, write_bytes_atomic
from ee_assets.transport.cog import write_cog
from ee_assets.transport.expression import expression_hash
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.masks import valid_mask
from ee_assets.transport.rest import EERequestError, EERestClient
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.tiling import ALIGN, DEFAULT_TILE_BYTES, Tile, grid_size, plan_tiles

log = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1
MAX_LIMIT_SPLITS = 3  # a tile that keeps hitting EE's memory or time limit is cut into at most 2**3 pieces
GDAL_CACHE_MB = 64  # GDAL's default block cache is 5% of RAM; the mosaic needs only a few blocks in flight
# The intermediate mosaic, read once by the COG writer: fast DEFLATE, because it is only scratch.
MOSAIC_PROFILE = dict(driver="GTiff", tiled=True, blockxsize=ALIGN, blockysize=ALIGN, compress="deflate", zlevel=1,
                      interleave="pixel", BIGTIFF="IF_SAFER")

Progress = Callable[[int, int, int], None]  # (tiles done, tiles in all, bytes received)


@dataclass(frozen=True)
class GeoTiffResult:
    """What `fetch_geotiff` produced."""

    path: Path
    width: int
    height: int
    bands: tuple[str, ...]
    dtype: str
    tiles: int  # tiles in the plan
    tiles_fetched: int  # fetched by this call
    tiles_resumed: int  # taken from an interrupted earlier run

    @property
    def uncompressed_bytes(self) -> int:
        return self.width * self.height * len(self.bands) * np.dtype(self.dtype).itemsize


def checkpoint_dir(output: Path) -> Path:
    """Where `output`'s finished tiles are kept until the mosaic is in place."""
    return output.with_name(f"{output.name}.parts")


def fetch_geotiff(client: EERestClient, expression: dict, grid: dict, output: Path,
                  band_ids: Sequence[str] | None = None, *, stats: TransferStats | None = None,
                  label: RequestLabel | None = None, workers: int = 4, max_tile_bytes: int = DEFAULT_TILE_BYTES,
                  progress: Progress | None = None, max_limit_splits: int = MAX_LIMIT_SPLITS) -> GeoTiffResult:
    """Compute `expression` on `grid` as one GeoTIFF at `output` (see the module docstring)."""
    stats = stats if stats is not None else TransferStats()
    label = label or RequestLabel()
    output = Path(output)
    width, height = grid_size(grid)
    probe = _probe(client, expression, grid, band_ids, stats, label)
    bytes_per_pixel = probe["count"] * (np.dtype(probe["dtype"]).itemsize + 1)
    tiles = plan_tiles(width, height, bytes_per_pixel, max_bytes=max_tile_bytes)

    parts = checkpoint_dir(output)
    manifest = {"version": CHECKPOINT_VERSION, "expression_sha256": expression_hash(expression), "grid": grid,
                "band_ids": list(band_ids or []), "dtype": probe["dtype"], "count": probe["count"],
                "tiles": [t.key for t in tiles]}
    _prepare_checkpoints(parts, manifest)
    missing = [t for t in tiles if not (parts / f"{t.key}.tif").is_file()]
    resumed = len(tiles) - len(missing)
    stats.add(tiles_resumed=resumed)
    if progress is not None and resumed:
        progress(resumed, len(tiles), 0)

    fetcher = _TileFetcher(client, expression, grid, band_ids, parts, stats, label, max_limit_splits)
    _fetch_all(fetcher, missing, workers, resumed, len(tiles), stats, progress)
    _mosaic(parts, tiles, grid, probe, output)
    shutil.rmtree(parts, ignore_errors=True)
    return GeoTiffResult(output, width, height, tuple(probe["descriptions"]), probe["dtype"], len(tiles),
                         len(missing), resumed)


def _probe(client: EERestClient, expression: dict, grid: dict, band_ids, stats, label) -> dict:
    """Band count, data type, CRS and band names, from a 1x1 request at the grid's corner."""
    data = client.compute_pixels(expression, Tile(0, 0, 1, 1).grid(grid), "GEO_TIFF", band_ids, None, stats, label)
    with rasterio.MemoryFile(data) as mem, mem.open() as ds:
        if len(set(ds.dtypes)) != 1:
            raise ValueError(f"computePixels returned bands of mixed types {ds.dtypes}; cast them to one type")
        if ds.count > limits.COMPUTE_PIXELS_MAX_BANDS:
            raise ValueError(f"{ds.count} bands is over EE's {limits.COMPUTE_PIXELS_MAX_BANDS}-band limit per "
                             "request; select fewer bands")
        names = [d or f"band_{i + 1}" for i, d in enumerate(ds.descriptions)]
        return {"count": ds.count, "dtype": ds.dtypes[0], "crs": ds.crs.to_wkt() if ds.crs else None,
                "descriptions": names}


def _prepare_checkpoints(parts: Path, manifest: dict) -> None:
    """Keep `parts` if it was made for the same request; otherwise start it afresh."""
    path = parts / "manifest.json"
    if path.is_file():
        try:
            if json.loads(path.read_text()) == manifest:
                return
        except ValueError:
            pass
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir(parents=True)
    write_bytes_atomic(path, json.dumps(manifest, sort_keys=True).encode())


class _TileFetcher:
    """Fetches one tile to its checkpoint file, halving it while EE answers that it is too large (any number of
    times: the size limit is exact) or that it ran out of memory or time (at most `max_limit_splits` times)."""

    def __init__(self, client, expression, grid, band_ids, parts: Path, stats: TransferStats, label: RequestLabel,
                 max_limit_splits: int = MAX_LIMIT_SPLITS):
        self.client, self.expression, self.grid, self.band_ids = client, expression, grid, band_ids
        self.parts, self.stats, self.label = parts, stats, label
        self.max_limit_splits = max_limit_splits

    def fetch(self, tile: Tile) -> None:
        self._fetch_to(tile, self.parts / f"{tile.key}.tif")
        self.stats.add(tiles=1)

    def _fetch_to(self, tile: Tile, path: Path, limit_splits: int = 0) -> None:
        try:
            self.client.compute_pixels(self.expression, tile.grid(self.grid), "GEO_TIFF", self.band_ids, None,
                                       self.stats, self.label, sink=path)
            return
        except EERequestError as e:
            single_pixel = tile.width == 1 and tile.height == 1
            if e.is_request_too_large and not single_pixel:
                pass
            elif e.resource_limit is not None and not single_pixel and limit_splits < self.max_limit_splits:
                limit_splits += 1
                self.stats.add_retry(f"{e.resource_limit}_limit")
                log.warning("%s on a %dx%d tile: EE ran out of %s; split in two (split %d of at most %d)",
                            e.message, tile.width, tile.height, e.resource_limit, limit_splits, self.max_limit_splits)
            elif e.resource_limit is not None:
                raise EERequestError(
                    e.method, e.http_status, e.ee_status,
                    f"{e.message} (on a {tile.width}x{tile.height}-pixel piece at row {tile.y}, column {tile.x}, "
                    f"after {limit_splits} splits of its tile)", e.expression_sha256, e.label, e.attempts,
                    e.elapsed_s, e.quota_status) from None
            else:
                raise
        self.stats.add(tiles_split=1)
        pieces = tile.halves()
        piece_paths = [path.with_name(f"{path.stem}.{i}.tif") for i in range(2)]
        for piece, piece_path in zip(pieces, piece_paths, strict=True):
            self._fetch_to(piece, piece_path, limit_splits)
        _join(tile, pieces, piece_paths, path)
        for p in piece_paths:
            p.unlink(missing_ok=True)


def _join(tile: Tile, pieces: Sequence[Tile], paths: Sequence[Path], output: Path) -> None:
    """Write the pieces of a halved tile as one tile file (same layout as a tile fetched whole)."""
    with rasterio.open(paths[0]) as first:
        profile = first.profile | {"width": tile.width, "height": tile.height, "transform": first.transform,
                                   "nodata": None}  # masked pixels are marked by the internal mask written below
        descriptions = first.descriptions

    def write(tmp: Path) -> None:
        with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(tmp, "w", **profile) as dst:
            dst.descriptions = descriptions
            for piece, path in zip(pieces, paths, strict=True):
                window = Window(piece.x - tile.x, piece.y - tile.y, piece.width, piece.height)
                with rasterio.open(path) as src:
                    data, valid = _read_valid(src)
                    dst.write(data, window=window)
                    dst.write_mask(valid, window=window)

    write_atomic(output, write)


def _read_valid(src: rasterio.DatasetReader, window: Window | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A window's bands with 0 wherever a pixel is masked, and its mask as GDAL writes masks (0 or 255)."""
    data = src.read(window=window)
    valid = valid_mask(src, window, data)
    data[:, ~valid] = 0
    return data, valid.astype(np.uint8) * 255


def _fetch_all(fetcher: _TileFetcher, tiles: list[Tile], workers: int, done: int, total: int,
               stats: TransferStats, progress: Progress | None) -> None:
    """Fetch `tiles` on a bounded pool; the first failure cancels what has not started and is raised."""
    if not tiles:
        return
    lock = threading.Lock()
    counter = {"done": done}

    def fetch(tile: Tile) -> None:
        fetcher.fetch(tile)
        with lock:
            counter["done"] += 1
            finished = counter["done"]
        if progress is not None:
            progress(finished, total, stats.bytes_received)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ee-tile") as pool:
        futures = [pool.submit(fetch, t) for t in tiles]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in finished if f.exception() is not None]
        if failed:
            pool.shutdown(wait=True, cancel_futures=True)
            raise failed[0].exception()


def _grid_transform(grid: dict) -> Affine:
    t = grid["affineTransform"]
    return Affine(*(float(t.get(k, 0.0)) for k in ("scaleX", "shearX", "translateX", "shearY", "scaleY",
                                                   "translateY")))


def _mosaic(parts: Path, tiles: list[Tile], grid: dict, probe: dict, output: Path) -> None:
    """Copy the tiles into one GeoTIFF in `parts`, one 256-row stripe at a time, top to bottom, then write it as a
    COG at `output` (atomically).

    Writing whole stripes in a fixed order makes the file's bytes independent of how it was tiled.
    """
    width, height = grid_size(grid)
    count, dtype = probe["count"], probe["dtype"]
    profile = MOSAIC_PROFILE | {"width": width, "height": height, "count": count, "dtype": dtype,
                                "crs": probe["crs"], "transform": _grid_transform(grid)}
    for tile in tiles:
        with rasterio.open(parts / f"{tile.key}.tif") as src:
            if (src.width, src.height, src.count) != (tile.width, tile.height, count):
                raise ValueError(f"tile {tile.key} came back as {src.width}x{src.height}x{src.count}; the server "
                                 "did not honour the requested grid")

    def write(tmp: Path) -> None:
        with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True, GDAL_CACHEMAX=GDAL_CACHE_MB), \
                rasterio.open(tmp, "w", **profile) as dst:
            dst.descriptions = tuple(probe["descriptions"])
            for top in range(0, height, ALIGN):
                rows = min(ALIGN, height - top)
                data = np.zeros((count, rows, width), dtype)
                mask = np.zeros((rows, width), np.uint8)
                for tile in tiles:
                    first, last = max(top, tile.y), min(top + rows, tile.y + tile.height)
                    if first >= last:
                        continue
                    window = Window(0, first - tile.y, tile.width, last - first)
                    with rasterio.open(parts / f"{tile.key}.tif") as src:
                        block, valid = _read_valid(src, window)
                        data[:, first - top:last - top, tile.x:tile.x + tile.width] = block
                        mask[first - top:last - top, tile.x:tile.x + tile.width] = valid
                stripe = Window(0, top, width, rows)
                dst.write(data, window=stripe)
                dst.write_mask(mask, window=stripe)

    mosaic = parts / ".mosaic.tif"  # scratch, next to the checkpoints
    write(mosaic)
    write_atomic(output, lambda tmp: write_cog(mosaic, tmp))
    mosaic.unlink()

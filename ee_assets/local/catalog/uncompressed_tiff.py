"""Windows of uncompressed GeoTIFFs copied straight from the file into place, without GDAL's block cache.

For an uncompressed file, a GDAL read is mostly bookkeeping and copies: each block goes through its block cache, and
a dataset opened per tile starts with an empty one (benchmarks/local_engine.py's end-to-end row reads 256 MB per
request). Here a file's blocks are copied once, from a memory map of the file, into the tile. Files are mapped while
their layout is cached, up to MAPPED_BYTES in all (the least recently used are unmapped first; a larger file is read
with `preadv`, a run of adjacent blocks at a time). Mapped pages are the page cache's: they count in the server's
resident set while mapped, but the kernel can drop them at any time.

The layout comes from tifffile and the meaning from rasterio: a file is read here only when both agree on size, type
and blocks, it is plain (no compression, predictor, sparse blocks or bit depths other than the type's), and the caller
needs no GDAL mask. Anything else gets None and goes through rasterio.

Replace catalog files by writing a new file and renaming it over the old one: a file truncated in place while a
request reads its mapping is a bus error for the process, as it is for any memory-mapped reader.
"""

from __future__ import annotations

import mmap
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import rasterio
from rasterio.enums import MaskFlags

LAYOUT_CACHE = 64  # files whose layout is kept (16 bytes per block)
MAPPED_BYTES = 1 << 30  # files mapped at once, in bytes; a file larger than this is read with preadv
RUN_BYTES = 4 << 20  # preadv: at most this many bytes of adjacent blocks per call

BlockDone = Callable[[slice, slice], None]


@dataclass(frozen=True)
class TiffLayout:
    """Where each block of each band lies in an uncompressed GeoTIFF's first image."""

    path: str
    width: int
    height: int
    block_w: int  # tiles: the tile width; strips: the image width
    block_h: int  # tiles: the tile height; strips: rows per strip
    dtype: np.dtype  # with the file's byte order
    samples: int  # interleaved samples per pixel (1 when the bands are stored apart)
    offsets: np.ndarray  # int64 [band plane, block row, block column]; one plane when samples > 1
    all_valid: tuple[bool, ...]  # per band: GDAL reports no mask (no nodata, no mask band)
    tiled: bool  # tiles are padded to full size at the edges; the last strip holds only the rows left
    mapped: np.ndarray | None = field(default=None, compare=False, repr=False)  # the file's bytes, or None: preadv

    @property
    def native_dtype(self) -> np.dtype:
        return self.dtype.newbyteorder("=")

    def block_bytes(self, rows: int) -> int:
        return rows * self.block_w * self.samples * self.dtype.itemsize

    def band_blocks(self, band: int) -> np.ndarray | None:
        """Band `band` (1-based) where it lies in the mapping, without a copy: (block rows, block columns, block
        height, block width) of its native type (strips: one block of the whole image). None when the file is not
        mapped, interleaves samples, is not in the machine's byte order, or does not store the band's blocks one
        after another (then `read` copies them). GDAL does not align blocks to the type's size: the kernels then read
        with unaligned loads, which x86-64 and arm64 do."""
        if self.mapped is None or self.samples != 1 or not self.dtype.isnative:
            return None
        offsets = self.offsets[band - 1]
        first = int(offsets[0, 0])
        size = self.block_bytes(self.block_h)
        if np.any(offsets.ravel() != first + size * np.arange(offsets.size)):
            return None
        if self.tiled:
            shape = (*offsets.shape, self.block_h, self.block_w)
        else:  # strips one after another: the image's rows, the last strip holding only the rows left
            shape = (1, 1, self.height, self.width)
        end = first + int(np.prod(shape)) * self.dtype.itemsize
        if end > self.mapped.nbytes:
            return None
        return self.mapped[first:end].view(self.dtype).reshape(shape)

    def read(self, band: int, row: int, col: int, out: np.ndarray, each_block: BlockDone | None = None) -> None:
        """Fill `out` (height, width) with band `band` (1-based) from pixel (row, col) of the file; the window
        must lie inside the image. `each_block(rows, cols)` is called with the part of `out` each block filled, right
        after it is copied (while it is in the CPU's cache)."""
        height, width = out.shape
        if row < 0 or col < 0 or row + height > self.height or col + width > self.width:
            raise ValueError(f"window {row},{col} {height}x{width} is outside {self.path} ({self.height}x"
                             f"{self.width})")
        plane = 0 if self.samples > 1 else band - 1
        sample = band - 1 if self.samples > 1 else 0
        fd = os.open(self.path, os.O_RDONLY) if self.mapped is None else -1
        try:
            if self.tiled:
                self._read_tiles(fd, plane, sample, row, col, out, each_block)
            else:
                self._read_strips(fd, plane, sample, row, col, out, each_block)
        finally:
            if fd >= 0:
                os.close(fd)

    def _read_tiles(self, fd: int, plane: int, sample: int, row: int, col: int, out: np.ndarray,
                    each_block: BlockDone | None) -> None:
        height, width = out.shape
        size = self.block_bytes(self.block_h)
        for block_row in range(row // self.block_h, (row + height - 1) // self.block_h + 1):
            top = block_row * self.block_h
            r0, r1 = max(row, top), min(row + height, top + self.block_h)
            offsets = self.offsets[plane, block_row]
            for start, stop in self._runs(offsets, col // self.block_w, (col + width - 1) // self.block_w, size):
                tiles = self._bytes(fd, int(offsets[start]), (stop - start) * size)
                tiles = tiles.reshape(stop - start, self.block_h, self.block_w, self.samples)
                for k in range(start, stop):  # each tile's part of the window, copied into place
                    left = k * self.block_w
                    c0, c1 = max(col, left), min(col + width, left + self.block_w)
                    rows, cols = slice(r0 - row, r1 - row), slice(c0 - col, c1 - col)
                    out[rows, cols] = tiles[k - start, r0 - top:r1 - top, c0 - left:c1 - left, sample]
                    if each_block is not None:
                        each_block(rows, cols)

    def _read_strips(self, fd: int, plane: int, sample: int, row: int, col: int, out: np.ndarray,
                     each_block: BlockDone | None) -> None:
        height, width = out.shape
        offsets = self.offsets[plane, :, 0]
        first, last = row // self.block_h, (row + height - 1) // self.block_h
        for start, stop in self._runs(offsets, first, last, self.block_bytes(self.block_h)):
            top, bottom = start * self.block_h, min(stop * self.block_h, self.height)
            rows = self._bytes(fd, int(offsets[start]), self.block_bytes(bottom - top))
            rows = rows.reshape(bottom - top, self.width, self.samples)
            r0, r1 = max(row, top), min(row + height, bottom)
            out[r0 - row:r1 - row] = rows[r0 - top:r1 - top, col:col + width, sample]
            if each_block is not None:
                each_block(slice(r0 - row, r1 - row), slice(0, width))

    def _runs(self, offsets: np.ndarray, first: int, last: int, size: int) -> Iterator[tuple[int, int]]:
        """[start, stop) blocks among first..last whose bytes follow each other in the file (at most RUN_BYTES of
        them when read with preadv)."""
        most = last - first + 1 if self.mapped is not None else max(1, RUN_BYTES // size)
        start = first
        for k in range(first + 1, last + 2):
            if k > last or k - start >= most or offsets[k] != offsets[k - 1] + size:
                yield start, k
                start = k

    def _bytes(self, fd: int, offset: int, nbytes: int) -> np.ndarray:
        """The file's bytes [offset, offset + nbytes) as the band's type: a view of the mapping, or read into this
        thread's buffer."""
        if self.mapped is not None:
            found = self.mapped[offset:offset + nbytes]
        else:
            found = _scratch(nbytes)
            nbytes_read = os.preadv(fd, [found], offset)
            found = found[:nbytes_read]
        if found.nbytes != nbytes:
            raise OSError(f"{self.path}: the file ends inside a block (needed {nbytes} bytes at {offset}); was it "
                          "truncated while being read?")
        return found.view(self.dtype)


_local = threading.local()


def _scratch(nbytes: int) -> np.ndarray:
    """This thread's read buffer of `nbytes` (reused: a fresh one would be page-faulted in on every read)."""
    buffer = getattr(_local, "buffer", None)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = _local.buffer = np.empty(max(nbytes, 1 << 20), np.uint8)
    return buffer[:nbytes]


_layouts: OrderedDict[tuple, TiffLayout | None] = OrderedDict()
_layouts_lock = threading.Lock()


def layout(path: str) -> TiffLayout | None:
    """The file's layout when its windows can be read here, else None; kept per path, size and modification time
    (a rewritten file is inspected again)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_size, stat.st_mtime_ns)
    with _layouts_lock:
        if key in _layouts:
            _layouts.move_to_end(key)
            return _layouts[key]
    found = _inspect(path)
    if found is not None and stat.st_size <= MAPPED_BYTES:
        found = _mapped(found)
    with _layouts_lock:
        _layouts[key] = found
        mapped = 0
        for k in reversed(_layouts):  # newest first: the oldest mappings go first
            entry = _layouts[k]
            if entry is not None and entry.mapped is not None:
                mapped += entry.mapped.nbytes
                if mapped > MAPPED_BYTES:  # readers still holding the mapping keep it until they are done
                    _layouts[k] = TiffLayout(**{**entry.__dict__, "mapped": None})
        while len(_layouts) > LAYOUT_CACHE:
            _layouts.popitem(last=False)
    return found


def _mapped(found: TiffLayout) -> TiffLayout:
    try:
        with open(found.path, "rb") as f:
            mapping = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # e.g. a file system that cannot map: read with preadv
        return found
    return TiffLayout(**{**found.__dict__, "mapped": np.frombuffer(mapping, np.uint8)})


def _inspect(path: str) -> TiffLayout | None:
    import tifffile  # on first use: its import takes ~0.1 s, and many processes never read a GeoTIFF

    try:
        with rasterio.open(path, driver="GTiff") as ds:  # only GeoTIFF: never a VRT's sources (containment.py)
            if ds.compression is not None or len(set(ds.dtypes)) != 1:
                return None
            meaning = (ds.width, ds.height, np.dtype(ds.dtypes[0]), ds.count, set(ds.block_shapes),
                       tuple(MaskFlags.all_valid in flags for flags in ds.mask_flag_enums))
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            if (page.compression != 1 or page.predictor != 1 or page.fillorder != 1 or page.imagedepth != 1
                    or page.dtype is None or page.bitspersample != page.dtype.itemsize * 8):
                return None
            samples, separate, tiled = page.samplesperpixel, page.planarconfig == 2, bool(page.is_tiled)
            width, height = page.imagewidth, page.imagelength
            if tiled:
                block_w, block_h = page.tilewidth, page.tilelength
            else:
                block_w, block_h = width, min(page.rowsperstrip or height, height)
            offsets = np.asarray(page.dataoffsets, np.int64)
            counts = np.asarray(page.databytecounts, np.int64)
            dtype = page.dtype.newbyteorder(tif.byteorder)
    except (OSError, rasterio.errors.RasterioError, tifffile.TiffFileError, ValueError):
        return None
    planes, down, across = samples if separate else 1, -(-height // block_h), -(-width // block_w)
    rio_width, rio_height, rio_dtype, count, block_shapes, all_valid = meaning
    if (rio_width, rio_height, rio_dtype, count) != (width, height, dtype.newbyteorder("="), samples) or \
            block_shapes != {(block_h, block_w)} or offsets.size != planes * down * across:
        return None
    if np.any(offsets <= 0) or np.any(counts <= 0):  # sparse blocks: GDAL fills them in
        return None
    found = TiffLayout(path, width, height, block_w, block_h, dtype, 1 if separate else samples,
                       offsets.reshape(planes, down, across), all_valid, tiled)
    rows = [block_h if tiled else min(block_h, height - r * block_h) for r in range(down)]
    needed = np.array([found.block_bytes(n) for n in rows])[None, :, None]
    if np.any(counts.reshape(planes, down, across) < needed):
        return None  # a block shorter than its pixels
    return found

"""Deterministic, spatially coherent noise: a pure function of world coordinates and a seed.

Every value depends only on the point it is asked for (no array position, no window origin), so a window computed
in one piece and the same window assembled from pieces give identical bytes. Per point only exactly-rounded
operations are used (+, -, *, /, floor, integer hashing; no sin/exp whose vectorized and scalar paths may differ),
compiled with numba without fast-math.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ee_assets.local.kernels.jit import jit

_MASK64 = 0xFFFFFFFFFFFFFFFF
_UNIT = 1.0 / float(1 << 53)


def seed_of(*parts: object) -> int:
    """A 63-bit seed from strings and integers (stable across processes, unlike hash())."""
    h = 0xCBF29CE484222325
    for part in parts:
        for byte in str(part).encode() + b"\x1f":
            h = ((h ^ byte) * 0x100000001B3) & _MASK64
    return h >> 1


@jit
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@jit
def _lattice(ix, iy, seed):
    """A uniform [0, 1) value of one integer lattice cell."""
    z = (np.uint64(ix) * np.uint64(0x632BE59BD9B4E019) + np.uint64(iy) * np.uint64(0x85157AF5D2F8A9B3)
         + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15))
    return float(_mix(z) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit
def _value(x, y, cell, seed):
    fx = x / cell
    fy = y / cell
    x0 = np.floor(fx)
    y0 = np.floor(fy)
    tx = fx - x0
    ty = fy - y0
    ix = np.int64(x0)
    iy = np.int64(y0)
    ux = tx * tx * tx * (tx * (tx * 6.0 - 15.0) + 10.0)
    uy = ty * ty * ty * (ty * (ty * 6.0 - 15.0) + 10.0)
    v00 = _lattice(ix, iy, seed)
    v10 = _lattice(ix + 1, iy, seed)
    v01 = _lattice(ix, iy + 1, seed)
    v11 = _lattice(ix + 1, iy + 1, seed)
    a = v00 + (v10 - v00) * ux
    b = v01 + (v11 - v01) * ux
    return a + (b - a) * uy


@jit
def _fbm(x, y, coarsest, octaves, seed, gain, out):
    for i in range(x.size):
        total = 0.0
        amp = 1.0
        norm = 0.0
        cell = coarsest
        for k in range(octaves):
            total += amp * _value(x[i], y[i], cell, (seed + 40503 * (k + 1)) & 0x7FFFFFFFFFFFFFFF)
            norm += amp
            amp *= gain
            cell *= 0.5
        out[i] = total / norm


@jit
def _cells(ix, iy, seed, out):
    for i in range(ix.size):
        out[i] = _lattice(ix[i], iy[i], seed)


def _flat(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).ravel()


def fbm(x, y, coarsest: float, octaves: int, seed: int, gain: float = 0.5) -> np.ndarray:
    """Fractal sum of `octaves` smooth value-noise layers (quintic interpolation of hashed lattice values), from
    cells of `coarsest` size down by halves; values in [0, 1], shaped like the broadcast of x and y."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    out = np.empty(x.size)
    _fbm(_flat(x), _flat(y), float(coarsest), max(1, int(octaves)), int(seed) & 0x7FFFFFFFFFFFFFFF, float(gain), out)
    return out.reshape(x.shape)


def lattice_unit(ix, iy, seed: int) -> np.ndarray:
    """A uniform [0, 1) value per integer lattice cell (int arrays)."""
    ix, iy = np.broadcast_arrays(np.asarray(ix, np.int64), np.asarray(iy, np.int64))
    out = np.empty(ix.size)
    _cells(np.ascontiguousarray(ix).ravel(), np.ascontiguousarray(iy).ravel(), int(seed) & 0x7FFFFFFFFFFFFFFF, out)
    return out.reshape(ix.shape)


Layer = tuple[float, int, float, float]
"""(coarsest cell, octaves, gain, weight) of one fbm layer of a mixture."""


def mixture(x, y, layers: tuple[Layer, ...], seed: int) -> np.ndarray:
    """Weighted sum of fbm layers (each from its own seed), normalized to [0, 1]."""
    total = None
    weights = 0.0
    for i, (coarsest, octaves, gain, weight) in enumerate(layers):
        if octaves <= 0 or weight <= 0:
            continue
        v = weight * fbm(x, y, coarsest, octaves, (seed + 0x2545F491 * (i + 1)) & 0x7FFFFFFFFFFFFFFF, gain)
        total = v if total is None else total + v
        weights += weight
    if total is None:
        return np.full(np.broadcast(np.asarray(x), np.asarray(y)).shape, 0.5)
    return total / weights


@lru_cache(maxsize=64)
def _quantiles(layers: tuple[Layer, ...]) -> np.ndarray:
    """Quantiles (0, 1/256, …, 1) of a mixture's values, measured once on fixed points spanning many cells of its
    coarsest layer and, separately, of its finest one (so fine-only mixtures are measured well too)."""
    coarsest = max(layer[0] for layer in layers if layer[1] > 0 and layer[3] > 0) if any(
        layer[1] > 0 and layer[3] > 0 for layer in layers) else 1.0
    n = 320
    g = (np.arange(n, dtype=np.float64) + 0.37) * (coarsest * 0.173)
    x, y = np.meshgrid(g, g * 1.13)
    v = np.sort(mixture(x.ravel(), y.ravel(), layers, 0x5EED))
    q = v[np.linspace(0, v.size - 1, 257).round().astype(int)]
    q[0], q[-1] = 0.0, 1.0
    return np.maximum.accumulate(q)


def uniform_mixture(x, y, layers: tuple[Layer, ...], seed: int) -> np.ndarray:
    """A mixture remapped through its own distribution, so values spread about uniformly over [0, 1] over large
    areas: the area above a threshold t is then about 1 - t (how a cloud-cover percentage becomes a cloud mask)."""
    layers = tuple((float(c), int(o), float(g), float(w)) for c, o, g, w in layers)
    v = mixture(x, y, layers, seed)
    return np.interp(v, _quantiles(layers), np.linspace(0.0, 1.0, 257))


def uniform_fbm(x, y, coarsest: float, octaves: int, seed: int, gain: float = 0.5) -> np.ndarray:
    """One fbm layer remapped to about uniform values (see uniform_mixture)."""
    return uniform_mixture(x, y, ((coarsest, octaves, gain, 1.0),), seed)

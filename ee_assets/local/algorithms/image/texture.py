"""Image.glcmTexture: Haralick's and Conners' texture metrics from the grey-level co-occurrence matrix (GLCM) around
each pixel.

For each direction — by default the four of a 3 x 3 square, offsets (x, y) = (-1, -1), (0, -1), (1, -1), (-1, 0), as
EE documents; else the kernel's non-zero cells but the centre, one per direction and distance — the GLCM counts the
pairs (value at p, value at p + offset) with both pixels unmasked inside the (2·size + 1)² window, in both orders
(a symmetric matrix), normalized to probabilities p(i, j). Per direction, with μ and σ² the mean and variance of the
marginal p(i) (equal to p(j)), p₊(k) the distribution of i + j and p₋(k) of |i − j|:
asm Σp², contrast = inertia Σ(i−j)²p, corr (Σijp − μ²)/σ², var σ², idm Σp/(1+(i−j)²), savg Σk p₊, svar Σ(k−savg)²p₊,
sent −Σp₊ ln p₊, ent −Σp ln p, dvar the variance of p₋, dent −Σp₋ ln p₋, imcorr1 (HXY − HXY1)/HX and imcorr2
√(1 − exp(−2(HXY2 − HXY))) with HXY = ent, HX the entropy of p(i) and HXY1 = HXY2 = 2·HX, maxcorr 0 (EE: "not
computed"), diss Σ|i−j|p, shade Σ(i+j−2μ)³p, prom Σ(i+j−2μ)⁴p. The directions are then averaged (`average`).
Natural logarithms; a constant window has corr 0."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, MapRecipe, Pixels, Recipe
from ee_assets.local.values.kernel import Kernel

IMG = "Image<unknown bands>"
METRICS = ("asm", "contrast", "corr", "var", "idm", "savg", "svar", "sent", "ent", "dvar", "dent", "imcorr1",
           "imcorr2", "maxcorr", "diss", "inertia", "shade", "prom")
DEFAULT_OFFSETS = ((-1, -1), (0, -1), (1, -1), (-1, 0))  # (x, y), EE's default 3 x 3 kernel
GLCM_BYTES_PER_PAIR = 220  # peak scratch per pixel and window pair (tracemalloc: 205-213 for sizes 1-3)


def _group_sums(keys: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For every pixel, the weight of each distinct key along axis 0: an (n, pixels) array, zero-padded."""
    n = keys.shape[0]
    order = np.argsort(keys, axis=0, kind="stable")
    k = np.take_along_axis(keys, order, 0).reshape(n, -1)
    w = np.take_along_axis(weights, order, 0).reshape(n, -1)
    new = np.ones_like(k, dtype=bool)
    new[1:] = k[1:] != k[:-1]
    run = np.cumsum(new, axis=0) - 1  # run index per pixel
    pixel = np.arange(k.shape[1])
    ids = (pixel[None, :] * n + run).ravel()
    return np.bincount(ids, weights=w.ravel(), minlength=n * k.shape[1]).reshape(k.shape[1], n).T


def _entropy(groups: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        p = groups / total
        return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0.0), axis=0)


def glcm_metrics(i: np.ndarray, j: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """The metrics of the symmetric GLCMs whose pairs are (i, j) with weights w (0 for a masked pair), each array
    (pairs, h, w); values (h, w), NaN where no pair is valid."""
    i, j, w = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([w, w])
    shape = i.shape[1:]
    total = w.sum(axis=0)
    with np.errstate(all="ignore"):
        def mean(f):
            return (w * f).sum(axis=0) / total

        mu = mean(i)
        var = mean((i - mu) ** 2)
        d, s = i - j, i + j
        big = np.abs(np.concatenate([i, j])).max() + 1 if i.size else 1
        flat_total = total.reshape(-1)
        pairs = _group_sums(i * 2 * big + j, w)
        ent = _entropy(pairs, flat_total).reshape(shape)
        hx = _entropy(_group_sums(i, w), flat_total).reshape(shape)
        savg = mean(s)
        ad = np.abs(d)
        out = {
            "asm": (pairs**2).sum(axis=0).reshape(shape) / total**2,
            "contrast": mean(d**2), "corr": np.where(var > 0, (mean(i * j) - mu**2) / var, 0.0), "var": var,
            "idm": mean(1.0 / (1.0 + d**2)), "savg": savg, "svar": mean((s - savg) ** 2),
            "sent": _entropy(_group_sums(s, w), flat_total).reshape(shape), "ent": ent,
            "dvar": mean((ad - mean(ad)) ** 2), "dent": _entropy(_group_sums(ad, w), flat_total).reshape(shape),
            "imcorr1": np.where(hx > 0, (ent - 2 * hx) / hx, 0.0),
            "imcorr2": np.sqrt(np.clip(1.0 - np.exp(-2.0 * (2 * hx - ent)), 0.0, None)),
            "maxcorr": np.zeros(shape), "diss": mean(ad), "inertia": mean(d**2),
            "shade": mean((s - 2 * mu) ** 3), "prom": mean((s - 2 * mu) ** 4),
        }
    return {k: np.where(total > 0, v, np.nan) for k, v in out.items()}


@dataclass(eq=False)
class GlcmRecipe(Recipe):
    """All 18 metrics at once, stacked as values (18, h, w)."""

    input: Recipe
    size: int
    offsets: tuple[tuple[int, int], ...]

    @property
    def scratch_bytes_per_pixel(self) -> int:  # type: ignore[override]
        """The pairs of a window stacked per pixel, and the metrics' temporaries over them (one direction at a
        time), plus the per-direction metrics kept until they are averaged."""
        pairs = (2 * self.size + 1) ** 2
        return GLCM_BYTES_PER_PAIR * pairs + 8 * len(METRICS) * (len(self.offsets) + 2)

    def compute(self, grid: Grid) -> Pixels:
        r = self.size
        reach = r + max(max(abs(dx), abs(dy)) for dx, dy in self.offsets)
        values, mask = self.input.evaluate(grid.window(-reach, -reach, grid.width + 2 * reach,
                                                       grid.height + 2 * reach))
        valid = mask > 0
        h, wd = grid.shape
        per_direction = []
        for dx, dy in self.offsets:
            firsts, seconds, weights = [], [], []
            for a in range(-r, r + 1):
                for b in range(-r, r + 1):
                    if not (-r <= a + dy <= r and -r <= b + dx <= r):
                        continue
                    p = (slice(reach + a, reach + a + h), slice(reach + b, reach + b + wd))
                    q = (slice(reach + a + dy, reach + a + dy + h), slice(reach + b + dx, reach + b + dx + wd))
                    firsts.append(values[p])
                    seconds.append(values[q])
                    weights.append((valid[p] & valid[q]).astype(np.float64))
            w = np.stack(weights)
            per_direction.append(glcm_metrics(np.where(w > 0, np.stack(firsts), 0.0),
                                              np.where(w > 0, np.stack(seconds), 0.0), w))
        stacked = np.stack([np.nanmean(np.stack([m[k] for m in per_direction]), axis=0) for k in METRICS])
        centre = valid[reach:reach + h, reach:reach + wd]
        ok = centre & ~np.isnan(stacked[0])
        return np.where(ok, np.nan_to_num(stacked), 0.0), ok.astype(np.float32)


def _offsets(kernel) -> tuple[tuple[int, int], ...]:
    if kernel is None:
        return DEFAULT_OFFSETS
    if not isinstance(kernel, Kernel):
        raise InvalidArgument("Image.glcmTexture: 'kernel' must be a Kernel.")
    weights, cx, cy = kernel.weights(1.0)
    seen, out = set(), []
    for row in range(weights.shape[0]):  # left to right, top to bottom
        for col in range(weights.shape[1]):
            dx, dy = col - cx, row - cy
            if weights[row, col] == 0 or (dx, dy) == (0, 0) or (dx, dy) in seen or (-dx, -dy) in seen:
                continue
            seen.add((dx, dy))
            out.append((dx, dy))
    if not out:
        raise InvalidArgument("Image.glcmTexture: the kernel has no non-zero cell besides the centre.")
    return tuple(out)


@algorithm("Image.glcmTexture", returns=IMG, image=IMG, size="Integer", kernel="Kernel", average="Boolean")
def glcm_texture(image: Image, size: int = 1, kernel=None, average: bool = True) -> Image:
    """18 bands per input band, '<band>_<metric>' (asm, contrast, corr, …, prom), averaged over the directions."""
    img = as_image(image)
    n = int(as_number(size, "size"))
    if n < 1:
        raise InvalidArgument(f"Image.glcmTexture: size must be at least 1, got {n}.")
    if not average:
        raise InvalidArgument("Image.glcmTexture: average=false (one band set per direction) is not supported by "
                              "the local backend; use average=true.")
    offsets = _offsets(kernel)
    bands = []
    for b in img.bands:
        if b.dtype.kind not in "iub":
            raise InvalidArgument(f"Image.glcmTexture: inputs must be integer valued; band '{b.name}' is "
                                  f"{b.dtype}. Cast it first (e.g. toInt()).")
        metrics = GlcmRecipe(b.recipe, n, offsets)
        bands.extend(Band(f"{b.name}_{m}", np.dtype(np.float64), b.projection,
                          MapRecipe(lambda px, k=k: (px[0][0][k], px[0][1]), (metrics,)), b.extent)
                     for k, m in enumerate(METRICS))
    return img.with_bands(bands)

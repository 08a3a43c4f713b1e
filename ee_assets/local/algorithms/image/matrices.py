"""Per-pixel linear algebra on 2-D array bands: Image.matrixSolve (the least-squares step of EE's regression guide:
collection.toArray() sliced into predictors and response), inverses, determinant, trace, norms, diagonals and the
decompositions, each numpy's function applied to the stack of every pixel's matrix. Decompositions give one band
per factor, named as Array.matrix*Decomposition names them (L; Q, R; U, S, V)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.image.arrays import array_band, array_transpose, single_array_band
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_number
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.image import ArrayBand, Band, ConstantArrayRecipe, Image, MapRecipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION

IMG = "Image<unknown bands>"
FLOAT64 = np.dtype(np.float64)


def _matrix(op: str, image, name: str = "value", square: bool = False) -> ArrayBand:
    band = single_array_band(as_image(image, name), op, name)
    if band.dimensions != 2 or (square and band.shape[0] != band.shape[1]):
        raise InvalidArgument(f"{op}: expected {'square ' if square else ''}2-D matrices, got arrays of shape "
                              f"{list(band.shape)}.")
    return band


def _safe(fn: Callable[[np.ndarray], np.ndarray]) -> Callable:
    """fn on every pixel's matrix; a pixel whose matrix fn cannot handle (singular, not positive definite)
    is masked."""
    def run(px):
        values, mask = px[0]
        try:
            with np.errstate(all="ignore"):
                return fn(values), mask
        except np.linalg.LinAlgError:
            out, ok = [], np.ones(values.shape[:2], bool)
            for idx in np.ndindex(values.shape[:2]):
                try:
                    out.append(fn(values[idx][None, None])[0, 0])
                except np.linalg.LinAlgError:
                    ok[idx] = False
                    out.append(None)
            sample = next(o for o in out if o is not None) if any(o is not None for o in out) else np.zeros(0)
            filled = [np.zeros_like(sample) if o is None else o for o in out]
            return np.stack(filled).reshape(values.shape[:2] + np.shape(sample)), np.where(ok, mask, 0.0)
    return run


def _unary(op: str, value, fn: Callable, shape: Callable[[tuple], tuple], square: bool = False) -> Image:
    band = _matrix(op, value, square=square)
    out_shape = shape(band.shape)
    recipe = MapRecipe(_safe(fn), (band.recipe,))
    if out_shape == ():
        return as_image(value).with_bands([Band(band.name, FLOAT64, band.projection, recipe, band.extent)])
    return as_image(value).with_bands([array_band(band, band.name, recipe, out_shape)])


@algorithm("Image.matrixSolve", returns=IMG, image1=IMG, image2=IMG)
def matrix_solve(image1: Image, image2: Image) -> Image:
    """x in A · x = B per pixel, the least-squares solution when A is overdetermined (numpy's pseudo-inverse)."""
    op = "Image.matrixSolve"
    a, b = _matrix(op, image1, "image1"), _matrix(op, image2, "image2")
    if a.shape[0] != b.shape[0]:
        raise InvalidArgument(f"{op}: A {list(a.shape)} and B {list(b.shape)} need the same number of rows.")

    def solve(px):
        with np.errstate(all="ignore"):
            return np.linalg.pinv(px[0][0]) @ px[1][0], np.minimum(px[0][1], px[1][1])

    native = a if a.extent is not None else b
    recipe = MapRecipe(solve, (a.recipe, b.recipe))
    return as_image(image1).with_bands([array_band(native, a.name, recipe, (a.shape[1], b.shape[1]))])


@algorithm("Image.matrixInverse", returns=IMG, value=IMG)
def matrix_inverse(value: Image) -> Image:
    return _unary("Image.matrixInverse", value, np.linalg.inv, lambda s: s, square=True)


@algorithm("Image.matrixPseudoInverse", returns=IMG, value=IMG)
def matrix_pseudo_inverse(value: Image) -> Image:
    return _unary("Image.matrixPseudoInverse", value, np.linalg.pinv, lambda s: (s[1], s[0]))


@algorithm("Image.matrixDeterminant", returns=IMG, value=IMG)
def matrix_determinant(value: Image) -> Image:
    return _unary("Image.matrixDeterminant", value, np.linalg.det, lambda s: (), square=True)


@algorithm("Image.matrixTrace", returns=IMG, value=IMG)
def matrix_trace(value: Image) -> Image:
    return _unary("Image.matrixTrace", value, lambda v: np.trace(v, axis1=-2, axis2=-1), lambda s: ())


@algorithm("Image.matrixFnorm", returns=IMG, value=IMG)
def matrix_fnorm(value: Image) -> Image:
    return _unary("Image.matrixFnorm", value, lambda v: np.sqrt((v**2).sum(axis=(-2, -1))), lambda s: ())


@algorithm("Image.matrixDiagonal", returns=IMG, value=IMG)
def matrix_diagonal(value: Image) -> Image:
    """The diagonal as a column (n x 1)."""
    return _unary("Image.matrixDiagonal", value, lambda v: np.diagonal(v, axis1=-2, axis2=-1)[..., None],
                  lambda s: (min(s), 1))


@algorithm("Image.matrixToDiag", returns=IMG, value=IMG)
def matrix_to_diag(value: Image) -> Image:
    """A square matrix with the single-column (or single-row) input on its diagonal."""
    band = _matrix("Image.matrixToDiag", value)
    n = band.shape[0] * band.shape[1]
    if 1 not in band.shape:
        raise InvalidArgument(f"Image.matrixToDiag: expected a single column or row, got {list(band.shape)}.")

    def to_diag(v):
        flat = v.reshape(v.shape[:2] + (n,))
        return flat[..., :, None] * np.eye(n)

    return _unary("Image.matrixToDiag", value, to_diag, lambda s: (n, n))


@algorithm("Image.matrixTranspose", returns=IMG, input=IMG, axis1="Integer", axis2="Integer")
def matrix_transpose(input: Image, axis1: int = 0, axis2: int = 1) -> Image:
    return array_transpose(input, axis1, axis2)


@algorithm("Image.matrixIdentity", returns=IMG, size="Integer")
def matrix_identity(size: int) -> Image:
    """A constant image whose every pixel is the size x size identity matrix (band 'identity')."""
    n = int(as_number(size, "size"))
    if n < 1:
        raise InvalidArgument(f"Image.matrixIdentity: size must be positive, got {n}.")
    eye = np.eye(n)
    return Image([ArrayBand("identity", FLOAT64, DEFAULT_PROJECTION, ConstantArrayRecipe(eye), None, (n, n))])


def _factors(op: str, image, factor_shapes: dict[str, Callable[[tuple], tuple]],
             compute: Callable[[np.ndarray], dict]) -> Image:
    band = _matrix(op, image, "image")
    run = _safe(lambda v: np.concatenate([f.reshape(f.shape[:2] + (-1,)) for f in compute(v).values()], axis=-1))
    packed = MapRecipe(run, (band.recipe,))
    shapes = {name: shape(band.shape) for name, shape in factor_shapes.items()}
    bands, start = [], 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        recipe = MapRecipe(lambda px, s=start, e=start + size, shp=shape: (
            px[0][0][..., s:e].reshape(px[0][0].shape[:2] + shp), px[0][1]), (packed,))
        bands.append(array_band(band, name, recipe, shape))
        start += size
    return as_image(image).with_bands(bands)


@algorithm("Image.matrixCholeskyDecomposition", returns=IMG, image=IMG)
def matrix_cholesky(image: Image) -> Image:
    """Band 'L', lower triangular with L · Lᵀ = the input; pixels whose matrix is not positive definite are
    masked."""
    return _factors("Image.matrixCholeskyDecomposition", image, {"L": lambda s: s},
                    lambda v: {"L": np.linalg.cholesky(v)})


@algorithm("Image.matrixQRDecomposition", returns=IMG, image=IMG)
def matrix_qr(image: Image) -> Image:
    """Bands 'Q' (orthogonal, m x k) and 'R' (upper triangular, k x n), k = min(m, n)."""
    return _factors("Image.matrixQRDecomposition", image,
                    {"Q": lambda s: (s[0], min(s)), "R": lambda s: (min(s), s[1])},
                    lambda v: dict(zip("QR", np.linalg.qr(v), strict=True)))


@algorithm("Image.matrixSingularValueDecomposition", returns=IMG, image=IMG)
def matrix_svd(image: Image) -> Image:
    """Bands 'U' (m x k), 'S' (k x k diagonal) and 'V' (n x k), input = U · S · Vᵀ, k = min(m, n)."""
    def svd(v):
        u, s, vt = np.linalg.svd(v, full_matrices=False)
        return {"U": u, "S": s[..., :, None] * np.eye(s.shape[-1]), "V": np.swapaxes(vt, -1, -2)}

    return _factors("Image.matrixSingularValueDecomposition", image,
                    {"U": lambda s: (s[0], min(s)), "S": lambda s: (min(s), min(s)), "V": lambda s: (s[1], min(s))},
                    svd)

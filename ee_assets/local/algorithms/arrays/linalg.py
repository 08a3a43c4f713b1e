"""Array linear algebra: matrix products, inverses, solving, determinants, norms, diagonals, eigenvectors and the
Cholesky, QR, SVD and LU decompositions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_array, as_matrix
from ee_assets.local.algorithms.support.optional import scipy_linalg
from ee_assets.local.errors import InvalidArgument

A = "Array"


@algorithm("Array.matrixMultiply", returns=A, left=A, right=A)
def matrix_multiply(left, right) -> np.ndarray:
    a, b = as_array(left, "left"), as_array(right, "right")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise InvalidArgument(f"Array.matrixMultiply: shapes {list(a.shape)} and {list(b.shape)} do not multiply.")
    return a @ b


@algorithm("Array.matrixInverse", returns=A, input=A)
def matrix_inverse(input) -> np.ndarray:
    m = as_matrix(input, "Array.matrixInverse", square=True)
    try:
        return np.linalg.inv(m)
    except np.linalg.LinAlgError as e:
        raise InvalidArgument("Array.matrixInverse: the matrix is singular.") from e


@algorithm("Array.matrixPseudoInverse", returns=A, input=A)
def matrix_pseudo_inverse(input) -> np.ndarray:
    return np.linalg.pinv(as_matrix(input, "Array.matrixPseudoInverse"))


@algorithm("Array.matrixSolve", returns=A, left=A, right=A)
def matrix_solve(left, right) -> np.ndarray:
    """The least-squares solution x of left · x = right."""
    a, b = as_matrix(left, "Array.matrixSolve"), as_array(right, "right").astype("float64")
    return np.linalg.lstsq(a, b, rcond=None)[0]


@algorithm("Array.matrixDeterminant", returns="Number", input=A)
def matrix_determinant(input) -> float:
    return float(np.linalg.det(as_matrix(input, "Array.matrixDeterminant", square=True)))


@algorithm("Array.matrixTrace", returns="Number", input=A)
def matrix_trace(input) -> float:
    return np.trace(as_array(input)).item()


@algorithm("Array.matrixFnorm", returns="Number", input=A)
def matrix_fnorm(input) -> float:
    return float(np.linalg.norm(as_matrix(input, "Array.matrixFnorm")))


@algorithm("Array.matrixDiagonal", returns=A, input=A)
def matrix_diagonal(input) -> np.ndarray:
    """The diagonal as a column (n x 1), as EE returns it."""
    return np.diagonal(as_array(input)).reshape(-1, 1)


@algorithm("Array.matrixToDiag", returns=A, input=A)
def matrix_to_diag(input) -> np.ndarray:
    return np.diag(as_array(input).ravel())


@algorithm("Array.eigen", returns=A, input=A)
def eigen(input) -> np.ndarray:
    """Rows [eigenvalue, eigenvector...], sorted by eigenvalue, largest first (EE's layout); real parts."""
    m = as_matrix(input, "Array.eigen", square=True)
    values, vectors = np.linalg.eig(m)
    order = np.argsort(-values.real, kind="stable")
    return np.column_stack([values.real[order], vectors.real[:, order].T])


def _decomposition(op: str, compute: Callable) -> Callable:
    def impl(array) -> dict:
        m = as_matrix(array, op)
        try:
            return compute(m)
        except np.linalg.LinAlgError as e:
            raise InvalidArgument(f"{op}: {e}.") from e

    return impl


def _lu(m: np.ndarray) -> dict:
    p, lower, upper = scipy_linalg().lu(m)
    return {"L": lower, "U": upper, "P": p.T}  # P·A = L·U


algorithm("Array.matrixCholeskyDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixCholeskyDecomposition", lambda m: {"L": np.linalg.cholesky(m)}))


algorithm("Array.matrixQRDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixQRDecomposition", lambda m: dict(zip("QR", np.linalg.qr(m), strict=True))))


algorithm("Array.matrixSingularValueDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixSingularValueDecomposition",
                   lambda m: (lambda u, s, vt: {"U": u, "S": np.diag(s), "V": vt.T})(
                       *np.linalg.svd(m, full_matrices=False))))


algorithm("Array.matrixLUDecomposition", returns="Dictionary<Object>", array=A)(
    _decomposition("Array.matrixLUDecomposition", _lu))

"""Confusion (error) matrices: Collection.errorMatrix, ConfusionMatrix and its accuracy measures.

Rows are actual classes and columns predicted classes (EE's axes). A measure whose denominator is 0 (a class that
never occurs) is NaN, which comes back as null.
"""

from __future__ import annotations

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_array, as_collection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.confusion_matrix import ConfusionMatrix

CM = "ConfusionMatrix"


def _cm(value) -> ConfusionMatrix:
    if not isinstance(value, ConfusionMatrix):
        raise InvalidArgument(f"Invalid argument for 'confusionMatrix': expected a ConfusionMatrix, got "
                              f"{type(value).__name__}.")
    return value


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den == 0, np.nan, num / np.where(den == 0, 1, den))


@algorithm("ConfusionMatrix", returns=CM, array="Object", order="List<Integer>")
def confusion_matrix(array, order=None) -> ConfusionMatrix:
    m = as_array(array, "array")
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InvalidArgument(f"ConfusionMatrix: the array must be square, got shape {list(m.shape)}.")
    labels = tuple(int(v) for v in order) if order is not None else tuple(range(m.shape[0]))
    if len(labels) != m.shape[0]:
        raise InvalidArgument(f"ConfusionMatrix: order has {len(labels)} values for a {m.shape[0]}-class matrix.")
    return ConfusionMatrix(m, labels)


@algorithm("Collection.errorMatrix", returns=CM, collection="FeatureCollection", actual="String",
           predicted="String", order="List<Integer>")
def error_matrix(collection, actual: str, predicted: str, order=None) -> ConfusionMatrix:
    """Counts of (actual, predicted) pairs. Without `order` the classes are 0..max value; with it, only the listed
    values count, in that order."""
    pairs = []
    for e in as_collection(collection).elements:
        a, p = e.properties.get(actual), e.properties.get(predicted)
        if a is None or p is None:
            continue
        if isinstance(a, bool) or isinstance(p, bool) or not isinstance(a, (int, float)) \
                or not isinstance(p, (int, float)) or int(a) != a or int(p) != p or a < 0 or p < 0:
            raise InvalidArgument(f"Collection.errorMatrix: '{actual}' and '{predicted}' must be non-negative "
                                  f"integers; found {a!r} and {p!r}.")
        pairs.append((int(a), int(p)))
    if order is None:
        top = max((max(a, p) for a, p in pairs), default=-1)
        labels = tuple(range(top + 1))
    else:
        labels = tuple(int(v) for v in order)
    index = {v: i for i, v in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype="int64")
    for a, p in pairs:
        if a in index and p in index:
            m[index[a], index[p]] += 1
    return ConfusionMatrix(m, labels)


@algorithm("ConfusionMatrix.array", returns="Array", confusionMatrix=CM)
def array_(confusionMatrix) -> np.ndarray:
    return _cm(confusionMatrix).matrix


@algorithm("ConfusionMatrix.order", returns="List<Integer>", confusionMatrix=CM)
def order_(confusionMatrix) -> list[int]:
    return list(_cm(confusionMatrix).order)


@algorithm("ConfusionMatrix.accuracy", returns="Float", confusionMatrix=CM)
def accuracy(confusionMatrix) -> float:
    """Overall accuracy: the diagonal's share of all counts."""
    m = _cm(confusionMatrix).matrix
    return float(_ratio(np.trace(m), m.sum()))


@algorithm("ConfusionMatrix.producersAccuracy", returns="Array", confusionMatrix=CM)
def producers_accuracy(confusionMatrix) -> np.ndarray:
    """Correct / total per actual class (row), as an n x 1 array."""
    m = _cm(confusionMatrix).matrix
    return _ratio(np.diag(m), m.sum(axis=1)).reshape(-1, 1)


@algorithm("ConfusionMatrix.consumersAccuracy", returns="Array", confusionMatrix=CM)
def consumers_accuracy(confusionMatrix) -> np.ndarray:
    """Correct / total per predicted class (column), as a 1 x n array."""
    m = _cm(confusionMatrix).matrix
    return _ratio(np.diag(m), m.sum(axis=0)).reshape(1, -1)


@algorithm("ConfusionMatrix.kappa", returns="Float", confusionMatrix=CM)
def kappa(confusionMatrix) -> float:
    """Cohen's kappa: (observed - expected agreement) / (1 - expected agreement)."""
    m = _cm(confusionMatrix).matrix.astype("float64")
    n = m.sum()
    if n == 0:
        return float("nan")
    observed = np.trace(m) / n
    expected = float((m.sum(axis=0) * m.sum(axis=1)).sum()) / (n * n)
    return float(_ratio(np.float64(observed - expected), np.float64(1 - expected)))


@algorithm("ConfusionMatrix.fscore", returns="Array", confusionMatrix=CM, beta="Float")
def fscore(confusionMatrix, beta: float = 1.0) -> np.ndarray:
    """F-beta per class from precision (consumer's) and recall (producer's accuracy)."""
    m = _cm(confusionMatrix).matrix
    precision = _ratio(np.diag(m), m.sum(axis=0))
    recall = _ratio(np.diag(m), m.sum(axis=1))
    b2 = float(beta) ** 2
    return _ratio((1 + b2) * precision * recall, b2 * precision + recall)

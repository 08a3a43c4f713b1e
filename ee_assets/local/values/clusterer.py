"""EE clusterers: an untrained or trained unsupervised model (k-means and its relatives).

Training lives in algorithms/ml/clusterers.py; a trained clusterer assigns clusters here, so Image.cluster and
FeatureCollection.cluster need only this value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.errors import InvalidArgument


@dataclass(frozen=True, eq=False)
class Clusterer:
    """`centroids` (k x inputs) once trained; `metric` is 'euclidean', 'manhattan' or 'chebyshev'; `scale` the
    per-input (offset, range) the inputs are normalized with before distances are taken (Weka's default)."""

    kind: str
    params: dict
    schema: tuple[str, ...] = ()
    centroids: np.ndarray | None = None
    metric: str = "euclidean"
    scale: tuple[np.ndarray, np.ndarray] | None = None

    def to_json(self) -> dict:
        return {"type": "Clusterer", "kind": self.kind}

    def assign(self, X: np.ndarray) -> np.ndarray:
        """The index of the nearest centroid for each row of `X` (columns in `schema` order)."""
        if self.centroids is None:
            raise InvalidArgument("Clusterer: the clusterer has not been trained; call train() first.")
        return nearest(self.normalize(X), self.centroids, self.metric)

    def normalize(self, X: np.ndarray) -> np.ndarray:
        if self.scale is None:
            return X
        offset, span = self.scale
        return (X - offset) / span


def nearest(X: np.ndarray, centroids: np.ndarray, metric: str) -> np.ndarray:
    diff = X[:, None, :] - centroids[None, :, :]
    if metric == "manhattan":
        d = np.abs(diff).sum(axis=2)
    elif metric == "chebyshev":
        d = np.abs(diff).max(axis=2)
    else:
        d = (diff**2).sum(axis=2)
    return np.argmin(d, axis=1)

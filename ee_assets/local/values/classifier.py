"""EE classifiers: an untrained or trained model of a family (CART, random forest, …) and its output mode.

Training lives in algorithms/ml/classifiers.py; a trained classifier predicts here, so Image.classify and
FeatureCollection.classify need only this value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ee_assets.local.errors import InvalidArgument


@dataclass(frozen=True, eq=False)
class Classifier:
    """An untrained or trained classifier. `model` is a fitted estimator (or the minimum-distance centroids)."""

    kind: str
    params: dict
    mode: str = "CLASSIFICATION"
    schema: tuple[str, ...] = ()
    class_property: str | None = None
    model: Any = None
    labels: tuple = ()
    training: tuple = field(default=(), repr=False)  # (X, y) kept for the resubstitution confusion matrix

    def to_json(self) -> dict:
        return {"type": "Classifier", "kind": self.kind, "mode": self.mode}

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for rows of input values (columns in `schema` order), in the classifier's output mode."""
        if self.model is None:
            raise InvalidArgument("Classifier: the classifier has not been trained; call train() first.")
        if self.kind == "minimumDistance":
            return minimum_distance_predict(self, X)
        if self.mode in ("CLASSIFICATION", "REGRESSION"):
            return self.model.predict(X)
        proba = self.model.predict_proba(X)
        return proba.max(axis=1) if self.mode == "PROBABILITY" else proba


def minimum_distance_predict(c: Classifier, X: np.ndarray) -> np.ndarray:
    m = c.model
    diff = X[:, None, :] - m["means"][None, :, :]
    if m["metric"] == "euclidean":
        d = np.sqrt((diff**2).sum(axis=2))
    elif m["metric"] == "manhattan":
        d = np.abs(diff).sum(axis=2)
    elif m["metric"] == "mahalanobis":
        d = np.einsum("nkj,jl,nkl->nk", diff, m["cov_inv"], diff)
    else:
        norms = np.linalg.norm(X, axis=1)[:, None] * np.linalg.norm(m["means"], axis=1)[None, :]
        d = 1 - (X @ m["means"].T) / np.where(norms == 0, 1, norms)
    return m["classes"][np.argmin(d, axis=1)]

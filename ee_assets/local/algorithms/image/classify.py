"""Image.classify: a trained classifier (algorithms/ml/classifiers.py) applied to every pixel whose input bands
are set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.classifier import Classifier
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

IMG = "Image<unknown bands>"


@dataclass(eq=False)
class ClassifyRecipe(Recipe):
    """Predictions for the pixels where every input band is unmasked (the rest stay masked)."""

    inputs: tuple[Recipe, ...]
    classifier: Classifier

    def compute(self, grid: Grid) -> Pixels:
        return predict_unmasked(self.inputs, grid, self.classifier.predict)


def predict_unmasked(inputs: tuple[Recipe, ...], grid: Grid, predict: Callable[[np.ndarray], Any]) -> Pixels:
    """`predict` (a row per pixel, a column per input band) on the pixels where every input is unmasked; the
    others stay masked. Classifiers and clusterers apply to an image this way."""
    px = [r.evaluate(grid) for r in inputs]
    mask = np.min(np.stack([m for _, m in px]), axis=0)
    out = np.zeros(grid.shape)
    valid = mask > 0
    if valid.any():
        X = np.stack([v[valid] for v, _ in px], axis=1)
        out[valid] = np.asarray(predict(X), dtype=np.float64)
    return out, np.where(valid, mask, 0.0).astype(np.float32)


@algorithm("Image.classify", returns=IMG, image=IMG, classifier="Classifier", outputName="String")
def classify(image: Image, classifier: Classifier, outputName: str = "classification") -> Image:
    """One band `outputName`: the classifier's output for each pixel, from the bands named in its schema."""
    op = "Image.classify"
    img = as_image(image)
    if not isinstance(classifier, Classifier):
        raise InvalidArgument(f"{op}: 'classifier' must be a trained Classifier.")
    if classifier.model is None:
        raise InvalidArgument(f"{op}: the classifier has not been trained; call train() first.")
    if classifier.mode == "MULTIPROBABILITY":
        raise InvalidArgument(f"{op}: MULTIPROBABILITY output needs array images, which the local backend does not "
                              "support; use PROBABILITY or CLASSIFICATION.")
    missing = [n for n in classifier.schema if n not in img.band_names]
    if missing:
        raise InvalidArgument(f"{op}: the image lacks the classifier's input band(s) {missing}; it has "
                              f"{img.band_names}.")
    bands = [img.bands[img.band_names.index(n)] for n in classifier.schema]
    dtype = np.dtype(np.int32) if classifier.mode == "CLASSIFICATION" else np.dtype(np.float64)
    first = bands[0]
    recipe = ClassifyRecipe(tuple(b.recipe for b in bands), classifier)
    return img.with_bands([Band(outputName, dtype, first.projection, recipe, first.extent)])

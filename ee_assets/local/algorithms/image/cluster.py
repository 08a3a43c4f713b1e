"""Image.cluster: a trained clusterer (algorithms/ml/clusterers.py) applied to every pixel whose input bands are
set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ee_assets.local.algorithms.image.classify import predict_unmasked
from ee_assets.local.algorithms.ml.clusterers import trained
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.clusterer import Clusterer
from ee_assets.local.values.grid import Grid
from ee_assets.local.values.image import Band, Image, Pixels, Recipe

C = "Clusterer"
IMG = "Image<unknown bands>"


@dataclass(eq=False)
class ClusterRecipe(Recipe):
    """Cluster numbers for the pixels where every input band is unmasked (the rest stay masked)."""

    inputs: tuple[Recipe, ...]
    clusterer: Clusterer

    def compute(self, grid: Grid) -> Pixels:
        return predict_unmasked(self.inputs, grid, self.clusterer.assign)


@algorithm("Image.cluster", returns=IMG, image=IMG, clusterer=C, outputName="String")
def cluster_image(image: Image, clusterer, outputName: str = "cluster") -> Image:
    """One int32 band `outputName`: each pixel's cluster number, from the bands named in the clusterer's schema."""
    op = "Image.cluster"
    c = trained(op, clusterer)
    img = as_image(image)
    missing = [n for n in c.schema if n not in img.band_names]
    if missing:
        raise InvalidArgument(f"{op}: the image lacks the clusterer's input band(s) {missing}; it has "
                              f"{img.band_names}.")
    bands = [img.bands[img.band_names.index(n)] for n in c.schema]
    first = bands[0]
    recipe = ClusterRecipe(tuple(b.recipe for b in bands), c)
    return img.with_bands([Band(outputName, np.dtype(np.int32), first.projection, recipe, first.extent)])

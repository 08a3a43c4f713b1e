"""Classifier samples: the EE apidocs' classifier workflow (samples/python/apidocs/ee_classifier_smilecart.py and
its siblings) through the real client and a local server, against the same work done directly with numpy and
scikit-learn on the pixels in memory.

The workflow, on the sample catalog's Sentinel-2 tile (1,000 x 1,000 pixels at 10 m, bands B2, B3, B4, B8): label
each pixel with an NDVI class (5 classes), stratifiedSample 100 pixels per class over the tile, randomColumn and
filter('random <= 0.8') into training and validation, train, explain, confusionMatrix + accuracy, classify the
validation sample + errorMatrix + accuracy, and classify a 512² grid of the image: six requests, each evaluating the
sample again from the pixels, as a script makes them. Targets: every classifier's whole workflow within 3 s (about
half a second a request; the issue asks for "about a second" a sample — before the sampling rewrite a request took
about 4 s, 20-25 s a workflow) and within 20x of the in-memory baseline, which keeps everything in memory between
steps.
Run: `.venv/bin/python benchmarks/classifier_samples.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import ee
import numpy as np
import rasterio
from google.oauth2.credentials import Credentials

from ee_assets.local import LocalServer
from ee_assets.local.catalog.sample_data import S2_POINT, build_sample_catalog, s2_transform
from ee_assets.transport.ee_client import initialize_ee

CLASSIFIERS = {
    "smileCart": lambda: ee.Classifier.smileCart(10),
    "smileRandomForest": lambda: ee.Classifier.smileRandomForest(10),
    "libsvm": lambda: ee.Classifier.libsvm(),
    "minimumDistance": lambda: ee.Classifier.minimumDistance(),
}
BANDS = ["B2", "B3", "B4", "B8"]
TARGET_SECONDS = 3.0
TARGET_RATIO = 20.0


def workflow(make_classifier) -> None:
    img = ee.ImageCollection("COPERNICUS/S2_HARMONIZED").filterDate("2020-06-01", "2020-06-30").first().select(BANDS)
    label = img.normalizedDifference(["B8", "B4"]).multiply(5).floor().clamp(0, 4).toByte().rename("lc")
    roi = ee.Geometry.Point(list(S2_POINT)).buffer(4900).bounds()
    sample = img.addBands(label).stratifiedSample(numPoints=100, classBand="lc", region=roi, scale=10,
                                                  geometries=True).randomColumn()
    training, validation = sample.filter("random <= 0.8"), sample.filter("random > 0.8")
    trained = make_classifier().train(features=training, classProperty="lc", inputProperties=BANDS)
    trained.explain().getInfo()
    trained.confusionMatrix().accuracy().getInfo()
    validation.classify(trained).errorMatrix("lc", "classification").accuracy().getInfo()
    t = s2_transform()
    grid = {"dimensions": {"width": 512, "height": 512}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": 20, "shearX": 0, "translateX": t.c, "shearY": 0, "scaleY": -20,
                                "translateY": t.f}}
    ee.data.computePixels({"expression": img.classify(trained), "fileFormat": "NUMPY_NDARRAY", "grid": grid})


def baseline(name: str, pixels: np.ndarray, labels: np.ndarray) -> None:
    """The same steps on in-memory arrays: stratified draw, split, fit, resubstitution and validation accuracy,
    predict a 512² block."""
    from sklearn import ensemble, svm, tree

    rng = np.random.default_rng(0)
    chosen = np.concatenate([rng.choice(np.flatnonzero(labels == k), size=min(100, int((labels == k).sum())),
                                        replace=False) for k in np.unique(labels)])
    X, y = pixels[chosen], labels[chosen]
    train = rng.random(len(y)) <= 0.8
    if name == "minimumDistance":
        means = np.stack([X[train][y[train] == k].mean(axis=0) for k in np.unique(y)])

        def predict(data):
            return np.argmin(((data[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
    else:
        model = {"smileCart": lambda: tree.DecisionTreeClassifier(max_leaf_nodes=10),
                 "smileRandomForest": lambda: ensemble.RandomForestClassifier(10),
                 "libsvm": lambda: svm.SVC(kernel="linear")}[name]().fit(X[train], y[train])
        predict = model.predict
    (predict(X[train]) == y[train]).mean()
    (predict(X[~train]) == y[~train]).mean()
    predict(pixels[: 512 * 512])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    catalog = build_sample_catalog(log=lambda *a, **k: None)
    with LocalServer(catalog) as server:
        initialize_ee(Credentials(token="local"), url=server.url, project="local", offline=True)
        scene = sorted((catalog.parent / "s2").glob("*.tif"))
        with rasterio.open(scene[len(scene) // 2]) as ds:
            data = ds.read([ds.descriptions.index(b) + 1 for b in BANDS]).reshape(len(BANDS), -1).T.astype(float)
        ndvi = (data[:, 3] - data[:, 2]) / (data[:, 3] + data[:, 2])
        labels = np.clip(np.floor(ndvi * 5), 0, 4).astype(int)
        failed = False
        print(f"{'classifier':<20}{'workflow (server)':>20}{'in-memory baseline':>20}{'ratio':>8}")
        for name, make in CLASSIFIERS.items():
            workflow(make)  # warm-up: imports, numba caches
            ours, theirs = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                workflow(make)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                baseline(name, data, labels)
                theirs.append(time.perf_counter() - start)
            o, t = statistics.median(ours), statistics.median(theirs)
            ok = o <= TARGET_SECONDS and o / t <= TARGET_RATIO
            failed |= not ok
            print(f"{name:<20}{o:>19.2f}s{t:>19.2f}s{o / t:>7.1f}x {'ok' if ok else 'MISSED'}")
        print(f"targets: each workflow <= {TARGET_SECONDS} s and <= {TARGET_RATIO}x the in-memory baseline")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

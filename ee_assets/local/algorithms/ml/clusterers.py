"""Unsupervised clusterers: Clusterer.wekaKMeans (and the Weka relatives that choose k: wekaCascadeKMeans by the
Calinski-Harabasz criterion, wekaXMeans by BIC, wekaLVQ's competitive learning), Clusterer.train, Clusterer.schema
and FeatureCollection.cluster (Image.cluster is in image/cluster.py).

As in Weka's SimpleKMeans, inputs are normalized to [0, 1] by their training range before distances are taken,
k-means runs Lloyd's iterations from seeded initializations (0 random instances, 1 k-means++, 3 farthest first;
canopy initialization is read as farthest first), keeping the best of ten starts (Weka keeps its one start, which
can leave two centroids in one cluster) and, with the Manhattan distance, centroids are component-wise medians.
Cluster numbers are the centroid order of the run; the models are Weka's kind, not bit-identical to EE's (seeds do
not reproduce its sequences).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.clusterer import Clusterer, nearest
from ee_assets.local.values.elements import Collection, Feature

C = "Clusterer"
METRICS = {"euclidean": "euclidean", "manhattan": "manhattan", "chebyshev": "chebyshev"}


def _metric(op: str, name: str) -> str:
    metric = METRICS.get(str(name).lower())
    if metric is None:
        raise InvalidArgument(f"{op}: unknown distanceFunction '{name}'; use Euclidean or Manhattan.")
    return metric


@algorithm("Clusterer.wekaKMeans", returns=C, nClusters="Integer", init="Integer", canopies="Boolean",
           maxCandidates="Integer", periodicPruning="Integer", minDensity="Integer", t1="Float", t2="Float",
           distanceFunction="String", maxIterations="Integer", preserveOrder="Boolean", fast="Boolean",
           seed="Integer")
def weka_kmeans(nClusters: int, init: int = 0, canopies: bool = False, maxCandidates: int = 100,
                periodicPruning: int = 10000, minDensity: int = 2, t1: float = -1.5, t2: float = -1.0,
                distanceFunction: str = "Euclidean", maxIterations=None, preserveOrder: bool = False,
                fast: bool = False, seed: int = 10) -> Clusterer:
    """k-means with `nClusters` clusters."""
    k = int(nClusters)
    if k < 1:
        raise InvalidArgument(f"Clusterer.wekaKMeans: nClusters must be at least 1, got {k}.")
    if int(init) not in (0, 1, 2, 3):
        raise InvalidArgument(f"Clusterer.wekaKMeans: init must be 0, 1, 2 or 3, got {init}.")
    return Clusterer("wekaKMeans", {"k": k, "init": int(init), "max_iterations": int(maxIterations or 500),
                                    "seed": int(seed)}, metric=_metric("Clusterer.wekaKMeans", distanceFunction))


@algorithm("Clusterer.wekaCascadeKMeans", returns=C, minClusters="Integer", maxClusters="Integer",
           restarts="Integer", manual="Boolean", init="Boolean", distanceFunction="String", maxIterations="Integer")
def weka_cascade_kmeans(minClusters: int = 2, maxClusters: int = 10, restarts: int = 10, manual: bool = False,
                        init: bool = False, distanceFunction: str = "Euclidean", maxIterations=None) -> Clusterer:
    """k-means for every k in [minClusters, maxClusters] (`restarts` seeds each), keeping the k with the best
    Calinski-Harabasz score."""
    lo, hi = int(minClusters), int(maxClusters)
    if not 1 <= lo <= hi:
        raise InvalidArgument("Clusterer.wekaCascadeKMeans: need 1 <= minClusters <= maxClusters.")
    return Clusterer("wekaCascadeKMeans", {"k_range": (lo, hi), "restarts": int(restarts),
                                           "init": 1 if init else 0, "max_iterations": int(maxIterations or 500),
                                           "seed": 0}, metric=_metric("Clusterer.wekaCascadeKMeans",
                                                                      distanceFunction))


@algorithm("Clusterer.wekaXMeans", returns=C, minClusters="Integer", maxClusters="Integer", maxIterations="Integer",
           maxKMeans="Integer", maxForChildren="Integer", useKD="Boolean", cutoffFactor="Float",
           distanceFunction="String", seed="Integer")
def weka_xmeans(minClusters: int = 2, maxClusters: int = 8, maxIterations: int = 3, maxKMeans: int = 1000,
                maxForChildren: int = 1000, useKD: bool = False, cutoffFactor: float = 0.0,
                distanceFunction: str = "Euclidean", seed: int = 10) -> Clusterer:
    """k-means for every k in [minClusters, maxClusters], keeping the k with the best Bayesian information
    criterion of the spherical-Gaussian model X-means scores splits with."""
    lo, hi = int(minClusters), int(maxClusters)
    if not 1 <= lo <= hi:
        raise InvalidArgument("Clusterer.wekaXMeans: need 1 <= minClusters <= maxClusters.")
    return Clusterer("wekaXMeans", {"k_range": (lo, hi), "restarts": 1, "init": 1, "max_iterations": int(maxKMeans),
                                    "seed": int(seed)}, metric=_metric("Clusterer.wekaXMeans", distanceFunction))


@algorithm("Clusterer.wekaLVQ", returns=C, numClusters="Integer", learningRate="Float", epochs="Integer",
           normalizeInput="Boolean")
def weka_lvq(numClusters: int = 7, learningRate: float = 1.0, epochs: int = 1000,
             normalizeInput: bool = False) -> Clusterer:
    """Competitive learning of `numClusters` prototypes: each instance pulls its nearest prototype towards it by a
    rate falling linearly from `learningRate` to 0 over `epochs` passes (at most 200 here: the prototypes have settled
    long before, and each pass is a Python loop over the instances)."""
    rate = float(learningRate)
    if not 0 < rate <= 1 or int(epochs) < 1:
        raise InvalidArgument("Clusterer.wekaLVQ: need 0 < learningRate <= 1 and epochs >= 1.")
    return Clusterer("wekaLVQ", {"k": int(numClusters), "rate": rate, "epochs": int(epochs), "seed": 0,
                                 "normalize": not bool(normalizeInput)})


# -- k-means ------------------------------------------------------------------------------------------------------
def _initial(X: np.ndarray, k: int, method: int, rng: np.random.Generator, metric: str) -> np.ndarray:
    if method == 0:
        return X[rng.choice(len(X), size=k, replace=False)]
    first = X[rng.integers(len(X))]
    centres = [first]
    for _ in range(1, k):
        d = np.min(np.stack([_distance(X, c, metric) for c in centres]), axis=0)
        if method == 1 and d.sum() > 0:  # k-means++: proportional to the squared distance
            centres.append(X[rng.choice(len(X), p=d**2 / (d**2).sum())])
        else:  # farthest first
            centres.append(X[int(np.argmax(d))])
    return np.stack(centres)


def _distance(X: np.ndarray, c: np.ndarray, metric: str) -> np.ndarray:
    diff = X - c
    if metric == "manhattan":
        return np.abs(diff).sum(axis=1)
    if metric == "chebyshev":
        return np.abs(diff).max(axis=1)
    return np.sqrt((diff**2).sum(axis=1))


RUNS = 10  # initializations per fit; the one with the smallest within-cluster spread is kept


def kmeans(X: np.ndarray, k: int, init: int, max_iterations: int, seed: int, metric: str) -> np.ndarray:
    """The best of RUNS runs of Lloyd's iterations (each until the assignment no longer changes; empty clusters
    keep their centroid), so a bad start does not leave two centroids in one cluster."""
    distinct = np.unique(X, axis=0)
    if len(distinct) <= k:
        return distinct
    rng = np.random.default_rng(seed)
    best, best_spread = None, np.inf
    for _ in range(RUNS):
        centroids = _lloyd(X, _initial(X, k, init, rng, metric), max_iterations, metric)
        labels = nearest(X, centroids, metric)
        spread = float(sum(_distance(X[labels == j], centroids[j], metric).sum() for j in range(k)))
        if spread < best_spread:
            best, best_spread = centroids, spread
    return best


def _lloyd(X: np.ndarray, centroids: np.ndarray, max_iterations: int, metric: str) -> np.ndarray:
    centroids = centroids.copy()
    labels = None
    for _ in range(max_iterations):
        new = nearest(X, centroids, metric)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centroids)):
            members = X[labels == j]
            if len(members):
                centroids[j] = np.median(members, axis=0) if metric == "manhattan" else members.mean(axis=0)
    return centroids


def _calinski_harabasz(X: np.ndarray, centroids: np.ndarray, metric: str) -> float:
    labels = nearest(X, centroids, metric)
    k, n = len(centroids), len(X)
    if k < 2 or n <= k:
        return -np.inf
    mean = X.mean(axis=0)
    between = sum((labels == j).sum() * ((centroids[j] - mean) ** 2).sum() for j in range(k))
    within = sum(((X[labels == j] - centroids[j]) ** 2).sum() for j in range(k))
    return float(between / (k - 1) / (within / (n - k))) if within > 0 else np.inf


def _bic(X: np.ndarray, centroids: np.ndarray, metric: str) -> float:
    """The BIC of k spherical Gaussians with a shared variance (Pelleg & Moore's X-means score)."""
    labels = nearest(X, centroids, metric)
    n, d = X.shape
    k = len(centroids)
    sse = sum(((X[labels == j] - centroids[j]) ** 2).sum() for j in range(k))
    if n <= k or sse == 0:
        return np.inf if sse == 0 else -np.inf
    variance = sse / (n - k)
    sizes = np.bincount(labels, minlength=k)
    sizes = sizes[sizes > 0]
    log_likelihood = float(np.sum(sizes * np.log(sizes / n)) - n * d / 2 * np.log(2 * np.pi * variance)
                           - (n - k) / 2)
    return log_likelihood - (k * (d + 1)) / 2 * np.log(n)


def _lvq(X: np.ndarray, k: int, rate: float, epochs: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    prototypes = X[rng.choice(len(X), size=min(k, len(X)), replace=False)].copy()
    total = epochs * len(X)
    step = 0
    for _ in range(epochs):
        for x in X[rng.permutation(len(X))]:
            j = int(np.argmin(((prototypes - x) ** 2).sum(axis=1)))
            prototypes[j] += rate * (1 - step / total) * (x - prototypes[j])
            step += 1
    return prototypes


def _fit(c: Clusterer, X: np.ndarray) -> np.ndarray:
    p = c.params
    if c.kind == "wekaKMeans":
        return kmeans(X, p["k"], p["init"], p["max_iterations"], p["seed"], c.metric)
    if c.kind == "wekaLVQ":
        return _lvq(X, p["k"], p["rate"], min(p["epochs"], 200), p["seed"])
    score = _calinski_harabasz if c.kind == "wekaCascadeKMeans" else _bic
    best, best_score = None, -np.inf
    lo, hi = p["k_range"]
    for k in range(lo, min(hi, len(X)) + 1):
        for restart in range(p["restarts"]):
            centroids = kmeans(X, k, p["init"], p["max_iterations"], p["seed"] + restart, c.metric)
            s = score(X, centroids, c.metric)
            if best is None or s > best_score:
                best, best_score = centroids, s
    return best


@algorithm("Clusterer.train", returns=C, clusterer=C, features="FeatureCollection", inputProperties="List<String>",
           subsampling="Float", subsamplingSeed="Integer")
def train(clusterer, features, inputProperties=None, subsampling: float = 1.0, subsamplingSeed: int = 0) -> Clusterer:
    """Fit on the features' numeric `inputProperties` (default: the collection's 'band_order', as Image.sample
    sets it); features missing one are skipped."""
    op = "Clusterer.train"
    c = _clusterer(op, clusterer)
    coll = as_collection(features, "features")
    if inputProperties is None:
        inputProperties = coll.properties.get("band_order")
        if inputProperties is None:
            raise InvalidArgument(f"{op}: give inputProperties (the collection has no 'band_order').")
    inputs = as_string_list(inputProperties, "inputProperties")
    rows = [[e.properties.get(p) for p in inputs] for e in coll.elements if isinstance(e, Feature)]
    rows = [r for r in rows if all(v is not None for v in r)]
    if float(subsampling) < 1.0:
        keep = np.random.default_rng(int(subsamplingSeed)).random(len(rows)) < float(subsampling)
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
    if not rows:
        raise InvalidArgument(f"{op}: no feature has all of {inputs}.")
    try:
        X = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"{op}: the input properties must be numbers ({e}).") from None
    normalize = c.kind != "wekaLVQ" or c.params.get("normalize", True)
    scale = None
    if normalize:
        offset, span = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        scale = (offset, np.where(span > 0, span, 1.0))
    trained = replace(c, schema=tuple(inputs), scale=scale)
    return replace(trained, centroids=_fit(trained, trained.normalize(X)))


def _clusterer(op: str, value) -> Clusterer:
    if not isinstance(value, Clusterer):
        raise InvalidArgument(f"{op}: expected a Clusterer, got {type(value).__name__}.")
    return value


@algorithm("Clusterer.schema", returns="List<String>", clusterer=C)
def schema(clusterer) -> list | None:
    """The input names of a trained clusterer, or null before training."""
    c = _clusterer("Clusterer.schema", clusterer)
    return list(c.schema) if c.centroids is not None else None


@algorithm("FeatureCollection.cluster", returns="FeatureCollection", features="FeatureCollection", clusterer=C,
           outputName="String")
def cluster_features(features, clusterer, outputName: str = "cluster") -> Collection:
    """Each feature with its cluster number in `outputName` (features missing an input are kept without it)."""
    c = trained("FeatureCollection.cluster", clusterer)
    coll = as_collection(features, "features")
    complete = [i for i, e in enumerate(coll.elements)
                if isinstance(e, Feature) and all(e.properties.get(p) is not None for p in c.schema)]
    out = list(coll.elements)
    if complete:
        X = np.array([[coll.elements[i].properties[p] for p in c.schema] for i in complete], dtype=np.float64)
        for i, label in zip(complete, c.assign(X), strict=True):
            out[i] = out[i].copy(**{outputName: int(label)})
    return coll.derive(out)


def trained(op: str, clusterer) -> Clusterer:
    c = _clusterer(op, clusterer)
    if c.centroids is None:
        raise InvalidArgument(f"{op}: the clusterer has not been trained; call train() first.")
    return c

"""Supervised classifiers: Classifier.* constructors, train, classify, setOutputMode, confusionMatrix, explain.

EE trains SMILE/libsvm models; here the same model families come from scikit-learn (CART, random forest,
gradient tree boosting, k-nearest neighbours, SVM) or numpy (minimum distance). Parameters map one to one where
the families share them; trained models are therefore of the same kind but not bit-identical to EE's, so tests
check what the models must do (separate separable classes, reproduce step functions), not EE's exact trees.
`Classifier.predict` is the entry point an Image.classify implementation needs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_collection, as_number, as_string_list
from ee_assets.local.algorithms.support.optional import sklearn
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.classifier import Classifier
from ee_assets.local.values.confusion_matrix import ConfusionMatrix
from ee_assets.local.values.elements import Collection, Feature

C = "Classifier"


MODES = ("CLASSIFICATION", "REGRESSION", "PROBABILITY", "MULTIPROBABILITY")


def _classifier(value) -> Classifier:
    if not isinstance(value, Classifier):
        raise InvalidArgument(f"Invalid argument for 'classifier': expected a Classifier, got "
                              f"{type(value).__name__}.")
    return value


def _opt_int(value) -> int | None:
    return None if value is None else int(as_number(value, "value"))


@algorithm("Classifier.smileCart", returns=C, maxNodes="Integer", minLeafPopulation="Integer")
def smile_cart(maxNodes=None, minLeafPopulation: int = 1) -> Classifier:
    """A CART decision tree (Gini impurity; variance for regression)."""
    return Classifier("smileCart", {"maxNodes": _opt_int(maxNodes), "minLeafPopulation": int(minLeafPopulation)})


@algorithm("Classifier.smileRandomForest", returns=C, numberOfTrees="Integer", variablesPerSplit="Integer",
           minLeafPopulation="Integer", bagFraction="Float", maxNodes="Integer", seed="Integer")
def smile_random_forest(numberOfTrees, variablesPerSplit=None, minLeafPopulation: int = 1, bagFraction: float = 0.5,
                        maxNodes=None, seed: int = 0) -> Classifier:
    """A random forest: bagged CART trees on `bagFraction` of the rows, `variablesPerSplit` (default √n) inputs
    tried per split, majority vote (mean for regression)."""
    return Classifier("smileRandomForest", {
        "numberOfTrees": int(numberOfTrees), "variablesPerSplit": _opt_int(variablesPerSplit),
        "minLeafPopulation": int(minLeafPopulation), "bagFraction": float(bagFraction),
        "maxNodes": _opt_int(maxNodes), "seed": int(seed)})


@algorithm("Classifier.smileGradientTreeBoost", returns=C, numberOfTrees="Integer", shrinkage="Float",
           samplingRate="Float", maxNodes="Integer", loss="String", seed="Integer")
def smile_gradient_tree_boost(numberOfTrees, shrinkage: float = 0.005, samplingRate: float = 0.7, maxNodes=None,
                              loss: str = "LeastAbsoluteDeviation", seed: int = 0) -> Classifier:
    """Gradient tree boosting (regression uses `loss`: LeastSquares, LeastAbsoluteDeviation or Huber)."""
    return Classifier("smileGradientTreeBoost", {
        "numberOfTrees": int(numberOfTrees), "shrinkage": float(shrinkage), "samplingRate": float(samplingRate),
        "maxNodes": _opt_int(maxNodes), "loss": loss, "seed": int(seed)})


@algorithm("Classifier.smileKNN", returns=C, k="Integer", searchMethod="String", metric="String")
def smile_knn(k: int = 1, searchMethod: str = "AUTO", metric: str = "EUCLIDEAN") -> Classifier:
    """k-nearest neighbours (EUCLIDEAN, MANHATTAN or CHEBYSHEV distance)."""
    if metric.upper() not in ("EUCLIDEAN", "MANHATTAN", "CHEBYSHEV"):
        raise InvalidArgument(f"Classifier.smileKNN: metric '{metric}' is not supported; use EUCLIDEAN, "
                              "MANHATTAN or CHEBYSHEV.")
    return Classifier("smileKNN", {"k": int(k), "metric": metric.lower()})


@algorithm("Classifier.libsvm", returns=C, decisionProcedure="String", svmType="String", kernelType="String",
           shrinking="Boolean", degree="Integer", gamma="Float", coef0="Float", cost="Float", nu="Float",
           terminationEpsilon="Float", lossEpsilon="Float", oneClass="Integer")
def libsvm(decisionProcedure: str = "Voting", svmType: str = "C_SVC", kernelType: str = "LINEAR",
           shrinking: bool = True, degree=None, gamma=None, coef0=None, cost=None, nu=None, terminationEpsilon=None,
           lossEpsilon=None, oneClass=None) -> Classifier:
    """A C-SVC support vector machine (scikit-learn wraps the same libsvm); kernels LINEAR, POLY, RBF, SIGMOID."""
    kernels = {"LINEAR": "linear", "POLY": "poly", "RBF": "rbf", "SIGMOID": "sigmoid"}
    if svmType != "C_SVC" or kernelType.upper() not in kernels:
        raise InvalidArgument(f"Classifier.libsvm: svmType '{svmType}' / kernelType '{kernelType}' is not "
                              "supported; use C_SVC with LINEAR, POLY, RBF or SIGMOID.")
    params = {"kernel": kernels[kernelType.upper()], "shrinking": bool(shrinking), "C": 1.0 if cost is None else
              float(cost), "degree": 3 if degree is None else int(degree), "coef0": 0.0 if coef0 is None else
              float(coef0), "gamma": "scale" if gamma is None else float(gamma),
              "tol": 1e-3 if terminationEpsilon is None else float(terminationEpsilon)}
    return Classifier("libsvm", params)


@algorithm("Classifier.minimumDistance", returns=C, metric="String", kNearest="Integer")
def minimum_distance(metric: str = "euclidean", kNearest: int = 1) -> Classifier:
    """Nearest class mean under euclidean, cosine, mahalanobis or manhattan distance."""
    if metric not in ("euclidean", "cosine", "mahalanobis", "manhattan"):
        raise InvalidArgument(f"Classifier.minimumDistance: unknown metric '{metric}'; use euclidean, cosine, "
                              "mahalanobis or manhattan.")
    if int(kNearest) != 1:
        raise InvalidArgument("Classifier.minimumDistance: only kNearest = 1 is supported by the local backend.")
    return Classifier("minimumDistance", {"metric": metric})


@algorithm("Classifier.setOutputMode", returns=C, classifier=C, mode="String")
def set_output_mode(classifier, mode: str) -> Classifier:
    c = _classifier(classifier)
    if mode not in MODES:
        raise InvalidArgument(f"Classifier.setOutputMode: unknown mode '{mode}'; use one of {', '.join(MODES)}.")
    if c.kind == "minimumDistance" and mode != "CLASSIFICATION":
        raise InvalidArgument("Classifier.setOutputMode: minimumDistance supports only CLASSIFICATION here.")
    if c.model is None or mode == c.mode:
        return replace(c, mode=mode)
    X, y = c.training  # a trained classifier is refitted, since the mode decides what is fitted
    return _fit(replace(c, mode=mode), X, y, list(c.schema), c.class_property, "Classifier.setOutputMode")


@algorithm("Classifier.mode", returns="String", classifier=C)
def mode(classifier) -> str:
    return _classifier(classifier).mode


@algorithm("Classifier.schema", returns="List<String>", classifier=C)
def schema(classifier) -> list[str]:
    c = _classifier(classifier)
    if c.model is None:
        raise InvalidArgument("Classifier.schema: the classifier has not been trained.")
    return list(c.schema)


def _estimator(c: Classifier, n_inputs: int):
    """A fresh scikit-learn estimator for the classifier's family and output mode."""
    sk = sklearn()
    ensemble, neighbors, svm, tree = sk.ensemble, sk.neighbors, sk.svm, sk.tree
    p, regression = c.params, c.mode == "REGRESSION"
    if c.kind == "smileCart":
        cls = tree.DecisionTreeRegressor if regression else tree.DecisionTreeClassifier
        return cls(max_leaf_nodes=p["maxNodes"], min_samples_leaf=p["minLeafPopulation"], random_state=0)
    if c.kind == "smileRandomForest":
        cls = ensemble.RandomForestRegressor if regression else ensemble.RandomForestClassifier
        per_split = p["variablesPerSplit"] or max(1, int(np.sqrt(n_inputs)))
        return cls(n_estimators=p["numberOfTrees"], max_features=min(per_split, n_inputs),
                   min_samples_leaf=p["minLeafPopulation"], max_samples=p["bagFraction"], bootstrap=True,
                   max_leaf_nodes=p["maxNodes"], random_state=p["seed"], oob_score=False)
    if c.kind == "smileGradientTreeBoost":
        if regression:
            loss = {"LeastSquares": "squared_error", "LeastAbsoluteDeviation": "absolute_error",
                    "Huber": "huber"}.get(p["loss"])
            if loss is None:
                raise InvalidArgument(f"Classifier.smileGradientTreeBoost: unknown loss '{p['loss']}'.")
            return ensemble.GradientBoostingRegressor(n_estimators=p["numberOfTrees"], learning_rate=p["shrinkage"],
                                                      subsample=p["samplingRate"], max_leaf_nodes=p["maxNodes"],
                                                      loss=loss, random_state=p["seed"])
        return ensemble.GradientBoostingClassifier(n_estimators=p["numberOfTrees"], learning_rate=p["shrinkage"],
                                                   subsample=p["samplingRate"], max_leaf_nodes=p["maxNodes"],
                                                   random_state=p["seed"])
    if c.kind == "smileKNN":
        cls = neighbors.KNeighborsRegressor if regression else neighbors.KNeighborsClassifier
        return cls(n_neighbors=p["k"], metric=p["metric"])
    if c.kind == "libsvm":
        if regression:
            return svm.SVR(**{k: v for k, v in p.items()})
        if c.mode in ("PROBABILITY", "MULTIPROBABILITY"):
            return sk.calibration.CalibratedClassifierCV(svm.SVC(random_state=0, **p), ensemble=False)
        return svm.SVC(random_state=0, **p)
    raise InvalidArgument(f"Classifier: '{c.kind}' cannot be trained here.")


def _training_table(features, class_property: str, inputs: list[str], op: str) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for e in features:
        props = e.properties
        if props.get(class_property) is None or any(props.get(p) is None for p in inputs):
            continue  # EE skips training rows with missing values
        values = [props[p] for p in inputs]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values + [props[class_property]]):
            raise InvalidArgument(f"{op}: the class property and the inputs must be numeric.")
        rows.append(values)
        labels.append(props[class_property])
    if not rows:
        raise InvalidArgument(f"{op}: no training features have '{class_property}' and all inputs.")
    return np.array(rows, dtype="float64"), np.array(labels)


@algorithm("Classifier.train", returns=C, classifier=C, features="FeatureCollection", classProperty="String",
           inputProperties="List<String>", subsampling="Float", subsamplingSeed="Integer")
def train(classifier, features, classProperty: str, inputProperties=None, subsampling: float = 1.0,
          subsamplingSeed: int = 0) -> Classifier:
    """Fit on the features' `inputProperties` (default: the collection's 'band_order', as Image.sample sets it)
    against `classProperty` (integer classes unless in REGRESSION mode); `subsampling` keeps a seeded fraction."""
    c = _classifier(classifier)
    coll = as_collection(features, "features")
    if inputProperties is None:
        inputProperties = coll.properties.get("band_order")
        if inputProperties is None:
            raise InvalidArgument("Classifier.train: give inputProperties (the collection has no 'band_order').")
    inputs = as_string_list(inputProperties, "inputProperties")
    elements = [e for e in coll.elements if isinstance(e, Feature)]
    if float(subsampling) < 1.0:
        rng = np.random.default_rng(int(subsamplingSeed))
        elements = [e for e, keep in zip(elements, rng.random(len(elements)) < float(subsampling), strict=True)
                    if keep]
    X, y = _training_table(elements, classProperty, inputs, "Classifier.train")
    return _fit(c, X, y, inputs, classProperty, "Classifier.train")


def _fit(c: Classifier, X: np.ndarray, y: np.ndarray, inputs: list[str], class_property: str, op: str) -> Classifier:
    if c.mode != "REGRESSION":
        if any(float(v) != int(v) for v in y):
            raise InvalidArgument(f"{op}: class values in '{class_property}' must be integers (or set the output "
                                  "mode to REGRESSION).")
        y = y.astype("int64")
    else:
        y = y.astype("float64")
    if c.kind == "minimumDistance":
        model = _minimum_distance_fit(X, y, c.params["metric"])
    else:
        model = _estimator(c, X.shape[1]).fit(X, y)
    labels = tuple(int(v) for v in np.unique(y)) if c.mode != "REGRESSION" else ()
    return replace(c, schema=tuple(inputs), class_property=class_property, model=model, labels=labels,
                   training=(X, y))


def _minimum_distance_fit(X: np.ndarray, y: np.ndarray, metric: str) -> dict:
    classes = np.unique(y)
    means = np.array([X[y == k].mean(axis=0) for k in classes])
    cov_inv = np.linalg.pinv(np.cov(X, rowvar=False).reshape(X.shape[1], X.shape[1])) \
        if metric == "mahalanobis" else None
    return {"classes": classes, "means": means, "cov_inv": cov_inv, "metric": metric}


def _output(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if hasattr(value, "item") else value


@algorithm("FeatureCollection.classify", returns="FeatureCollection", features="FeatureCollection",
           classifier=C, outputName="String")
def classify(features, classifier, outputName: str = "classification") -> Collection:
    """Each feature with the classifier's output in `outputName`; features missing an input are kept without it."""
    c = _classifier(classifier)
    if c.model is None:
        raise InvalidArgument("FeatureCollection.classify: the classifier has not been trained; call train() first.")
    coll = as_collection(features, "features")
    complete = [i for i, e in enumerate(coll.elements)
                if isinstance(e, Feature) and all(e.properties.get(p) is not None for p in c.schema)]
    out = list(coll.elements)
    if complete:
        X = np.array([[coll.elements[i].properties[p] for p in c.schema] for i in complete], dtype="float64")
        predictions = c.predict(X)
        for i, value in zip(complete, predictions, strict=True):
            out[i] = out[i].copy(**{outputName: _output(value)})
    return coll.derive(out)


@algorithm("Classifier.confusionMatrix", returns="ConfusionMatrix", classifier=C)
def confusion_matrix(classifier) -> ConfusionMatrix:
    """The resubstitution error matrix: the trained classifier applied to its own training data (EE's docs)."""
    c = _classifier(classifier)
    if c.model is None or c.mode == "REGRESSION":
        raise InvalidArgument("Classifier.confusionMatrix: needs a classifier trained in CLASSIFICATION mode.")
    X, y = c.training
    predicted = (c.predict(X) if c.mode == "CLASSIFICATION" else c.model.predict(X)).astype("int64")
    size = int(max(y.max(), predicted.max())) + 1
    m = np.zeros((size, size), dtype="int64")
    np.add.at(m, (y, predicted), 1)
    return ConfusionMatrix(m, tuple(range(size)))


@algorithm("Classifier.explain", returns="Dictionary<Object>", classifier=C)
def explain(classifier) -> dict:
    """What was trained: family, inputs, classes, and for tree models the trees and input importances."""
    c = _classifier(classifier)
    out: dict = {"type": c.kind, "mode": c.mode, **{k: v for k, v in c.params.items() if v is not None}}
    if c.model is None:
        return out
    out["inputs"] = list(c.schema)
    if c.labels:
        out["classes"] = list(c.labels)
    importances = getattr(c.model, "feature_importances_", None)
    if importances is not None:
        out["importance"] = {name: float(v) for name, v in zip(c.schema, importances, strict=True)}
    estimators = getattr(c.model, "estimators_", None)
    if estimators is not None:
        out["numberOfTrees"] = int(np.size(estimators))
    if hasattr(c.model, "tree_"):
        out["numberOfNodes"] = int(c.model.tree_.node_count)
    return out

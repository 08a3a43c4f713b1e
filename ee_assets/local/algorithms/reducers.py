"""Reducer constructors (Reducer.mean, .percentile, .setOutputs, .combine …)."""

from __future__ import annotations

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_image, as_string_list
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.reducer import Reducer

for _kind in ("mean", "sum", "count", "stdDev", "variance"):
    algorithm(f"Reducer.{_kind}", returns="Reducer")(lambda k=_kind: Reducer.simple(k))


def _extreme(kind: str, num_inputs: int) -> Reducer:
    """min/max; with numInputs > 1 also the other inputs of the extreme record, as '<kind>1', '<kind>2', …"""
    n = int(num_inputs)
    if n < 1:
        raise InvalidArgument(f"Reducer.{kind}: numInputs must be at least 1, got {n}.")
    return Reducer(kind, (kind,) + tuple(f"{kind}{i}" for i in range(1, n)), False, inputs=n)


@algorithm("Reducer.min", returns="Reducer", numInputs="Integer")
def min_(numInputs: int = 1) -> Reducer:
    return _extreme("min", numInputs)


@algorithm("Reducer.max", returns="Reducer", numInputs="Integer")
def max_(numInputs: int = 1) -> Reducer:
    return _extreme("max", numInputs)


@algorithm("Reducer.median", returns="Reducer")
def median(maxBuckets: int | None = None, minBucketWidth: float | None = None, maxRaw: int | None = None) -> Reducer:
    return Reducer.simple("median")


@algorithm("Reducer.percentile", returns="Reducer", percentiles="List<Number>", outputNames="List<String>")
def percentile(percentiles: list, outputNames: list | None = None, maxBuckets=None, minBucketWidth=None,
               maxRaw=None) -> Reducer:
    ps = tuple(float(p) for p in percentiles)
    if any(not 0 <= p <= 100 for p in ps):
        raise InvalidArgument("Reducer.percentile: percentiles must lie in [0, 100].")
    names = as_string_list(outputNames, "outputNames") if outputNames else [f"p{p:g}" for p in ps]
    if len(names) != len(ps):
        raise InvalidArgument("Reducer.percentile: outputNames must match percentiles in length.")
    return Reducer("percentile", tuple(names), False, ps)


@algorithm("Reducer.setOutputs", returns="Reducer", reducer="Reducer", outputs="List<String>")
def set_outputs(reducer: Reducer, outputs: list) -> Reducer:
    try:
        return reducer.with_outputs(as_string_list(outputs, "outputs"))
    except ValueError as e:
        raise InvalidArgument(f"Reducer.setOutputs: {e}.") from e


@algorithm("Reducer.unweighted", returns="Reducer", reducer="Reducer")
def unweighted(reducer: Reducer) -> Reducer:
    return reducer.unweighted()


@algorithm("Reducer.combine", returns="Reducer", reducer1="Reducer", reducer2="Reducer")
def combine(reducer1: Reducer, reducer2: Reducer, outputPrefix: str = "", sharedInputs: bool = False) -> Reducer:
    """Both reducers' outputs; with sharedInputs both read the same inputs, else reducer2 the inputs after
    reducer1's (two single-input reducers on one band are read as sharing it, as this backend always has)."""
    second = [r.with_outputs([outputPrefix + o for o in r.outputs]) for r in reducer2.leaves]
    parts = tuple(reducer1.leaves) + tuple(second)
    shared = bool(sharedInputs) or all(p.inputs == 1 for p in parts)
    inputs = reducer1.inputs if shared else reducer1.inputs + reducer2.inputs
    return Reducer("combined", tuple(o for p in parts for o in p.outputs), False, (), parts, inputs,
                   (("shared", shared),))


def _simple(kind: str, output: str, weighted: bool = False, **options) -> Reducer:
    return Reducer(kind, (output,), weighted, options=tuple(options.items()))


_SIMPLE = {  # name: (kind, output, weighted, options) for the parameterless single-input reducers
    "first": ("first", "first", False, {}), "last": ("first", "last", False, {"last": True}),
    "firstNonNull": ("first", "first", False, {"non_null": True}),
    "lastNonNull": ("first", "last", False, {"last": True, "non_null": True}),
    "countEvery": ("countEvery", "count", False, {}), "countDistinct": ("countDistinct", "count", False, {}),
    "countDistinctNonNull": ("countDistinct", "count", False, {"non_null": True}),
    "countRuns": ("countRuns", "count", False, {}), "product": ("product", "product", False, {}),
    "anyNonZero": ("anyAll", "any", False, {}), "or": ("anyAll", "any", False, {}),
    "allNonZero": ("anyAll", "all", False, {"all": True}), "and": ("anyAll", "all", False, {"all": True}),
    "bitwiseAnd": ("bitwise", "bitwiseAnd", False, {"and": True}), "bitwiseOr": ("bitwise", "bitwiseOr", False, {}),
    "sampleStdDev": ("sampleStdDev", "stdDev", False, {}), "sampleVariance": ("sampleVariance", "variance", False, {}),
    "skew": ("skew", "skew", False, {}), "kurtosis": ("kurtosis", "kurtosis", False, {}),
    "circularMean": ("circularMean", "circularMean", True, {}),
    "circularStddev": ("circularStddev", "circularStdDev", True, {}),
    "circularVariance": ("circularVariance", "circularVariance", True, {}),
    "frequencyHistogram": ("frequencyHistogram", "histogram", True, {}),
    "centeredCovariance": ("centeredCovariance", "array", False, {}), "covariance": ("covariance", "array", False, {}),
}
for _name, (_kind, _output, _weighted, _options) in _SIMPLE.items():
    algorithm(f"Reducer.{_name}", returns="Reducer")(
        lambda k=_kind, o=_output, w=_weighted, opts=_options: _simple(k, o, w, **opts))


@algorithm("Reducer.minMax", returns="Reducer")
def min_max() -> Reducer:
    """The minimum and maximum, outputs 'min' and 'max' (min and max on shared inputs)."""
    return combine(Reducer.simple("min"), Reducer.simple("max"), sharedInputs=True)


@algorithm("Reducer.mode", returns="Reducer", maxBuckets="Integer", minBucketWidth="Float", maxRaw="Integer")
def mode(maxBuckets=None, minBucketWidth=None, maxRaw=None) -> Reducer:
    """The most frequent value (computed exactly; ties go to the smallest value)."""
    return _simple("mode", "mode", True)


@algorithm("Reducer.intervalMean", returns="Reducer", minPercentile="Float", maxPercentile="Float")
def interval_mean(minPercentile: float, maxPercentile: float, maxBuckets=None, minBucketWidth=None,
                  maxRaw=None) -> Reducer:
    """The mean of the values between the two percentiles (inclusive), computed exactly."""
    return _simple("intervalMean", "mean", min_percentile=float(minPercentile), max_percentile=float(maxPercentile))


@algorithm("Reducer.toList", returns="Reducer", tupleSize="Integer", numOptional="Integer")
def to_list(tupleSize=None, numOptional: int = 0) -> Reducer:
    """The inputs as a list (output 'list'), of tuples when tupleSize is given; records with a null among the
    required inputs are dropped."""
    size = None if tupleSize is None else int(tupleSize)
    return Reducer("toList", ("list",), False, inputs=size or 1,
                   options=(("tuple_size", size), ("num_optional", int(numOptional))))


@algorithm("Reducer.fixedHistogram", returns="Reducer", min="Float", max="Float", steps="Integer",
           cumulative="Boolean")
def fixed_histogram(min: float, max: float, steps: int, cumulative: bool = False) -> Reducer:
    """An N x 2 array of bucket lower edges and counts over `steps` equal buckets of [min, max)."""
    if int(steps) < 1 or not float(max) > float(min):
        raise InvalidArgument("Reducer.fixedHistogram: needs steps >= 1 and max > min.")
    return _simple("fixedHistogram", "histogram", True, min=float(min), max=float(max), steps=int(steps),
                   cumulative=bool(cumulative))


@algorithm("Reducer.histogram", returns="Reducer", maxBuckets="Integer", minBucketWidth="Float", maxRaw="Integer")
def histogram(maxBuckets=None, minBucketWidth=None, maxRaw=None) -> Reducer:
    """A dictionary {bucketMin, bucketWidth, bucketMeans, histogram} with power-of-2 bucket widths."""
    return _simple("histogram", "histogram", True, max_buckets=maxBuckets, min_bucket_width=minBucketWidth)


@algorithm("Reducer.autoHistogram", returns="Reducer", maxBuckets="Integer", minBucketWidth="Float",
           maxRaw="Integer", cumulative="Boolean")
def auto_histogram(maxBuckets=None, minBucketWidth=None, maxRaw=None, cumulative: bool = False) -> Reducer:
    """Reducer.histogram's buckets as an N x 2 array of lower edges and (cumulative) counts."""
    return _simple("histogram", "histogram", True, max_buckets=maxBuckets, min_bucket_width=minBucketWidth,
                   cumulative=True if cumulative else "array")


def _two(kind: str, outputs: tuple[str, ...], weighted: bool = False) -> Reducer:
    return Reducer(kind, outputs, weighted, inputs=2)


@algorithm("Reducer.linearFit", returns="Reducer")
def linear_fit() -> Reducer:
    """Least-squares slope and intercept of y (second input) on x (first): outputs 'scale' and 'offset'."""
    return _two("linearFit", ("scale", "offset"), True)


@algorithm("Reducer.sensSlope", returns="Reducer")
def sens_slope() -> Reducer:
    return _two("sensSlope", ("slope", "offset"))


@algorithm("Reducer.pearsonsCorrelation", returns="Reducer")
def pearsons_correlation() -> Reducer:
    return _two("pearsonsCorrelation", ("correlation", "p-value"))


@algorithm("Reducer.spearmansCorrelation", returns="Reducer")
def spearmans_correlation() -> Reducer:
    return _two("spearmansCorrelation", ("correlation",))


@algorithm("Reducer.linearRegression", returns="Reducer", numX="Integer", numY="Integer")
def linear_regression(numX: int, numY: int = 1) -> Reducer:
    """Least squares of numY dependent on numX independent inputs: 'coefficients' (numX x numY) and 'residuals'."""
    return Reducer("linearRegression", ("coefficients", "residuals"), True, inputs=int(numX) + int(numY),
                   options=(("num_x", int(numX)), ("num_y", int(numY))))


@algorithm("Reducer.ridgeRegression", returns="Reducer", numX="Integer", numY="Integer", **{"lambda": "Float"})
def ridge_regression(numX: int, numY: int = 1, **kwargs) -> Reducer:
    """Ridge regression with an unpenalized intercept (the last coefficient): 'coefficients', 'residuals' and
    'pValue' (null here)."""
    lam = float(kwargs.pop("lambda", 0.1))
    if kwargs:
        raise InvalidArgument(f"Reducer.ridgeRegression: unknown argument(s) {sorted(kwargs)}.")
    return Reducer("ridgeRegression", ("coefficients", "residuals", "pValue"), True, inputs=int(numX) + int(numY),
                   options=(("num_x", int(numX)), ("num_y", int(numY)), ("lambda", lam)))


@algorithm("Reducer.group", returns="Reducer", reducer="Reducer", groupField="Integer", groupName="String")
def group(reducer: Reducer, groupField: int = 0, groupName: str = "group") -> Reducer:
    """Records grouped by input `groupField`, each group reduced by `reducer` (on the other inputs): output
    'groups', a list of {groupName: value, <reducer's outputs>} sorted by value."""
    field = int(groupField)
    if not 0 <= field <= reducer.inputs:
        raise InvalidArgument(f"Reducer.group: groupField must be between 0 and {reducer.inputs}, got {field}.")
    return Reducer("group", ("groups",), reducer.weighted, inputs=reducer.inputs + 1,
                   options=(("group_field", field), ("group_name", str(groupName))), inner=reducer)


@algorithm("Reducer.repeat", returns="Reducer", reducer="Reducer", count="Integer")
def repeat(reducer: Reducer, count: int) -> Reducer:
    """`count` copies of `reducer` on consecutive inputs; each output is the list of the copies' values."""
    n = int(count)
    if n < 1:
        raise InvalidArgument(f"Reducer.repeat: count must be at least 1, got {n}.")
    return Reducer("repeat", reducer.outputs, reducer.weighted, inputs=reducer.inputs * n, options=(("count", n),),
                   inner=reducer)


@algorithm("Reducer.forEach", returns="Reducer", reducer="Reducer", outputNames="List<String>")
def for_each(reducer: Reducer, outputNames: list) -> Reducer:
    """A copy of a one-input `reducer` per name, copy i on input i; a single output takes the name itself, several
    are prefixed '<name>_'."""
    names = as_string_list(outputNames, "outputNames")
    if reducer.inputs != 1:
        raise InvalidArgument("Reducer.forEach: the reducer must take one input.")
    outputs = tuple(names) if len(reducer.outputs) == 1 else tuple(f"{n}_{o}" for n in names for o in
                                                                   reducer.outputs)
    return Reducer("forEach", outputs, reducer.weighted, inputs=len(names), options=(("count", len(names)),),
                   inner=reducer)


@algorithm("Reducer.forEachBand", returns="Reducer", reducer="Reducer", image="Image")
def for_each_band(reducer: Reducer, image) -> Reducer:
    """forEach over the band names of `image`."""
    return for_each(reducer, as_image(image).band_names)


@algorithm("Reducer.splitWeights", returns="Reducer", reducer="Reducer")
def split_weights(reducer: Reducer) -> Reducer:
    """The reducer with its weighted input given as two inputs: the value, then its weight."""
    return Reducer("splitWeights", reducer.outputs, False, inputs=2 * reducer.inputs, inner=reducer)


@algorithm("Reducer.getOutputs", returns="List<String>", reducer="Reducer")
def get_outputs(reducer: Reducer) -> list:
    return list(reducer.outputs)

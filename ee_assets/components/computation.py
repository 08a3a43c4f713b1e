"""What the table and image builders share: names, graph functions, asset attributes, counts, automation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import ee

from ee_assets.components.automation import job_and_schedule
from ee_assets.components.graph_functions import (
    GraphFunction,
    GraphFunctionError,
    ModuleLoader,
    resolve_graph_function,
)
from ee_assets.components.options import AssetOptions
from ee_assets.components.partitions import window
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.transport.expression import canonical_json, serialize
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.stats import TransferStats

EXPRESSION_SUFFIX = "_expression"
COUNT_TYPES = (ee.Dictionary, ee.Number)


class OptionError(ValueError):
    """An option cannot work; `field` names it (e.g. 'graph') so the message can point at its line."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class AssetNames:
    """The two assets of a computation: their keys, and their folders in the output store."""

    result: dg.AssetKey
    expression: dg.AssetKey

    @classmethod
    def of(cls, asset_key: str) -> AssetNames:
        parts = asset_key.split("/")
        return cls(dg.AssetKey(parts), dg.AssetKey([*parts[:-1], parts[-1] + EXPRESSION_SUFFIX]))

    @property
    def result_folder(self) -> str:
        return "/".join(self.result.path)

    @property
    def expression_folder(self) -> str:
        return "/".join(self.expression.path)

    @property
    def ident(self) -> str:
        """A Python identifier for op, check and job names (the key itself when it has one part)."""
        return self.result.to_python_identifier()


@dataclass(frozen=True)
class Functions:
    """The computation's checked graph function, and its counts function if any."""

    graph: GraphFunction
    counts: GraphFunction | None


def resolve_functions(options: AssetOptions, returns: tuple[type, ...], *, base_dir: Path | None,
                      load_module: ModuleLoader | None = None, region: bool = False,
                      callables: Mapping[str, Callable[..., Any]] | None = None) -> Functions:
    """Find and check the graph (and counts) functions; an OptionError naming the field if one cannot work."""
    callables = callables or {}
    partitioned = options.partitions is not None

    def resolve(field: str, ref: str | None, types: tuple[type, ...]) -> GraphFunction | None:
        target = callables.get(field, ref)
        if target is None:
            return None
        try:
            return resolve_graph_function(target, returns=types, partitioned=partitioned, params=options.params,
                                          base_dir=base_dir, load_module=load_module, region=region)
        except GraphFunctionError as e:
            raise OptionError(field, str(e)) from None

    return Functions(resolve("graph", options.graph, returns), resolve("counts", options.counts, COUNT_TYPES))


@dataclass(frozen=True)
class ComputationKind:
    """A kind of computation (table or image): its options, the EE type its graph returns, and its builder."""

    options: type[AssetOptions]
    returns: tuple[type, ...]
    region: bool  # whether graph functions may take each grid's footprint
    build: Callable[[Any, Functions], dg.Definitions]

    def functions(self, options: AssetOptions, base_dir: Path | None, load_module: ModuleLoader | None = None,
                  callables: Mapping[str, Callable[..., Any]] | None = None) -> Functions:
        return resolve_functions(options, self.returns, base_dir=base_dir, load_module=load_module,
                                 region=self.region, callables=callables)

    def from_keywords(self, base_dir: str | Path | None, options: dict[str, Any]) -> dg.Definitions:
        """The factories' body: validate the options, find and check the functions, build the definitions."""
        named, callables = split_callables(options)
        spec = self.options.model_validate(named)
        try:
            functions = self.functions(spec, Path(base_dir) if base_dir else None, callables=callables)
        except OptionError as e:
            raise ValueError(str(e)) from None
        return self.build(spec, functions)


def split_callables(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Callable[..., Any]]]:
    """For the Python factory: graph/counts given as functions are taken out and named by their module path."""
    callables = {k: options[k] for k in ("graph", "counts") if callable(options.get(k))}
    named = {**options, **{k: _placeholder_ref(v) for k, v in callables.items()}}
    return named, callables


def _placeholder_ref(fn: Callable[..., Any]) -> str:
    """A 'module:function' stand-in for a function given as an object (messages use its qualified name)."""
    name = getattr(fn, "__name__", "")
    return f"{getattr(fn, '__module__', None) or 'python'}:{name if name.isidentifier() else 'function'}"


def code_version(options: AssetOptions, functions: Functions) -> str:
    """Changes when the graph's or counts' source or the params change, so Dagster marks results stale."""
    digest = hashlib.sha256()
    for function in (functions.graph, functions.counts):
        if function is not None:
            digest.update(function.source_digest().encode())
    digest.update(canonical_json(options.params) if _jsonable(options.params) else repr(options.params).encode())
    return digest.hexdigest()[:16]


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def partitions_def(options: AssetOptions) -> dg.PartitionsDefinition | None:
    return options.partitions.definition() if options.partitions else None


def run_window(context: dg.AssetExecutionContext, options: AssetOptions) -> tuple[str, str] | None:
    return window(context) if options.partitions else None


def partition_key(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> str | None:
    return context.partition_key if context.has_partition_key else None


def common_attributes(options: AssetOptions, names: AssetNames, functions: Functions) -> dict[str, Any]:
    """@dg.asset arguments both assets share."""
    return {
        "partitions_def": partitions_def(options),
        "group_name": options.group or names.result.path[-1],
        "owners": list(options.owners),
        "tags": dict(options.tags),
        "code_version": code_version(options, functions),
        "automation_condition": options.automation.condition() if options.automation else None,
    }


def graph_metadata(options: AssetOptions, functions: Functions, span: tuple[str, str] | None) -> dict[str, Any]:
    """How the expression was made: the function, its params, the window."""
    metadata: dict[str, Any] = {"graph": functions.graph.ref,
                                "params": dg.MetadataValue.json(json.loads(json.dumps(options.params, default=str)))}
    if span:
        metadata["window"] = f"[{span[0]}, {span[1]})"
    return metadata


def evaluate_counts(earth_engine: EarthEngineResource, functions: Functions, options: AssetOptions,
                    span: tuple[str, str] | None, stats: TransferStats, label: RequestLabel,
                    region: ee.Geometry | None = None, where: str = "") -> dict[str, int]:
    """The counts function's values (one value:compute request); fails the step if any is zero."""
    if functions.counts is None:
        return {}
    try:
        value = functions.counts.call(span, options.params, region)
    except GraphFunctionError as e:
        raise dg.Failure(str(e), allow_retries=False) from None
    answer = earth_engine.compute_value(serialize(value), stats, label)
    counts = answer if isinstance(answer, dict) else {"count": answer}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in counts.values()):
        raise dg.Failure(f"{functions.counts.ref} must give numbers, got {answer!r}.", allow_retries=False)
    counts = {k: int(v) for k, v in counts.items()}
    zero = [k for k, v in counts.items() if v == 0]
    if zero:
        span_text = f" in [{span[0]}, {span[1]})" if span else ""
        sample = " (the local sample data has MODIS for 2020-2021 and Sentinel-2 for 2020)" \
            if earth_engine.connection.backend == "local" else ""
        raise dg.Failure(
            f"{label.asset}: {', '.join(zero)} = 0{span_text}{where} ({functions.counts.ref}), so there is nothing "
            f"to compute for this partition. Check the params (asset ids, filters) and that the data covers the "
            f"window{sample}.", allow_retries=False)
    return counts


def automation_definitions(options: AssetOptions, names: AssetNames, what: str) -> dict[str, list]:
    """The job and schedule, when a schedule is configured."""
    if options.schedule is None:
        return {"jobs": [], "schedules": []}
    job, schedule = job_and_schedule(options.schedule, f"{names.ident}_job", [names.expression, names.result],
                                     partitions_def(options), what)
    return {"jobs": [job], "schedules": [schedule]}


def call_graph(functions: Functions, options: AssetOptions, span: tuple[str, str] | None,
               region: ee.Geometry | None = None) -> dict:
    """The graph function's EE object for this partition, serialized (a clear failure if it is the wrong type)."""
    try:
        return serialize(functions.graph.call(span, options.params, region))
    except GraphFunctionError as e:
        raise dg.Failure(str(e), allow_retries=False) from None

"""The user's graph functions: found from `graph.py:fn` or `module:fn`, checked when the definitions load.

A graph function is `fn(start: str, end: str, **params) -> ee.FeatureCollection | ee.Image`, called with the
partition's window `[start, end)` as ISO dates (an unpartitioned asset's function gets neither). An image
function that takes a `region` parameter is also given each grid's footprint as an `ee.Geometry`.

Loading checks everything that can be checked without Earth Engine: the file, module and function exist, the
function accepts exactly the arguments it will be called with, and its return annotation (if any) is the EE type
the component needs. The value it returns is checked again when it runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import ee

START, END, REGION = "start", "end", "region"
ModuleLoader = Callable[[Path], ModuleType]


class GraphFunctionError(ValueError):
    """A graph function cannot be found or does not fit how it will be called (the message says what to fix)."""


@dataclass(frozen=True)
class GraphFunction:
    """A checked graph function and how to call it."""

    ref: str  # as written in the config, e.g. "graph.py:evi_max"
    fn: Callable[..., Any]
    returns: tuple[type, ...]  # accepted EE types
    partitioned: bool
    takes_region: bool

    def call(self, window: tuple[str, str] | None, params: Mapping[str, Any], region: ee.Geometry | None = None
             ) -> Any:
        """The EE object for one partition (and grid); a clear error if it is not of the declared type."""
        kwargs = dict(params)
        if self.partitioned:
            kwargs |= {START: window[0], END: window[1]}
        if self.takes_region:
            kwargs[REGION] = region
        value = self.fn(**kwargs)
        if not isinstance(value, self.returns):
            raise GraphFunctionError(
                f"{self.ref} returned {_type_name(type(value))}, but {_names(self.returns)} is needed here; "
                f"return {_names(self.returns)} (wrap an ee.ComputedObject, e.g. ee.{self.returns[0].__name__}(x)).")
        return value

    def source_digest(self) -> str:
        """The function's source (for the assets' code version); its qualified name if the source is unavailable."""
        try:
            return inspect.getsource(self.fn)
        except (OSError, TypeError):
            return f"{getattr(self.fn, '__module__', '')}.{getattr(self.fn, '__qualname__', repr(self.fn))}"


def describe_ref(ref: str | Callable[..., Any]) -> str:
    """How to name a graph function in messages and metadata."""
    if isinstance(ref, str):
        return ref
    return f"{getattr(ref, '__module__', '?')}:{getattr(ref, '__qualname__', repr(ref))}"


def resolve_graph_function(ref: str | Callable[..., Any], *, returns: tuple[type, ...], partitioned: bool,
                           params: Mapping[str, Any], base_dir: Path | None = None,
                           load_module: ModuleLoader | None = None, region: bool = False) -> GraphFunction:
    """Find `ref` and check it can be called as it will be (see the module docstring)."""
    fn = ref if callable(ref) else _find(ref, base_dir, load_module)
    name = describe_ref(ref)
    if not callable(fn):
        raise GraphFunctionError(f"{name} is {_type_name(type(fn))}, not a function.")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        signature = None
    takes_region = bool(region and signature is not None and REGION in signature.parameters)
    if signature is not None:
        _check_arguments(name, signature, partitioned, params, takes_region, region)
    _check_return_annotation(name, fn, returns)
    return GraphFunction(name, fn, returns, partitioned, takes_region)


def _find(ref: str, base_dir: Path | None, load_module: ModuleLoader | None) -> Any:
    where, sep, attr = ref.rpartition(":")
    if not sep or not where or not attr:
        raise GraphFunctionError(f"{ref!r} must look like 'graph.py:function' (a file next to the config) or "
                                 "'package.module:function'.")
    module = _load_file(where, base_dir, load_module) if where.endswith(".py") else _import(where)
    if not hasattr(module, attr):
        defined = sorted(n for n, v in vars(module).items()
                         if inspect.isfunction(v) and v.__module__ == module.__name__ and not n.startswith("_"))
        raise GraphFunctionError(f"{where} has no function {attr!r}; it defines: {', '.join(defined) or 'none'}. "
                                 f"Fix the name after ':' in {ref!r}.")
    return getattr(module, attr)


def _load_file(relative: str, base_dir: Path | None, load_module: ModuleLoader | None) -> ModuleType:
    if base_dir is None:
        raise GraphFunctionError(f"{relative!r} is a file, but there is no folder to find it in; give base_dir, or "
                                 "use 'package.module:function'.")
    path = (base_dir / relative).resolve()
    if not path.is_file():
        raise GraphFunctionError(f"there is no file {relative} in {base_dir} (looked for {path}).")
    try:
        if load_module is not None:
            return load_module(path)
        return _import_file(path)
    except GraphFunctionError:
        raise
    except Exception as e:
        raise GraphFunctionError(f"importing {relative} failed: {type(e).__name__}: {e}") from e


def _import_file(path: Path) -> ModuleType:
    """Import a Python file outside any package, once per path."""
    name = f"ee_assets_graph_{abs(hash(str(path)))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _import(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise GraphFunctionError(f"cannot import module {module!r} ({e}).") from e


def _check_arguments(name: str, signature: inspect.Signature, partitioned: bool, params: Mapping[str, Any],
                     takes_region: bool, region_offered: bool) -> None:
    parameters = signature.parameters
    reserved = [k for k in (START, END, *([REGION] if region_offered else [])) if k in params]
    if reserved:
        raise GraphFunctionError(f"params may not set {', '.join(reserved)}: the component passes "
                                 f"{'them' if len(reserved) > 1 else 'it'} to {name}.")
    if partitioned:
        missing = [k for k in (START, END) if k not in parameters
                   and not any(p.kind == p.VAR_KEYWORD for p in parameters.values())]
        if missing:
            raise GraphFunctionError(f"{name} must take start and end (the partition's window as ISO dates), "
                                     f"e.g. def {name.rpartition(':')[2]}(start, end, ...).")
    else:
        given = [k for k in (START, END) if k in parameters and parameters[k].default is inspect.Parameter.empty]
        if given:
            raise GraphFunctionError(f"{name} requires {' and '.join(given)}, but the asset has no partitions "
                                     "to give a window: add `partitions:` or drop those parameters.")
    accepted = ", ".join(p for p in parameters if parameters[p].kind not in (
        inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD))
    if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        unknown = sorted(k for k in params if k not in parameters)
        if unknown:
            raise GraphFunctionError(f"{name} does not take {', '.join(map(repr, unknown))} (from params); it takes "
                                     f"({accepted}): fix the params or the function.")
    kwargs = dict(params)
    if partitioned:
        kwargs |= {START: "", END: ""}
    if takes_region:
        kwargs[REGION] = None
    try:
        signature.bind(**kwargs)
    except TypeError as e:
        raise GraphFunctionError(f"{name} cannot be called with params {sorted(params)}: {e}. It takes "
                                 f"({accepted}); make params match its parameters.") from None


def _check_return_annotation(name: str, fn: Callable[..., Any], returns: tuple[type, ...]) -> None:
    try:
        hint = typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation that cannot be evaluated is not checked here; the value is, at run time
        return
    if hint is None:
        return
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    wrong = [o for o in options if not (isinstance(o, type) and issubclass(o, returns))]
    if wrong:
        raise GraphFunctionError(f"{name} is annotated to return {_type_name(hint)}, but {_names(returns)} is "
                                 f"needed here; return {_names(returns)} (and annotate it so).")


def _type_name(t: Any) -> str:
    if isinstance(t, type):
        return f"ee.{t.__name__}" if t.__module__.startswith("ee") else t.__qualname__
    return str(t)


def _names(types: tuple[type, ...]) -> str:
    return " or ".join(f"an {_type_name(t)}" for t in types)

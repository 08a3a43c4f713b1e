"""Evaluate an EE Expression (the JSON that `ee.serializer.encode` produces).

An Expression is `{"values": {key: ValueNode}, "result": key}`. Value references
are evaluated once and shared, except values that read an argument of an
enclosing function, which depend on the call. Function definitions are lexical
closures whose body is a key into `values`.
"""

from __future__ import annotations

import base64
import inspect
from dataclasses import dataclass, field
from typing import Any

from ee_assets.limits import MAX_GRAPH_DEPTH
from ee_assets.local.algorithms import implemented
from ee_assets.local.algorithms.registry import Algorithm
from ee_assets.local.errors import ApiError, InvalidArgument
from ee_assets.local.evaluator.context import EvalContext

_NODE_KINDS = (
    "constantValue",
    "integerValue",
    "bytesValue",
    "arrayValue",
    "dictionaryValue",
    "functionDefinitionValue",
    "functionInvocationValue",
    "argumentReference",
    "valueReference",
)


@dataclass
class Closure:
    """A function defined in the graph, with the environment it was defined in."""

    argument_names: list[str]
    body: str
    env: dict[str, Any]
    evaluator: Evaluator

    def __call__(self, *args, **kwargs) -> Any:
        bound = dict(zip(self.argument_names, args, strict=False))
        bound.update(kwargs)
        missing = [n for n in self.argument_names if n not in bound]
        if missing:
            raise InvalidArgument(f"Function call is missing argument(s): {', '.join(missing)}.")
        return self.evaluator.evaluate_key(self.body, {**self.env, **bound})


@dataclass
class Evaluator:
    expression: dict
    ctx: EvalContext
    _memo: dict[str, Any] = field(default_factory=dict)
    _free: dict[str, frozenset] = field(default_factory=dict)
    _depth: int = 0

    def __post_init__(self) -> None:
        values = self.expression.get("values") if isinstance(self.expression, dict) else None
        if not isinstance(values, dict) or "result" not in self.expression:
            raise InvalidArgument("Invalid expression: expected an object with 'values' and 'result'.")
        self.values: dict = values
        self.algorithms: dict[str, Algorithm] = implemented()

    def run(self) -> Any:
        return self.evaluate_key(self.expression["result"], {})

    # -- nodes -------------------------------------------------------------------------------------------
    def evaluate_key(self, key: str, env: dict[str, Any]) -> Any:
        if not isinstance(key, str) or key not in self.values:
            raise InvalidArgument(f"Invalid expression: reference to undefined value '{key}'.")
        free = self.free_arguments(key)
        if not free:
            if key not in self._memo:
                self._memo[key] = self.evaluate_node(self.values[key], env)
            return self._memo[key]
        return self.evaluate_node(self.values[key], env)

    def evaluate_node(self, node: Any, env: dict[str, Any]) -> Any:
        kind = _kind_of(node)
        value = node[kind]
        if kind == "constantValue":
            return value
        if kind == "integerValue":
            return int(value)
        if kind == "bytesValue":
            return base64.b64decode(value)
        if kind == "valueReference":
            return self.evaluate_key(value, env)
        if kind == "argumentReference":
            if value not in env:
                raise InvalidArgument(f"Invalid expression: argument '{value}' referenced outside its function.")
            return env[value]
        if kind == "arrayValue":
            return [self.evaluate_node(v, env) for v in _get(value, "values", list)]
        if kind == "dictionaryValue":
            return {k: self.evaluate_node(v, env) for k, v in _get(value, "values", dict).items()}
        if kind == "functionDefinitionValue":
            return Closure(list(value.get("argumentNames", [])), value.get("body"), env, self)
        return self.invoke(value, env)

    def invoke(self, call: dict, env: dict[str, Any]) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_GRAPH_DEPTH * 4:
                raise InvalidArgument("Expression is too deeply nested.")
            args = {k: self.evaluate_node(v, env) for k, v in _get(call, "arguments", dict).items()}
            if "functionName" in call:
                return self.call_algorithm(call["functionName"], args)
            if "functionReference" in call:
                fn = self.evaluate_key(call["functionReference"], env)
                if not callable(fn):
                    raise InvalidArgument("Invalid expression: functionReference does not name a function.")
                return fn(**args)
            raise InvalidArgument("Invalid expression: functionInvocationValue needs functionName or "
                                  "functionReference.")
        finally:
            self._depth -= 1

    def call_algorithm(self, name: str, args: dict[str, Any]) -> Any:
        alg = self.algorithms.get(name)
        if alg is None:
            raise InvalidArgument(
                f"{name}: this algorithm is not implemented by the ee_assets local backend "
                f"({len(self.algorithms)} are; list them with `python -m ee_assets.local algorithms`)."
            )
        kwargs = bind_arguments(alg, args)
        try:
            return alg.fn(self.ctx, **kwargs) if alg.needs_context else alg.fn(**kwargs)
        except ApiError as e:
            if not e.message.startswith(name.split(".")[0]) and ":" not in e.message[:60]:
                e.message = f"{name}: {e.message}"
                e.args = (e.message,)
            raise

    # -- static analysis ---------------------------------------------------------------------------------
    def free_arguments(self, key: str) -> frozenset:
        """Names of enclosing-function arguments that value `key` reads (empty → evaluate once)."""
        if key in self._free:
            return self._free[key]
        self._free[key] = frozenset()  # guards cycles; the graph must be a DAG
        result = frozenset(self._free_in(self.values[key]))
        self._free[key] = result
        return result

    def _free_in(self, node: Any) -> set:
        kind = _kind_of(node)
        value = node[kind]
        if kind == "argumentReference":
            return {value}
        if kind == "valueReference":
            return set(self.free_arguments(value)) if value in self.values else set()
        if kind == "arrayValue":
            return set().union(*(self._free_in(v) for v in value.get("values", [])))
        if kind == "dictionaryValue":
            return set().union(*(self._free_in(v) for v in value.get("values", {}).values()))
        if kind == "functionDefinitionValue":
            body = value.get("body")
            inner = set(self.free_arguments(body)) if body in self.values else set()
            return inner - set(value.get("argumentNames", []))
        if kind == "functionInvocationValue":
            out = set().union(*(self._free_in(v) for v in value.get("arguments", {}).values()))
            ref = value.get("functionReference")
            if ref in self.values:
                out |= self.free_arguments(ref)
            return out
        return set()


def bind_arguments(alg: Algorithm, args: dict[str, Any]) -> dict[str, Any]:
    """Check a call's arguments against the implementation's signature, EE-style messages on mismatch."""
    params = {p.name: p for p in alg.parameters}
    unknown = [k for k in args if k not in params]
    if unknown and not alg.accepts_extra_kwargs:
        raise InvalidArgument(f"{alg.name}: Unrecognized argument(s): {', '.join(sorted(unknown))}.")
    for p in params.values():
        required = p.default is inspect.Parameter.empty
        if required and args.get(p.name) is None:
            raise InvalidArgument(f"{alg.name}: Parameter '{p.name}' is required and may not be null.")
    return {k: v for k, v in args.items() if not (v is None and params.get(k) is not None
                                                  and params[k].default is not inspect.Parameter.empty)}


def _kind_of(node: Any) -> str:
    if not isinstance(node, dict):
        raise InvalidArgument(f"Invalid expression: a value node must be an object, got {type(node).__name__}.")
    kinds = [k for k in node if k in _NODE_KINDS]
    if len(kinds) != 1:
        raise InvalidArgument(
            f"Invalid expression: a value node must have exactly one of {', '.join(_NODE_KINDS)}; got {sorted(node)}."
        )
    return kinds[0]


def _get(obj: Any, key: str, typ: type):
    value = obj.get(key, typ()) if isinstance(obj, dict) else None
    if not isinstance(value, typ):
        raise InvalidArgument(f"Invalid expression: '{key}' must be a {typ.__name__}.")
    return value

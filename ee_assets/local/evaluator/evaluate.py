"""Evaluate an EE Expression (the JSON that `ee.serializer.encode` produces).

An Expression is `{"values": {key: ValueNode}, "result": key}`. Value references
are evaluated once and shared, except values that read an argument of an
enclosing function, which depend on the call. Function definitions are lexical
closures whose body is a key into `values`.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ee_assets.limits import MAX_GRAPH_DEPTH
from ee_assets.local import budget
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


MAX_CALL_DEPTH = MAX_GRAPH_DEPTH * 4  # nested algorithm calls an expression may have
MAX_PENDING_NODES = 100_000  # nodes waiting for their arguments at once (reference chains without calls)


@dataclass(eq=False)
class _Frame:
    """A node waiting for the values of its children (arguments, list items, a referenced value)."""

    kind: str  # "reference", "array", "dictionary" or "invocation"
    env: dict[str, Any]
    children: list
    payload: Any  # the key (reference), the keys (dictionary) or the call (invocation)
    values: list = field(default_factory=list)


@dataclass
class Evaluator:
    expression: dict
    ctx: EvalContext
    _memo: dict[str, Any] = field(default_factory=dict)
    _free: dict[str, frozenset] = field(default_factory=dict)
    _depth: int = 0
    _running: set = field(default_factory=set)  # keys being evaluated once (a key met again there is a cycle)

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
        return self.evaluate_node({"valueReference": key}, env)

    def evaluate_node(self, node: Any, env: dict[str, Any]) -> Any:
        """The value of `node`, its arguments evaluated on an explicit stack rather than by recursion, so the depth
        an expression may have is MAX_CALL_DEPTH, not whatever the interpreter's recursion limit leaves."""
        value, frame = self._start(node, env)
        if frame is None:
            return value
        stack = [frame]
        try:
            while stack:
                frame = stack[-1]
                if len(frame.values) < len(frame.children):
                    value, child = self._start(frame.children[len(frame.values)], frame.env)
                    if child is None:
                        frame.values.append(value)
                    elif len(stack) >= MAX_PENDING_NODES:
                        raise InvalidArgument("Expression is too deeply nested (a chain of more than "
                                              f"{MAX_PENDING_NODES} references).")
                    else:
                        stack.append(child)
                    continue
                stack.pop()
                value = self._finish(frame)
                if stack:
                    stack[-1].values.append(value)
            return value
        finally:
            for pending in stack:  # an error unwound the stack: undo what the unfinished frames started
                self._abandon(pending)

    def _start(self, node: Any, env: dict[str, Any]) -> tuple[Any, _Frame | None]:
        """(value, None) for a node that needs no evaluation of children, else (None, its frame)."""
        kind = _kind_of(node)
        value = node[kind]
        if kind == "constantValue":
            return value, None
        if kind == "integerValue":
            return int(value), None
        if kind == "bytesValue":
            return base64.b64decode(value), None
        if kind == "argumentReference":
            if value not in env:
                raise InvalidArgument(f"Invalid expression: argument '{value}' referenced outside its function.")
            return env[value], None
        if kind == "functionDefinitionValue":
            if not isinstance(value, dict):
                raise InvalidArgument("Invalid expression: 'functionDefinitionValue' must be an object.")
            return Closure(list(value.get("argumentNames", [])), value.get("body"), env, self), None
        if kind == "valueReference":
            if not isinstance(value, str) or value not in self.values:
                raise InvalidArgument(f"Invalid expression: reference to undefined value '{value}'.")
            if not self.free_arguments(value):  # evaluated once, shared by every reference
                if value in self._memo:
                    return self._memo[value], None
                if value in self._running:
                    raise InvalidArgument(f"Invalid expression: value '{value}' refers to itself.")
                self._running.add(value)
            return None, _Frame("reference", env, [self.values[value]], value)
        if kind == "arrayValue":
            return None, _Frame("array", env, list(_get(value, "values", list)), None)
        if kind == "dictionaryValue":
            items = _get(value, "values", dict)
            return None, _Frame("dictionary", env, list(items.values()), list(items))
        # functionInvocationValue
        arguments = _get(value, "arguments", dict)
        self._depth += 1
        if self._depth > MAX_CALL_DEPTH:
            self._depth -= 1
            raise InvalidArgument(f"Expression is too deeply nested (more than {MAX_CALL_DEPTH} nested calls).")
        children = list(arguments.values())
        if "functionName" not in value and "functionReference" in value:
            children.append({"valueReference": value["functionReference"]})
        return None, _Frame("invocation", env, children, (value, list(arguments)))

    def _finish(self, frame: _Frame) -> Any:
        if frame.kind == "reference":
            key = frame.payload
            if key in self._running:
                self._running.discard(key)
                self._memo[key] = frame.values[0]
            return frame.values[0]
        if frame.kind == "array":
            return frame.values
        if frame.kind == "dictionary":
            return dict(zip(frame.payload, frame.values, strict=True))
        try:
            call, names = frame.payload
            args = dict(zip(names, frame.values, strict=False))
            budget.check()
            if "functionName" in call:
                return self.call_algorithm(call["functionName"], args)
            if "functionReference" in call:
                fn = frame.values[-1]
                if not callable(fn):
                    raise InvalidArgument("Invalid expression: functionReference does not name a function.")
                return fn(**args)
            raise InvalidArgument("Invalid expression: functionInvocationValue needs functionName or "
                                  "functionReference.")
        finally:
            self._depth -= 1

    def _abandon(self, frame: _Frame) -> None:
        if frame.kind == "invocation":
            self._depth -= 1
        elif frame.kind == "reference":
            self._running.discard(frame.payload)

    def call_algorithm(self, name: str, args: dict[str, Any]) -> Any:
        alg = self.algorithms.get(name)
        if alg is None:
            raise InvalidArgument(
                f"{name}: this algorithm is not implemented by the ee_assets local backend "
                f"({len(self.algorithms)} are; list them with `python -m ee_assets.local algorithms`)."
            )
        kwargs = bind_arguments(alg, args)
        try:
            result = alg.fn(self.ctx, **kwargs) if alg.needs_context else alg.fn(**kwargs)
        except ApiError as e:
            if not e.message.startswith(name.split(".")[0]) and ":" not in e.message[:60]:
                e.message = f"{name}: {e.message}"
                e.args = (e.message,)
            raise
        budget.require(budget.value_size(result), name)
        return result

    # -- static analysis ---------------------------------------------------------------------------------
    def free_arguments(self, key: str) -> frozenset:
        """Names of enclosing-function arguments that value `key` reads (empty → evaluate once).

        Keys are analysed children first on an explicit stack; a key met again while it is being analysed (a
        cycle) counts as reading nothing, and evaluating it then reports the cycle."""
        if key in self._free:
            return self._free[key]
        stack = [(key, iter(self._references(key)))]
        visiting = {key}
        while stack:
            current, refs = stack[-1]
            ref = next(refs, None)
            if ref is None:
                stack.pop()
                self._free[current] = frozenset(self._reads(current))
            elif ref in self.values and ref not in self._free and ref not in visiting:
                visiting.add(ref)
                stack.append((ref, iter(self._references(ref))))
        return self._free[key]

    def _references(self, key: str) -> list[str]:
        """The keys value `key` refers to: value references, function bodies and function references."""
        out = []
        for kind, value in _nodes(self.values[key]):
            if kind != "valueReference" and not isinstance(value, dict):
                continue
            if kind == "valueReference":
                out.append(value)
            elif kind == "functionDefinitionValue":
                out.append(value.get("body"))
            elif kind == "functionInvocationValue" and "functionReference" in value:
                out.append(value["functionReference"])
        return [k for k in out if isinstance(k, str)]

    def _reads(self, key: str) -> set:
        """The arguments value `key` reads, given the analysis of the keys it refers to."""
        out: set = set()
        for kind, value in _nodes(self.values[key]):
            if kind == "argumentReference" and isinstance(value, str):
                out.add(value)
            elif kind == "valueReference" and isinstance(value, str):
                out |= self._free.get(value, frozenset())
            elif kind == "functionDefinitionValue" and isinstance(value, dict) and isinstance(value.get("body"), str):
                out |= self._free.get(value["body"], frozenset()) - set(value.get("argumentNames", []))
            elif kind == "functionInvocationValue" and isinstance(value, dict) and isinstance(
                    value.get("functionReference"), str):
                out |= self._free.get(value["functionReference"], frozenset())
        return out


def pruned(expression: dict) -> dict:
    """The expression with only the values its result depends on (what a stored thumbnail request needs)."""
    if not isinstance(expression, dict) or not isinstance(expression.get("values"), dict):
        return expression
    values = expression["values"]
    evaluator = Evaluator(expression, EvalContext(None))  # only its static analysis is used
    keep, stack = set(), [expression.get("result")]
    while stack:
        key = stack.pop()
        if isinstance(key, str) and key in values and key not in keep:
            keep.add(key)
            stack.extend(evaluator._references(key))
    return {**expression, "values": {k: v for k, v in values.items() if k in keep}}


def _nodes(root: Any) -> Iterator[tuple[str, Any]]:
    """(kind, value) of `root` and of every node nested in it (not following references), without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        kind = _kind_of(node)
        value = node[kind]
        yield kind, value
        if kind == "arrayValue" and isinstance(value, dict):
            stack.extend(value.get("values", []))
        elif kind == "dictionaryValue" and isinstance(value, dict):
            stack.extend(value.get("values", {}).values())
        elif kind == "functionInvocationValue" and isinstance(value, dict):
            stack.extend(value.get("arguments", {}).values())


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

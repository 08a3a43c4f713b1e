"""The algorithm registry: EE algorithm name → Python implementation.

Implementations are plain functions whose parameter names are EE's argument
names (as the client sends them) and whose defaults are EE's defaults. The
evaluator binds a call's arguments by name; the protocol layer publishes the
client's own signature list and marks which names are implemented here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Algorithm:
    """One implemented EE algorithm."""

    name: str
    fn: Callable
    returns: str = "Object"
    arg_types: dict[str, str] = field(default_factory=dict)
    description: str = ""
    # True when the implementation wants the evaluation context as its first argument `ctx`.
    needs_context: bool = False

    @property
    def parameters(self) -> list[inspect.Parameter]:
        params = list(inspect.signature(self.fn).parameters.values())
        if self.needs_context:
            params = params[1:]
        return [p for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]

    @property
    def accepts_extra_kwargs(self) -> bool:
        return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(self.fn).parameters.values())

    def signature(self) -> dict:
        """This algorithm's signature in the format of the client's `algorithms.json` entries."""
        args = []
        for p in self.parameters:
            entry = {"argumentName": p.name, "type": self.arg_types.get(p.name, "Object"), "description": ""}
            if p.default is not inspect.Parameter.empty:
                entry["optional"] = True
                entry["defaultValue"] = p.default if _jsonable(p.default) else None
            args.append(entry)
        return {
            "name": f"algorithms/{self.name}",
            "description": self.description or (inspect.getdoc(self.fn) or "").split("\n")[0],
            "returnType": self.returns,
            "arguments": args,
        }


def _jsonable(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


REGISTRY: dict[str, Algorithm] = {}


def algorithm(name: str, /, returns: str = "Object", needs_context: bool = False, **arg_types: str):
    """Register `fn` as the implementation of the EE algorithm `name`; `arg_types` are EE's types of its arguments.

    `name` is positional-only, so an algorithm may have an argument called `name` (FeatureCollection.makeArray)."""

    def register(fn: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"algorithm {name!r} registered twice")
        REGISTRY[name] = Algorithm(name, fn, returns, dict(arg_types), needs_context=needs_context)
        return fn

    return register

"""The dg plumbing both components share: the YAML schema is the options model itself, and graph functions are
checked while the YAML loads, so a problem is reported with the file and line of the field that caused it."""

from __future__ import annotations

import keyword
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import dagster as dg
from dagster.components.core.context import ComponentDeclLoadContext
from dagster.components.resolved.errors import ResolutionException
from pydantic import BaseModel

from ee_assets.components.computation import ComputationKind, Functions, OptionError
from ee_assets.components.graph_functions import ModuleLoader


def _located(context: dg.ResolutionContext, field: str, message: str) -> str:
    """`message` prefixed with the file, line and source excerpt of `attributes.<field>` when known."""
    tree = context.source_position_tree
    if tree is None:
        return f"attributes.{field}: {message}"
    try:
        source = tree.source_error(yaml_path=[*context.path, field], inline_error_message=message, value_error=True)
        return f"{source.file_name}:{source.start_line_no} - {source.location}: {message}\n{source.snippet}"
    except Exception:  # no position for that path (e.g. a default): name the field only
        return f"attributes.{field}: {message}"


def module_loader(load_context: ComponentDeclLoadContext) -> ModuleLoader | None:
    """Import files next to defs.yaml as modules of the defs package (so relative imports work) when the folder
    names allow it; otherwise graph_functions imports them by path."""
    relative = load_context.path.absolute().relative_to(load_context.defs_module_path.absolute())
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in relative.parts):
        return None

    def load(path: Path) -> ModuleType:
        return load_context.load_defs_relative_python_module(path)

    return load


class EarthEngineComponent(dg.Component, dg.Resolvable):
    """Base of the Earth Engine components; concrete classes also derive from their kind's options model."""

    kind: ClassVar[ComputationKind]

    @classmethod
    def model(cls) -> type[BaseModel]:
        """The YAML schema is the options model: unknown keys, bad sizes or ranges fail `dg check yaml`."""
        return cls.kind.options

    @classmethod
    def resolve_from_model(cls, context: dg.ResolutionContext, model: BaseModel) -> EarthEngineComponent:
        values: dict[str, Any] = context.resolve_value(model.model_dump(exclude_unset=True))
        component = cls(**values)
        load_context = _load_context(context)
        if load_context is not None:
            try:
                component.functions(load_context.path, module_loader(load_context))
            except OptionError as e:
                raise ResolutionException(_located(context, e.field, e.message)) from None
        return component

    def functions(self, base_dir: Path | None, load_module: ModuleLoader | None = None) -> Functions:
        return self.kind.functions(self, base_dir, load_module)

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        return self.kind.build(self, self.functions(context.path, module_loader(context)))


def _load_context(context: dg.ResolutionContext) -> ComponentDeclLoadContext | None:
    try:
        return ComponentDeclLoadContext.from_resolution_context(context)
    except Exception:  # resolved outside a defs folder (e.g. from_attributes_dict in a test): checked at build
        return None

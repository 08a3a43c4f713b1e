"""How much memory evaluating image bands takes per output pixel, so tiles can be sized to a request's budget.

A tile is evaluated with a pixel cache of its own: every recipe the bands depend on keeps its output (float64 values,
float32 mask) until the tile is done, and some recipes that reduce many inputs at once stack them first. So the
working set per pixel is about 12 bytes per distinct recipe, plus 9 bytes per input of a many-input recipe that
stacks them (the compiled composites of kernels/composite.py stream through their inputs instead), and a quarter
more for the temporaries numpy makes on the way (calibrated on composites of 40-74 images: the tiles then fit the
budget without being smaller than they need to be), plus the scratch memory a recipe declares (a neighbourhood
stacked per pixel, a graph: Recipe.scratch_bytes_per_pixel). The recipes are found by walking the bands' recipe graph
through the fields that hold recipes, bands or images. Work a recipe hides elsewhere (a larger grid it asks its
input for) is not seen here; the pixel charges made while evaluating (budget.py) still bound it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ee_assets.local.budget import PIXEL_BYTES
from ee_assets.local.values.image import Band, Image, Recipe

STACKED_BYTES = 9  # per input of a many-input recipe: the float64 value and the validity byte it is stacked as
TEMPORARIES = 1.25  # numpy's temporaries: a quarter more, on the whole, while recipes compute
MANY_INPUTS = 3


def bytes_per_pixel(bands: Sequence[Band]) -> int:
    """Estimated peak bytes per output pixel of evaluating `bands` together (one pixel cache)."""
    seen: set[int] = set()
    stack: list[Recipe] = [b.recipe for b in bands]
    total = 0
    while stack:
        recipe = stack.pop()
        if id(recipe) in seen:
            continue
        seen.add(id(recipe))
        inputs = list(_inputs(recipe))
        stacks = len(inputs) >= MANY_INPUTS and not _streams_inputs(recipe)
        total += PIXEL_BYTES + (STACKED_BYTES * len(inputs) if stacks else 0) + recipe.scratch_bytes_per_pixel
        stack.extend(inputs)
    return int(TEMPORARIES * total)


def _streams_inputs(recipe: Recipe) -> bool:
    """True for recipes whose function reads its inputs without stacking them (kernels/composite.py marks those)."""
    fn = getattr(recipe, "fn", None)
    return bool(getattr(fn, "streams_inputs", False) or getattr(getattr(fn, "func", None), "streams_inputs", False))


def _inputs(recipe: Recipe) -> Iterator[Recipe]:
    """The recipes `recipe` evaluates: those in its fields (directly, as bands or images, or in lists of them)."""
    values: Iterable[Any] = (getattr(recipe, f.name) for f in dataclasses.fields(recipe)) if \
        dataclasses.is_dataclass(recipe) else vars(recipe).values()
    for value in values:
        yield from _recipes_in(value, 0)


def _recipes_in(value: Any, depth: int) -> Iterator[Recipe]:
    if isinstance(value, Recipe):
        yield value
    elif isinstance(value, Band):
        yield value.recipe
    elif isinstance(value, Image):
        yield from (b.recipe for b in value.bands)
    elif isinstance(value, list | tuple) and depth < 2:
        for item in value:
            yield from _recipes_in(item, depth + 1)

"""The base of every option model: unknown keys are errors, values are frozen once validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that forbids unknown keys (a typo is an error, never a silent default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

"""What an evaluation can see: the data catalog and the request's limits."""

from __future__ import annotations

from dataclasses import dataclass

from ee_assets.local.catalog.catalog import Catalog


@dataclass
class EvalContext:
    catalog: Catalog
    project: str = "local"

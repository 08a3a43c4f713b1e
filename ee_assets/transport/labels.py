"""Which asset and partition a request belongs to: for error messages and EE's `workloadTag` cost attribution."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The rule earthengine-api enforces in ee.data.setWorkloadTag (ee/_state.py): 1-63 characters, lowercase
# alphanumerics at both ends, dashes and underscores between. No dots, whatever its docstring says.
WORKLOAD_TAG_RULE = re.compile(r"[a-z0-9](?:[-_a-z0-9]{0,61}[a-z0-9])?")
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_MAX_TAG = 63


def sanitize_workload_tag(text: str) -> str | None:
    """`text` made into a workloadTag the official client accepts (`WORKLOAD_TAG_RULE`), or None if nothing is left.

    Lowercased; every run of other characters (dots, slashes, `|` of multi-partition keys) becomes one dash.
    """
    tag = _NOT_ALLOWED.sub("-", text.lower())[:_MAX_TAG].strip("-_")
    return tag or None


@dataclass(frozen=True)
class RequestLabel:
    """The asset and partition a request is made for."""

    asset: str | None = None
    partition: str | None = None

    @property
    def workload_tag(self) -> str | None:
        """e.g. "s2_composite-2020-06-01" (asset, then partition)."""
        return sanitize_workload_tag("-".join(p for p in (self.asset, self.partition) if p))

    def describe(self) -> str:
        """e.g. "asset s2_composite, partition 2020-06-01" (empty when unknown)."""
        parts = [f"asset {self.asset}" if self.asset else "", f"partition {self.partition}" if self.partition else ""]
        return ", ".join(p for p in parts if p)

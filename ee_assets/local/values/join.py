"""EE joins: which kind of join and the keys it saves its matches under (Join.apply runs them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Join:
    kind: str
    key: str | None = None
    ordering: str | None = None
    ascending: bool = True
    outer: bool = False
    secondary_key: str | None = None
    measure_key: str | None = None

    def to_json(self) -> dict:
        return {"type": "Join", "kind": self.kind}

"""Counts of values clients choose (workload tags, billed projects), bounded so that a client sending ever new
values cannot grow the server's memory: past `max_keys` distinct values, new ones are counted under OTHER."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

MAX_KEYS = 1_000
OTHER = "(other)"  # the key that counts every value past the first max_keys distinct ones


class BoundedCounter(Mapping[str, int]):
    """How often each value was seen, for at most `max_keys` distinct values (plus OTHER). Not locked: callers
    that count from several threads hold their own lock."""

    def __init__(self, max_keys: int = MAX_KEYS):
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, got {max_keys}")
        self.max_keys = max_keys
        self._counts: dict[str, int] = {}

    def add(self, value: str) -> None:
        """Count `value` once (under OTHER when max_keys other values are counted already)."""
        if value not in self._counts and len(self._counts) - (OTHER in self._counts) >= self.max_keys:
            value = OTHER
        self._counts[value] = self._counts.get(value, 0) + 1

    def __getitem__(self, value: str) -> int:
        return self._counts[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

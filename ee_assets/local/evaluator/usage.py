"""Which algorithms this process has evaluated: a cheap, process-wide record for the "every algorithm is tested" test.

The evaluator adds each algorithm name it invokes (a set insertion per call); tests read the record afterwards.
"""

from __future__ import annotations

_INVOKED: set[str] = set()


def record(name: str) -> None:
    """Note that the algorithm `name` was invoked."""
    _INVOKED.add(name)


def invoked() -> frozenset[str]:
    """Every algorithm name invoked in this process so far."""
    return frozenset(_INVOKED)

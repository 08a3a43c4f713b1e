"""Every implemented algorithm is exercised by some test (this file's name makes pytest run it last).

The evaluator records each algorithm name it invokes (`ee_assets.local.evaluator.usage`); after the rest of the
suite has run in this process, any implemented algorithm never invoked has no test through the client. The check
only means something when the whole suite ran, so it skips itself when tests were selected by path, -k, -m,
--deselect or --lf.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ee_assets.local.algorithms.registry import implemented
from ee_assets.local.evaluator.usage import invoked

TESTS_DIR = Path(__file__).parent


def _whole_suite_selected(session: pytest.Session) -> str | None:
    """None when every test file of the suite was collected without narrowing, else why not."""
    option = session.config.option
    for flag, name in (("keyword", "-k"), ("markexpr", "-m"), ("deselect", "--deselect"), ("lf", "--lf")):
        if getattr(option, flag, None):
            return f"tests were narrowed with {name}"
    collected = {Path(str(item.path)).resolve() for item in session.items}
    missing = sorted(p.name for p in TESTS_DIR.glob("test_*.py") if p.resolve() not in collected)
    if missing:
        return f"only part of the suite was collected (not: {', '.join(missing[:5])}{'…' if len(missing) > 5 else ''})"
    return None


def test_every_implemented_algorithm_is_invoked_by_a_test(request: pytest.FixtureRequest) -> None:
    why_not = _whole_suite_selected(request.session)
    if why_not:
        pytest.skip(f"algorithm coverage needs the whole suite: {why_not}")
    untested = sorted(set(implemented()) - invoked())
    assert not untested, (
        f"{len(untested)} implemented algorithm(s) were never invoked by any test through the client: "
        f"{', '.join(untested)}. Add a test that calls each through the earthengine-api client."
    )

"""Every implemented algorithm is exercised by some test (this file's name makes pytest run it last).

The evaluator records each algorithm name it invokes (`ee_assets.local.evaluator.usage`); after the rest of the
suite has run in this process, any implemented algorithm never invoked has no test through the client. The check
only means something when the whole suite ran, so it skips itself when test files were left out (a path on the
command line, --lf) or tests were deselected (-k, -m, --deselect); test files that appeared after collection
started (someone editing the tree during the run) are not counted as left out. Deselecting only the
`e2e`-marked tests (the browser/UI ones, which exercise no algorithm breadth) still counts as the whole suite.
"""

from __future__ import annotations

import inspect
import time
from pathlib import Path

import pytest

from ee_assets.local.algorithms.registry import implemented
from ee_assets.local.evaluator.usage import invoked
from ee_assets.local.protocol.signatures import client_signatures

TESTS_DIR = Path(__file__).parent
COLLECTED_AT = time.time()  # this module is imported during collection: later test files were not there yet
IGNORABLE_MARK = "e2e"


def _file(item: pytest.Item) -> Path:
    return Path(str(item.path)).resolve()


def _deselected(session: pytest.Session) -> list[pytest.Item] | None:
    """The deselected items, or None when the terminal reporter (which records them) is not running."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    return None if reporter is None else list(reporter.stats.get("deselected", []))


def _why_not_whole_suite(session: pytest.Session) -> str | None:
    """None when the whole suite was selected, else what narrowed it."""
    deselected = _deselected(session)
    if deselected is None:
        option = session.config.option
        if any(getattr(option, flag, None) for flag in ("keyword", "markexpr", "deselect", "lf")):
            return "tests were narrowed with -k, -m, --deselect or --lf"
        deselected = []
    narrowing = [i for i in deselected if i.get_closest_marker(IGNORABLE_MARK) is None]
    if narrowing:
        return f"{len(narrowing)} test(s) were deselected"
    seen = {_file(i) for i in session.items} | {_file(i) for i in deselected}
    missing = sorted(p.name for p in TESTS_DIR.glob("test_*.py")
                     if p.resolve() not in seen and p.stat().st_mtime < COLLECTED_AT)
    if missing:
        return f"test files were not collected: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}"
    return None


def test_every_implemented_algorithm_is_invoked_by_a_test(request: pytest.FixtureRequest) -> None:
    why_not = _why_not_whole_suite(request.session)
    if why_not:
        pytest.skip(f"algorithm coverage needs the whole suite: {why_not}")
    untested = sorted(set(implemented()) - invoked())
    assert not untested, (
        f"{len(untested)} implemented algorithm(s) were never invoked by any test through the client: "
        f"{', '.join(untested)}. Add a test that calls each through the earthengine-api client."
    )


def test_implementations_accept_the_clients_arguments() -> None:
    """Each implemented algorithm takes every argument the client's signature declares (else a script passing it
    would be refused) and requires no argument the client treats as optional."""
    signatures = client_signatures()
    if signatures is None:
        pytest.skip("the installed earthengine-api ships no algorithms.json to compare with")
    client = {s["name"].split("/", 1)[1]: s for s in signatures}
    problems = []
    for name, alg in implemented().items():
        signature = client.get(name)
        if signature is None:
            continue
        ours = {p.name: p for p in alg.parameters}
        for arg in signature.get("arguments", []):
            param = ours.get(arg["argumentName"])
            if param is None and not alg.accepts_extra_kwargs:
                problems.append(f"{name}: no parameter '{arg['argumentName']}'")
            elif param is not None and arg.get("optional") and param.default is inspect.Parameter.empty:
                problems.append(f"{name}: '{arg['argumentName']}' is optional for the client but required here")
    assert not problems, "; ".join(problems)

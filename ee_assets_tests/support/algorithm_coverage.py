"""The algorithm-coverage check, a pytest plugin (conftest.py registers it): every implemented algorithm is invoked
by some test through the client.

While the suite runs, the plugin notes each algorithm the evaluator binds a call to, in this process (it wraps
`evaluate.bind_arguments` for the session; production code keeps no record). After the last test it reports one
more result, `algorithm coverage`: failed naming the algorithms no test invoked, passed, or skipped when only part
of the suite ran (test files left out, tests deselected with -k, -m, --deselect or --lf, or the run stopped early).
Deselecting only the `e2e`-marked tests (the browser/UI ones, which exercise no algorithm breadth) still counts as
the whole suite. Nothing depends on the order of the test files.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ee_assets.local.algorithms import implemented
from ee_assets.local.evaluator import evaluate

TESTS_DIR = Path(__file__).resolve().parents[1]
IGNORABLE_MARK = "e2e"
NAME = "algorithm coverage"


class AlgorithmCoverage:
    def __init__(self) -> None:
        self.invoked: set[str] = set()
        self.started_at = time.time()  # test files that appear later (edits during the run) are not counted
        self._bind_arguments = evaluate.bind_arguments

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        bind, invoked = self._bind_arguments, self.invoked

        def recording_bind_arguments(alg, args):
            bound = bind(alg, args)
            invoked.add(alg.name)
            return bound

        evaluate.bind_arguments = recording_bind_arguments

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        evaluate.bind_arguments = self._bind_arguments

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session):
        result = yield
        if not session.config.option.collectonly:
            session.config.hook.pytest_runtest_logreport(report=self.report(session))
        return result

    def report(self, session: pytest.Session) -> pytest.TestReport:
        location = (str(Path(__file__).relative_to(TESTS_DIR.parent)), None, NAME)
        why_not = self.why_not_whole_suite(session)
        if why_not:
            return pytest.TestReport(NAME, location, {}, "skipped",
                                     (location[0], 0, f"Skipped: {NAME} needs the whole suite: {why_not}"), "call")
        untested = sorted(set(implemented()) - self.invoked)
        if not untested:
            return pytest.TestReport(NAME, location, {}, "passed", None, "call")
        message = (f"{len(untested)} implemented algorithm(s) were never invoked by any test through the client: "
                   f"{', '.join(untested)}. Add a test that calls each through the earthengine-api client.")
        return pytest.TestReport(NAME, location, {}, "failed", message, "call")

    def why_not_whole_suite(self, session: pytest.Session) -> str | None:
        """None when the whole suite was selected and ran, else what narrowed it."""
        if session.shouldstop or session.shouldfail:
            return "the run stopped early"
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            option = session.config.option
            if any(getattr(option, flag, None) for flag in ("keyword", "markexpr", "deselect", "lf")):
                return "tests were narrowed with -k, -m, --deselect or --lf"
            deselected = []
        else:
            deselected = list(reporter.stats.get("deselected", []))
        narrowing = [i for i in deselected if i.get_closest_marker(IGNORABLE_MARK) is None]
        if narrowing:
            return f"{len(narrowing)} test(s) were deselected"
        seen = {Path(str(i.path)).resolve() for i in [*session.items, *deselected]}
        missing = sorted(str(p.relative_to(TESTS_DIR)) for p in TESTS_DIR.rglob("test_*.py")
                         if p.resolve() not in seen and p.stat().st_mtime < self.started_at)
        if missing:
            return f"test files were not collected: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}"
        return None

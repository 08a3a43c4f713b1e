"""The algorithm registry: implementations accept what the client sends, and registration refuses duplicates.

(That every implemented algorithm is invoked by some test is checked by the algorithm-coverage plugin,
ee_assets_tests/support/algorithm_coverage.py, after the last test.)
"""

from __future__ import annotations

import inspect

import pytest

from ee_assets.local.algorithms import implemented
from ee_assets.local.algorithms.registry import REGISTRY, algorithm
from ee_assets.local.protocol.signatures import client_signatures


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



def test_registering_a_name_twice_is_an_error() -> None:
    name = next(iter(implemented()))
    with pytest.raises(ValueError, match="registered twice"):
        algorithm(name)(lambda: None)


def test_an_algorithm_may_take_an_argument_called_name() -> None:
    """FeatureCollection.makeArray has an argument `name`: its type is declared like any other."""
    alg = implemented()["FeatureCollection.makeArray"]
    assert alg.arg_types["name"] == "String"
    assert "Test.name" not in REGISTRY
    try:
        algorithm("Test.name", returns="String", name="String")(lambda name: name)
        assert REGISTRY["Test.name"].arg_types == {"name": "String"}
    finally:
        REGISTRY.pop("Test.name", None)

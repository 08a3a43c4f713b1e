"""Calling algorithms through the client: one by name, or many in one value:compute."""

from __future__ import annotations


def call(ee, name: str, *args):
    """ee.ApiFunction.call_: the algorithm `name` with positional arguments."""
    return ee.ApiFunction.call_(name, *args)


def batch(ee, calls: dict) -> dict:
    """Evaluate many expressions in one value:compute (a dictionary of them)."""
    return ee.Dictionary(calls).getInfo()

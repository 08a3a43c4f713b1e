"""`dg dev` from the repository root (what `make ui` runs): the webserver and daemon load the dg project as the
`ee_assets` code location, with the tutorials' assets, schedules and the resources' environment variables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ee_assets_tests.support.dagster_dev import DagsterDev, dagster_home, dev_environment

pytestmark = pytest.mark.e2e

DG = Path(sys.executable).with_name("dg")
ASSETS = """
{ assetNodes { assetKey { path } groupName } }
"""
SCHEDULES = """
{ schedulesOrError(repositorySelector: {repositoryLocationName: "ee_assets", repositoryName: "__repository__"}) {
    __typename ... on Schedules { results { name cronSchedule scheduleState { status } } } } }
"""
RESOURCES = """
{ allTopLevelResourceDetailsOrError(repositorySelector: {repositoryLocationName: "ee_assets",
                                                         repositoryName: "__repository__"}) {
    __typename ... on ResourceDetailsList { results { name configFields { name }
      configuredValues { key value type } } } } }
"""


def test_dg_dev_serves_the_project(tmp_path, sample_catalog):
    env = dev_environment(dagster_home(tmp_path / "home"), tmp_path / "outputs", sample_catalog, tmp_path / "guard")
    with DagsterDev(env, tmp_path / "dg_dev.log", command=(str(DG), "dev")) as dev:
        nodes = dev.graphql(ASSETS)["assetNodes"]
        groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
        assert groups == {"ndvi_by_state_expression": "ndvi", "ndvi_by_state": "ndvi", "ndvi_timeseries": "ndvi",
                          "s2_composite_expression": "s2_composite", "s2_composite": "s2_composite"}
        schedules = dev.graphql(SCHEDULES)["schedulesOrError"]["results"]
        assert {(s["name"], s["cronSchedule"], s["scheduleState"]["status"]) for s in schedules} == {
            ("ndvi_monthly_job_schedule", "0 6 5 * *", "STOPPED"),
            ("s2_composite_monthly_job_schedule", "0 6 5 * *", "STOPPED")}
        resources = {r["name"]: {v["key"]: (v["type"], v["value"]) for v in r["configuredValues"]}
                     for r in dev.graphql(RESOURCES)["allTopLevelResourceDetailsOrError"]["results"]}
    # Settings from the environment show as the variable's name, never its value.
    assert resources["earth_engine"]["local_catalog"] == ("ENV_VAR", "EE_LOCAL_CATALOG")
    assert resources["earth_engine"]["backend"][1].strip('"') == "LOCAL"
    assert resources["output_store"]["root"] == ("ENV_VAR", "EE_OUTPUT_DIR")

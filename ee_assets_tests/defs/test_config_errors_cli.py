"""Config that cannot be wrong silently, through the `dg` CLI: a misspelled key, a zero width, a bad CRS and a
missing graph function each fail `dg check yaml` or `dg check defs` with a message naming the field and its line.

One project copy; each case writes a component folder `ee_assets/defs/broken/` into it, runs `dg`, and removes it.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap

import pytest

from ee_assets_tests.defs.project import Project, copy_project

GRAPH = textwrap.dedent('''\
    import ee


    def ndwi(start: str, end: str, region: ee.Geometry) -> ee.Image:
        scenes = ee.ImageCollection("COPERNICUS/S2_HARMONIZED").filterBounds(region).filterDate(start, end)
        return scenes.median().normalizedDifference(["B3", "B8"]).rename("NDWI")
''')

GOOD = textwrap.dedent('''\
    type: ee_assets.EarthEngineImageComponent
    attributes:
      asset_key: broken
      graph: graph.py:ndwi
      partitions: {monthly: {start: "2020-01-01"}}
      grids:
        delta:
          crs: "EPSG:32610"
          upper_left: [624030, 4213320]
          scale: 10
          width: 400
          height: 400
''')


@pytest.fixture(scope="module")
def project(sample_catalog, tmp_path_factory) -> Project:
    return copy_project(tmp_path_factory.mktemp("config_errors"), sample_catalog)


def _check(project: Project, defs_yaml: str, *dg_args: str) -> tuple[int, str]:
    """Run `dg check ...` with `defs_yaml` as ee_assets/defs/broken/defs.yaml; its exit code and output."""
    folder = project.defs / "broken"
    folder.mkdir()
    try:
        (folder / "defs.yaml").write_text(defs_yaml)
        (folder / "graph.py").write_text(GRAPH)
        done = project.dg("check", *dg_args)
        return done.returncode, done.stdout + done.stderr
    finally:
        shutil.rmtree(folder)


def _fails_check_yaml(project: Project, defs_yaml: str, at: str, message: str) -> None:
    """`dg check yaml` of the folder (dagster-dg-cli 1.13 checks only one instance per component type without a
    path) fails with `file:line - type attributes.<at> <message>`, on the line of `at`'s last part."""
    code, output = _check(project, defs_yaml, "yaml", "ee_assets/defs/broken")
    line = _line_of(defs_yaml, at.rsplit(".", 1)[-1] + ":")
    assert code != 0
    assert re.search(rf"broken/defs\.yaml:{line} - ee_assets\.EarthEngineImageComponent attributes\.{re.escape(at)} "
                     + re.escape(message), output), output[-3000:]


def _fails_check_defs(project: Project, defs_yaml: str, located: str, message: str) -> None:
    """`dg check defs` fails, naming the field with its file and line (`located`) and saying `message`."""
    code, output = _check(project, defs_yaml, "defs")
    assert code != 0
    assert located.format(file=project.defs / "broken" / "defs.yaml") in output, output[-3000:]
    assert message in output, output[-3000:]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_good_component_passes_dg_check_defs(project):
    code, output = _check(project, GOOD, "defs")
    assert code == 0 and "All definitions loaded successfully" in output, output[-3000:]


def test_a_misspelled_key_fails_dg_check_yaml_and_defs_naming_its_line(project):
    typo = GOOD.replace("height: 400", "hieght: 400")
    _fails_check_yaml(project, typo, "grids.delta.hieght", "Additional properties are not allowed ('hieght' was "
                                                            "unexpected)")
    _fails_check_defs(project, typo, f"attributes.grids.delta.hieght at {{file}}:{_line_of(typo, 'hieght')}",
                      "Extra inputs are not permitted")


def test_a_zero_width_fails_dg_check_yaml_and_defs_naming_its_line(project):
    zero = GOOD.replace("width: 400", "width: 0")
    _fails_check_yaml(project, zero, "grids.delta.width", "0 is less than or equal to the minimum of 0")
    _fails_check_defs(project, zero, f"attributes.grids.delta.width at {{file}}:{_line_of(zero, 'width')}",
                      "Input should be greater than 0")


def test_a_bad_crs_fails_dg_check_defs_naming_the_field_and_line(project):
    bad = GOOD.replace('crs: "EPSG:32610"', 'crs: "EPSG:326100"')
    _fails_check_defs(project, bad, f"attributes.grids.delta.crs at {{file}}:{_line_of(bad, 'crs:')}",
                      "crs 'EPSG:326100' is not a CRS pyproj knows")


def test_a_grid_outside_the_crs_area_of_use_fails_dg_check_defs(project):
    elsewhere = GOOD.replace("upper_left: [624030, 4213320]", "upper_left: [-121.58, 38.05]")  # lon/lat, not UTM
    _fails_check_defs(project, elsewhere, "attributes.grids.delta at {file}:",
                      "outside the area of use of EPSG:32610 (WGS 84 / UTM zone 10N")


def test_a_missing_graph_function_fails_dg_check_defs_naming_the_field_and_line(project):
    missing = GOOD.replace("graph: graph.py:ndwi", "graph: graph.py:ndwii")
    _fails_check_defs(project, missing, f"{{file}}:{_line_of(missing, 'graph:')} - attributes.graph: graph.py has "
                      "no function 'ndwii'; it defines: ndwi.", "Fix the name after ':' in 'graph.py:ndwii'")


def test_dg_list_components_lists_both(project):
    done = project.dg("list", "components")
    assert done.returncode == 0, done.stderr
    assert "ee_assets.EarthEngineTableComponent" in done.stdout
    assert "ee_assets.EarthEngineImageComponent" in done.stdout


def test_dg_list_defs_shows_the_tutorials_from_their_folders(project):
    done = project.dg("list", "defs", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    listed = json.loads(done.stdout)
    assets = {a["asset_key"]: a for a in listed["assets"]}
    assert set(assets) == {"ndvi_by_state_expression", "ndvi_by_state", "ndvi_timeseries", "s2_composite_expression",
                           "s2_composite"}
    assert assets["ndvi_by_state"]["dependency_keys"] == ["ndvi_by_state_expression"]
    assert assets["ndvi_by_state"]["group_name"] == assets["ndvi_timeseries"]["group_name"] == "ndvi"
    assert {s["name"]: (s["cron_schedule"], s["source"].partition(":")[0]) for s in listed["schedules"]} == {
        "ndvi_monthly_job_schedule": ("0 6 5 * *", "ee_assets/defs/ndvi_by_state/defs.yaml"),
        "s2_composite_monthly_job_schedule": ("0 6 5 * *", "ee_assets/defs/s2_composite/defs.yaml")}
    assert {c["name"] for c in listed["asset_checks"]} == {
        "ndvi_by_state_feature_count", "ndvi_by_state_ndvi_in_range", "s2_composite_not_masked",
        "s2_composite_grid_matches_request"}
    assert {r["name"] for r in listed["resources"]} == {"earth_engine", "output_store"}

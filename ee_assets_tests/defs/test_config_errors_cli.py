"""Config that cannot be wrong silently, through the `dg` CLI: a misspelled key, a zero width, a bad CRS and a
missing graph function each fail `dg check yaml` or `dg check defs` with a message naming the field and its line.

One project copy; each case writes a component folder `ee_assets/defs/broken/` into it, runs `dg`, and removes it.
"""

from __future__ import annotations

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


def _with_component(project: Project, defs_yaml: str, *dg_args: str):
    folder = project.defs / "broken"
    folder.mkdir()
    try:
        (folder / "defs.yaml").write_text(defs_yaml)
        (folder / "graph.py").write_text(GRAPH)
        return project.dg(*dg_args)
    finally:
        shutil.rmtree(folder)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_good_component_passes_dg_check_defs(project):
    done = _with_component(project, GOOD, "check", "defs")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully" in done.stdout + done.stderr


def test_a_misspelled_key_fails_dg_check_yaml_and_defs_naming_its_line(project):
    typo = GOOD.replace("height: 400", "hieght: 400")
    line = _line_of(typo, "hieght")
    # `dg check yaml` with the folder: dagster-dg-cli 1.13 checks one instance per component type without a path.
    done = _with_component(project, typo, "check", "yaml", "ee_assets/defs/broken")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(rf"broken/defs\.yaml:{line} - ee_assets\.EarthEngineImageComponent "
                     r"attributes\.grids\.delta\.hieght Additional properties are not allowed "
                     r"\('hieght' was unexpected\)", output), output[-3000:]

    done = _with_component(project, typo, "check", "defs")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"attributes.grids.delta.hieght at {project.defs / 'broken' / 'defs.yaml'}:{line}" in output, output[-3000:]
    assert "Extra inputs are not permitted" in output


def test_a_zero_width_fails_dg_check_yaml_and_defs_naming_its_line(project):
    zero = GOOD.replace("width: 400", "width: 0")
    line = _line_of(zero, "width: 0")
    done = _with_component(project, zero, "check", "yaml", "ee_assets/defs/broken")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(rf"broken/defs\.yaml:{line} - ee_assets\.EarthEngineImageComponent "
                     r"attributes\.grids\.delta\.width 0 is less than or equal to the minimum of 0", output), output

    done = _with_component(project, zero, "check", "defs")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"attributes.grids.delta.width at {project.defs / 'broken' / 'defs.yaml'}:{line}" in output, output[-3000:]
    assert "Input should be greater than 0" in output


def test_a_bad_crs_fails_dg_check_defs_naming_the_field_and_line(project):
    bad = GOOD.replace('crs: "EPSG:32610"', 'crs: "EPSG:326100"')
    done = _with_component(project, bad, "check", "defs")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"attributes.grids.delta.crs at {project.defs / 'broken' / 'defs.yaml'}:{_line_of(bad, 'crs:')}" in output
    assert "crs 'EPSG:326100' is not a CRS pyproj knows" in output


def test_a_grid_outside_the_crs_area_of_use_fails_dg_check_defs(project):
    elsewhere = GOOD.replace("upper_left: [624030, 4213320]", "upper_left: [-121.58, 38.05]")  # lon/lat, not UTM
    done = _with_component(project, elsewhere, "check", "defs")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"attributes.grids.delta at {project.defs / 'broken' / 'defs.yaml'}:" in output
    assert "outside the area of use of EPSG:32610 (WGS 84 / UTM zone 10N" in output


def test_a_missing_graph_function_fails_dg_check_defs_naming_the_field_and_line(project):
    missing = GOOD.replace("graph: graph.py:ndwi", "graph: graph.py:ndwii")
    done = _with_component(project, missing, "check", "defs")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(rf"broken/defs\.yaml:{_line_of(missing, 'graph:')} - attributes\.graph: graph\.py has no "
                     r"function 'ndwii'; it defines: ndwi\.", output), output[-3000:]


def test_dg_list_components_lists_both(project):
    done = project.dg("list", "components")
    assert done.returncode == 0, done.stderr
    assert "ee_assets.EarthEngineTableComponent" in done.stdout
    assert "ee_assets.EarthEngineImageComponent" in done.stdout

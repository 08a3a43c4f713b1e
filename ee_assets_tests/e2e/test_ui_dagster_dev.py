"""End to end through `dagster dev`: the webserver's GraphQL API as the UI calls it, the daemon, and a real browser.

One `dagster dev` (webserver + daemon + code server) runs for the module on a free loopback port with a tmp
DAGSTER_HOME, tmp outputs and a tmp copy of the sample catalog; all of its processes are stopped at the end, also
when a test fails. In it:

- an asset backfill of three months of the NDVI and composite assets, launched with the UI's mutation, runs to
  completion through the daemon within the `earth_engine` pool; one partition is made to fail (its output path is
  blocked), and "re-execute from failure" re-runs that partition alone;
- the monthly NDVI schedule, turned on as the UI's toggle does, fires through the daemon and materializes the latest
  complete month;
- headless Chromium shows the lineage, the materialized months and the preview image; screenshots go to
  test-artifacts/ui/.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import geopandas as gpd
import pytest
import yaml
from PIL import Image

from ee_assets_tests.support.dagster_dev import ARTIFACTS, DagsterDev, dagster_home, dev_environment, group_members
from ee_assets_tests.support.defs import catalog_images

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

LOCATION, REPOSITORY = "ee_assets", "__repository__"
MONTHS = ["2020-05-01", "2020-06-01", "2020-07-01"]
BACKFILLED = ["ndvi_by_state_expression", "ndvi_by_state", "s2_composite_expression", "s2_composite"]
EE_POOL_ASSETS = {"ndvi_by_state", "s2_composite"}  # the steps that hold an `earth_engine` slot
POOL_LIMIT = 2  # concurrency.pools.default_limit in dagster.yaml
RUNS_PER_BACKFILL = 2  # concurrency.runs.tag_concurrency_limits (dagster/backfill) in dagster.yaml
BLOCKED = ("ndvi_by_state", "2020-06-01")  # this partition's output path is blocked until it is re-executed
SCHEDULE = "ndvi_monthly_job_schedule"
SCHEDULE_DAY, SCHEDULE_HOUR = 5, 6  # "0 6 5 * *": the 5th at 06:00 UTC

SCHEDULE_QUERY = """
query Schedule($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename
    ... on Schedule { name cronSchedule
      scheduleState { id selectorId status ticks(limit: 5) { status timestamp runIds error { message } } } }
    ... on PythonError { message }
  }
}
"""
START_SCHEDULE = """
mutation StartSchedule($selector: ScheduleSelector!) {
  startSchedule(scheduleSelector: $selector) {
    __typename ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message }
  }
}
"""
RUN_QUERY = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { id status jobName tags { key value } assetSelection { path } }
  }
}
"""
ASSET_EVENTS = """
query Materializations($key: AssetKeyInput!) {
  assetOrError(assetKey: $key) {
    __typename ... on Asset { assetMaterializations(limit: 50) { partition runId timestamp } }
  }
}
"""


# -- time: the schedule's latest tick and the month it materializes, worked out by hand -------------------------
def latest_tick(now: dt.datetime) -> dt.datetime:
    """The last "0 6 5 * *" instant at or before `now` (UTC)."""
    tick = now.replace(day=SCHEDULE_DAY, hour=SCHEDULE_HOUR, minute=0, second=0, microsecond=0)
    if tick > now:
        tick = (tick.replace(day=1) - dt.timedelta(days=1)).replace(day=SCHEDULE_DAY)
    return tick


def previous_month(day: dt.datetime) -> str:
    """The partition key of the month before `day`'s month: the latest month complete at `day`."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1).strftime("%Y-%m-%d")


# -- the catalog: the sample data plus two MODIS images in the month the schedule will materialize -------------
def catalog_with_month(sample_catalog: Path, folder: Path, month: str) -> Path:
    """A copy of the sample catalog whose MODIS collection also has two images in `month` (copies of 2020's)."""
    shutil.copytree(sample_catalog.parent, folder)
    path = folder / "catalog.yaml"
    doc = yaml.safe_load(path.read_text())
    images = doc["assets"]["MODIS/061/MOD13Q1"]["images"]
    start = dt.date.fromisoformat(month)
    for day, source in ((8, images[0]), (24, images[1])):
        date = start.replace(day=day)
        target = f"modis/{date:%Y_%m_%d}.tif"
        shutil.copy(folder / source["path"], folder / target)
        images.append({**source, "path": target, "time_start": date.isoformat()})
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# -- fixtures -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schedule_month() -> tuple[dt.datetime, str]:
    tick = latest_tick(dt.datetime.now(dt.UTC))
    return tick, previous_month(tick)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dagster_dev")


@pytest.fixture(scope="module")
def catalog(sample_catalog, workdir, schedule_month) -> Path:
    return catalog_with_month(sample_catalog, workdir / "catalog", schedule_month[1])


@pytest.fixture(scope="module")
def dev(workdir, catalog) -> Iterator[DagsterDev]:
    home = dagster_home(workdir / "dagster_home")
    env = dev_environment(home, workdir / "outputs", catalog, workdir / "guard")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = workdir / "dagster_dev.log"
    try:
        with DagsterDev(env, log) as server:
            yield server
    finally:  # kept with the screenshots for a look after a failure
        if log.exists():
            shutil.copy(log, SCREENSHOTS / log.name)


@pytest.fixture(scope="module")
def instance(dev) -> Iterator[dg.DagsterInstance]:
    """The same instance the server uses (its SQLite files), opened by the test to read runs and event logs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", dev.env["DAGSTER_HOME"])
        with dg.DagsterInstance.get() as opened:
            yield opened


@pytest.fixture(scope="module")
def outputs(dev) -> Path:
    return Path(dev.env["EE_OUTPUT_DIR"])


@pytest.fixture(scope="module")
def schedule_turned_on(dev, instance, schedule_month) -> dict:
    """Turn the NDVI schedule on (the UI's toggle), as if that had been done just before its latest tick.

    The daemon then fires that tick at its next pass, as it does for a tick it missed while down. Starting the
    schedule records "now" as its start; the test moves that back to an hour before the tick, before the daemon's
    first look at the schedule (its passes are at minute boundaries, so the test avoids the last seconds of one).
    """
    tick, _ = schedule_month
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "scheduleName": SCHEDULE}
    while dt.datetime.now().second > 50:
        time.sleep(1)
    started = dev.graphql(START_SCHEDULE, {"selector": selector})["startSchedule"]
    assert started["__typename"] == "ScheduleStateResult", started
    from dagster._core.scheduler.instigation import InstigatorType, ScheduleInstigatorData

    [state] = [s for s in instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
               if s.instigator_name == SCHEDULE]
    backdated = ScheduleInstigatorData(state.instigator_data.cron_schedule, (tick - dt.timedelta(hours=1)).timestamp())
    instance.update_instigator_state(state.with_data(backdated))
    return selector


@pytest.fixture(scope="module")
def backfills(dev, outputs, schedule_turned_on) -> dict:
    """The UI's backfill of three months with one partition's output blocked, then its re-execution from failure."""
    blocker = outputs / BLOCKED[0] / f"{BLOCKED[1]}.geojson"
    blocker.mkdir(parents=True)  # a folder where the GeoJSON goes: writing the file fails
    first_id = dev.launch_asset_backfill(BACKFILLED, MONTHS, title="three months")
    first = dev.wait_for_backfill(first_id)
    failed_files = sorted(str(p.relative_to(outputs)) for p in outputs.rglob("*") if p.is_file())
    blocker.rmdir()
    retry_id = dev.reexecute_backfill_from_failure(first_id)
    retry = dev.wait_for_backfill(retry_id)
    return {"first": first, "retry": retry, "files_after_first": failed_files}


# -- process cleanup ----------------------------------------------------------------------------------------
def test_dagster_dev_is_stopped_with_all_its_processes_when_a_test_fails(tmp_path, sample_catalog):
    env = dev_environment(dagster_home(tmp_path / "home"), tmp_path / "outputs", sample_catalog, tmp_path / "guard")
    members: set[int] = set()
    with pytest.raises(RuntimeError, match="the test failed"), DagsterDev(env, tmp_path / "dev.log") as server:
        group = server.process.pid
        members = group_members(group)
        raise RuntimeError("the test failed")
    assert len(members) >= 3  # dagster dev, the webserver, the daemon (and the code server)
    assert group_members(group) == set()


# -- backfills ------------------------------------------------------------------------------------------------
def _run(dev: DagsterDev, run_id: str) -> dict:
    run = dev.graphql(RUN_QUERY, {"runId": run_id})["runOrError"]
    assert run["__typename"] == "Run", run
    run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
    return run


def test_backfill_runs_through_the_daemon_and_a_failed_partition_reruns_alone(dev, backfills, outputs, catalog):
    first, retry = backfills["first"], backfills["retry"]
    # The first backfill: one run per month (no backfill policy: one partition per run); the blocked one failed.
    assert first["status"] == "COMPLETED_FAILED", first
    runs = {r["tags"]["dagster/partition"]: r["status"] for r in first["runs"]}
    assert runs == {"2020-05-01": "SUCCESS", "2020-06-01": "FAILURE", "2020-07-01": "SUCCESS"}
    assert f"{BLOCKED[0]}/{BLOCKED[1]}.geojson" not in backfills["files_after_first"]

    # The re-execution: one run, for the failed partition and only the failed asset.
    assert retry["status"] == "COMPLETED_SUCCESS", retry
    [rerun] = [_run(dev, r["id"]) for r in retry["runs"]]
    assert rerun["status"] == "SUCCESS" and rerun["tags"]["dagster/partition"] == BLOCKED[1]
    assert rerun["assetSelection"] == [{"path": [BLOCKED[0]]}]

    # Every output is on disk, checked against the catalog and the regions file, not against the assets' code.
    regions = len(gpd.read_file(catalog.parent / "states.geojson"))
    for month in MONTHS:
        end = (dt.date.fromisoformat(month) + dt.timedelta(days=32)).replace(day=1).isoformat()
        images = catalog_images(catalog, "MODIS/061/MOD13Q1", month, end)
        assert json.loads((outputs / "ndvi_by_state_expression" / f"{month}.json").read_text())["expression"]
        features = json.loads((outputs / "ndvi_by_state" / f"{month}.geojson").read_text())["features"]
        assert len(features) == regions * len(images)
        assert all(-1 <= f["properties"]["NDVI"] <= 1 for f in features if f["properties"].get("NDVI") is not None)
        assert (outputs / "ndvi_by_state" / f"{month}.parquet").stat().st_size > 0
        with Image.open(outputs / "s2_composite" / "delta" / f"{month}.png") as picture:
            assert picture.size == (640, 640)  # the AOI's grid in aois.yaml
        assert (outputs / "s2_composite" / "delta" / f"{month}.tif").stat().st_size > 0


def test_backfill_recorded_one_materialization_per_asset_and_month(dev, backfills):
    run_ids = {r["id"] for b in backfills.values() if isinstance(b, dict) for r in b["runs"]}
    for asset in BACKFILLED:
        answer = dev.graphql(ASSET_EVENTS, {"key": {"path": [asset]}})["assetOrError"]
        events = [e for e in answer["assetMaterializations"] if e["runId"] in run_ids]
        assert sorted(e["partition"] for e in events) == MONTHS, (asset, events)


def _peak_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one moment (an end and a start at the same instant do not overlap)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    in_flight = peak = 0
    for _, change in edges:
        in_flight += change
        peak = max(peak, in_flight)
    return peak


def test_backfill_runs_respected_the_per_backfill_run_limit(backfills, instance):
    """dagster.yaml allows 2 runs per backfill at once (tag limit on dagster/backfill); the run records agree."""
    run_ids = [r["id"] for r in backfills["first"]["runs"]]
    records = instance.get_run_records(dg.RunsFilter(run_ids=run_ids))
    assert len(records) == len(MONTHS)
    assert 1 <= _peak_overlap([(r.start_time, r.end_time) for r in records]) <= RUNS_PER_BACKFILL


def test_backfill_steps_respected_the_earth_engine_pool(backfills, instance):
    """At no moment did more EE-calling steps run than the pool has slots (from the runs' event logs)."""
    intervals = []
    for backfill in ("first", "retry"):
        for run in backfills[backfill]["runs"]:
            started = {}
            for record in instance.all_logs(run["id"]):
                event = record.dagster_event
                if event is None or event.step_key not in EE_POOL_ASSETS:
                    continue
                if event.event_type_value == "STEP_START":
                    started[event.step_key] = record.timestamp
                elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    intervals.append((started.pop(event.step_key), record.timestamp))
    assert len(intervals) == 2 * len(MONTHS) + 1  # 6 in the first backfill, 1 re-executed
    assert 1 <= _peak_overlap(intervals) <= POOL_LIMIT


# -- the schedule -----------------------------------------------------------------------------------------------
def test_schedule_fires_through_the_daemon_for_the_latest_complete_month(dev, schedule_turned_on, schedule_month,
                                                                         outputs, catalog, backfills):
    tick_time, month = schedule_month
    deadline = time.monotonic() + 300
    ticks = []
    while time.monotonic() < deadline:
        schedule = dev.graphql(SCHEDULE_QUERY, {"selector": schedule_turned_on})["scheduleOrError"]
        ticks = [t for t in schedule["scheduleState"]["ticks"] if t["status"] != "STARTED"]
        if ticks:
            break
        time.sleep(2)
    assert schedule["scheduleState"]["status"] == "RUNNING"
    [tick] = ticks
    assert tick["status"] == "SUCCESS", tick
    assert tick["timestamp"] == tick_time.timestamp()
    [run_id] = tick["runIds"]
    while (run := _run(dev, run_id))["status"] not in ("SUCCESS", "FAILURE", "CANCELED") \
            and time.monotonic() < deadline:
        time.sleep(2)
    assert run["status"] == "SUCCESS", run
    assert run["jobName"] == "ndvi_monthly_job"
    assert run["tags"]["dagster/schedule_name"] == SCHEDULE and run["tags"]["dagster/partition"] == month
    regions = len(gpd.read_file(catalog.parent / "states.geojson"))
    features = json.loads((outputs / "ndvi_by_state" / f"{month}.geojson").read_text())["features"]
    assert len(features) == regions * 2  # the two images the test put into that month


# -- the UI in a browser ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_page(dev):
    """A headless Chromium page (Debian's chromium via Playwright) that may only talk to the webserver."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; "
                    "`make test` does it)")
    from playwright.sync_api import sync_playwright

    refused: list[str] = []
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                viewport={"width": 1400, "height": 900})
            try:
                def loopback_only(route):
                    if route.request.url.startswith((dev.url, "data:")):
                        route.continue_()
                    else:
                        refused.append(route.request.url)
                        route.abort()

                context.route("**/*", loopback_only)
                page = context.new_page()
                # The first visit shows a "Join the Dagster community" dialog over the page: skip it when it shows.
                page.add_locator_handler(page.get_by_role("button", name="Skip"), lambda skip: skip.click())
                yield page
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        (SCREENSHOTS / "refused_requests.json").write_text(json.dumps(refused, indent=1))


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _node_box(page, asset: str) -> dict:
    """The asset graph node of `asset`: where the graph placed it."""
    node = page.locator(f"foreignObject:has([data-tooltip='{asset}'])").first
    node.wait_for(state="attached", timeout=30_000)
    return node.bounding_box() or {}


def test_ui_shows_lineage_partitions_and_previews(dev, backfills, browser_page):
    page = browser_page
    # Lineage: in each group's graph the expression sits upstream (left) of its result.
    _open(page, f"{dev.url}/locations/{LOCATION}/asset-groups/ndvi")
    expression, result, series = (_node_box(page, a) for a in
                                  ("ndvi_by_state_expression", "ndvi_by_state", "ndvi_timeseries"))
    assert expression["x"] + expression["width"] < result["x"] < result["x"] + result["width"] < series["x"]
    page.screenshot(path=str(SCREENSHOTS / "lineage_ndvi.png"))
    _open(page, f"{dev.url}/locations/{LOCATION}/asset-groups/s2_composite")
    expression, result = _node_box(page, "s2_composite_expression"), _node_box(page, "s2_composite")
    assert expression["x"] + expression["width"] < result["x"]

    # The partitioned asset's page lists the backfilled months as materialized (missing ones hidden).
    _open(page, f"{dev.url}/assets/ndvi_by_state?view=partitions")
    page.get_by_text("Missing (").first.click()
    materialized = page.get_by_text("Materialized (").first.inner_text()
    assert int(materialized.split("(")[1].rstrip(")")) >= len(MONTHS)
    for month in MONTHS:
        page.get_by_text(month, exact=True).first.wait_for(timeout=30_000)
    page.get_by_text(MONTHS[-1], exact=True).first.click()  # the month's latest materialization and metadata
    page.get_by_text(re.compile(r"View all historical events \([1-9]")).first.wait_for(timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "partitions_ndvi_by_state.png"))

    # The "Materialize…" dialog with a range of months typed in, as a person launches a backfill (cancelled here).
    page.get_by_role("button", name="Materialize…").first.click()
    dialog = page.get_by_role("dialog").first
    dialog.get_by_text("Show all partitions").click()  # the dialog starts with the last 90 days only
    months = dialog.get_by_role("textbox").first
    months.fill(f"[{MONTHS[0]}...{MONTHS[-1]}]")
    months.press("Enter")
    dialog.get_by_text(f"{len(MONTHS)} partitions", exact=True).wait_for(timeout=30_000)
    assert dialog.get_by_role("button", name="Launch backfill").is_enabled()
    page.screenshot(path=str(SCREENSHOTS / "materialize_range.png"))
    dialog.get_by_role("button", name="Cancel", exact=True).click()

    # The latest materialization's preview: a PNG that decodes, at most 256 px, the composite's square shape.
    _open(page, f"{dev.url}/assets/s2_composite?view=events")
    page.get_by_text("[Show Markdown]").first.click()
    picture = page.get_by_role("dialog").locator("img").first
    picture.wait_for(timeout=30_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    width = picture.evaluate("img => img.naturalWidth")
    assert 0 < width <= 256
    source = picture.get_attribute("src")
    assert source.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))) as decoded:
        assert decoded.size == (width, width)
    page.screenshot(path=str(SCREENSHOTS / "preview_s2_composite.png"))
    page.keyboard.press("Escape")

    # The backfill's page and the schedule's page, for the README.
    _open(page, f"{dev.url}/runs/b/{backfills['first']['id']}")
    page.screenshot(path=str(SCREENSHOTS / "backfill.png"))
    _open(page, f"{dev.url}/locations/{LOCATION}/schedules/{SCHEDULE}")
    page.screenshot(path=str(SCREENSHOTS / "schedule.png"))

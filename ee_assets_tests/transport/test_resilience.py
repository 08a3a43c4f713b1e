"""Retries, timeouts, pacing, concurrency caps and workload tags, against the real local server with faults.

Waits are recorded through the client's injectable `sleep` instead of timed, so the tests check what the client
decided to wait, not how fast the machine is.
"""

from __future__ import annotations

import random

import pytest

from ee_assets.local import FaultConfig, LocalServer
from ee_assets.transport import auth
from ee_assets.transport.expression import serialize
from ee_assets.transport.labels import RequestLabel, sanitize_workload_tag
from ee_assets.transport.rest import EERequestError, EERestClient, EETransportError, build_session
from ee_assets.transport.retry import RetrySettings, retry_after_seconds
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.throttle import RequestGate
from ee_assets.transport.tiled_geotiff import fetch_geotiff
from ee_assets_tests.support.fake_clock import FakeClock
from ee_assets_tests.support.grids import BANDS, s2_grid
from ee_assets_tests.support.local_backend import PROJECT, TOKEN


def client_for(server: LocalServer, retry: RetrySettings | None = None, **kwargs) -> EERestClient:
    session = build_session(auth.StaticTokenCredentials(TOKEN), refresh_on_401=False)
    return EERestClient(session, server.url, PROJECT, retry=retry, seed=3, **kwargs)


# -- backoff ---------------------------------------------------------------------------------------------------
def test_backoff_is_full_jitter_under_an_exponential_cap_and_never_below_retry_after():
    settings = RetrySettings(base_delay_s=1.0, max_delay_s=8.0)
    rng = random.Random(0)
    for n in range(8):
        draws = [settings.backoff(n, None, rng) for _ in range(2000)]
        cap = min(8.0, 2.0 ** n)
        assert 0 <= min(draws) and max(draws) <= cap
        assert min(draws) < 0.05 * cap and max(draws) > 0.95 * cap  # the whole range [0, cap] is used
    assert all(settings.backoff(0, 5.0, rng) == 5.0 for _ in range(100))  # Retry-After wins over a short draw
    assert retry_after_seconds("7") == 7.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_retry_after_from_the_server_is_honoured(sample_catalog, ee_local):
    clock = FakeClock()
    faults = FaultConfig(rate=1.0, codes=(503,), retry_after_s=2, seed=0)
    with LocalServer(sample_catalog, token=TOKEN, faults=faults) as busy:
        # A budget of 7 s: three waits of Retry-After's 2 s fit, a fourth would not.
        client = client_for(busy, RetrySettings(max_elapsed_s=7.0, base_delay_s=0.01), sleep=clock.sleep,
                            clock=clock)
        with pytest.raises(EERequestError) as caught:
            client.compute_value(serialize(ee_local.Number(1)))
    assert clock.waits == [2.0, 2.0, 2.0]
    assert caught.value.attempts == 4 and caught.value.elapsed_s == 6.0
    assert caught.value.http_status == 503 and "server-side problem; rerun later" in str(caught.value)


# -- timeouts --------------------------------------------------------------------------------------------------
def test_a_hung_request_times_out_is_retried_and_then_fails_clearly(sample_catalog, ee_local):
    stats = TransferStats()
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(latency_ms=1500)) as hung:
        client = client_for(hung, RetrySettings(max_elapsed_s=1.0, base_delay_s=0.01), timeout=(2.0, 0.2))
        with pytest.raises(EETransportError) as caught:
            client.compute_value(serialize(ee_local.Number(1)), stats, RequestLabel("ndvi_by_state", "2020-06-01"))
    assert stats.retries["timeout"] >= 1 and stats.requests == stats.retries["timeout"] + 1
    message = str(caught.value)
    assert "no complete answer" in message and "timeout" in message and "read timeout (0.2 s)" in message
    assert "asset ndvi_by_state, partition 2020-06-01" in message


def test_a_permanent_error_is_sent_once_and_names_asset_partition_and_expression(local_server, ee_local, tmp_path):
    expression = serialize(ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").first().select(["B99"]))
    before = local_server.method_counts.get("image:computePixels", 0)
    with pytest.raises(EERequestError) as caught:
        fetch_geotiff(client_for(local_server), expression, s2_grid(4096, 2.5), tmp_path / "x.tif",
                      label=RequestLabel("s2_composite", "2020-06-01"))
    assert local_server.method_counts["image:computePixels"] - before == 1
    error = caught.value
    assert (error.http_status, error.transient, error.attempts) == (400, False, 1)
    assert "B99" in error.message and "asset s2_composite, partition 2020-06-01" in str(error)
    assert not (tmp_path / "x.tif").exists()


# -- pacing, concurrency and tags --------------------------------------------------------------------------------
def test_the_rate_limiter_spaces_requests_at_the_configured_rate():
    clock = FakeClock()
    gate = RequestGate(rate=4.0, max_concurrent=2, clock=clock, sleep=clock.sleep)
    starts, waits = [], []
    for _ in range(9):
        with gate.admit() as waited:
            starts.append(clock.now)
            waits.append(waited)
    assert starts == [1_000_000.0 + 0.25 * i for i in range(9)]
    assert waits[0] == 0.0 and all(w == pytest.approx(0.25) for w in waits[1:])


def test_concurrent_tiles_respect_the_process_concurrency_cap_and_carry_the_workload_tag(sample_catalog,
                                                                                         ee_local, tmp_path):
    expression = serialize(ee_local.ImageCollection("COPERNICUS/S2_HARMONIZED").first().select(BANDS).toFloat())
    gate = RequestGate(rate=1000.0, max_concurrent=3)
    label = RequestLabel("s2_composite", "2020-06-01|delta")
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(latency_ms=100)) as slow:
        result = fetch_geotiff(client_for(slow, gate=gate), expression, s2_grid(1024, 10.0), tmp_path / "t.tif",
                               BANDS, workers=8, max_tile_bytes=256 * 256 * 20, label=label)
        in_flight, tags = slow.max_in_flight, slow.workload_tags
    assert result.tiles == 16
    assert in_flight == 3  # eight workers, three admitted at a time
    assert tags == {"s2_composite-2020-06-01-delta": 17}  # the probe and 16 tiles


@pytest.mark.parametrize("text, tag", [("s2_composite-2020-06-01", "s2_composite-2020-06-01"),
                                       ("NDVI By State/2020-06-01", "ndvi-by-state-2020-06-01"),
                                       ("_x_", "x"), ("a" * 80, "a" * 63), ("---", None)])
def test_workload_tags_follow_ees_rule(text, tag):
    assert sanitize_workload_tag(text) == tag

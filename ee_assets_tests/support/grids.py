"""Request grids on the sample catalog's Sentinel-2 tile, and a REST client for a local server, shared by the
transport tests."""

from __future__ import annotations

from ee_assets.local import LocalServer
from ee_assets.local.catalog.sample_data import s2_transform
from ee_assets.transport import auth
from ee_assets.transport.rest import EERestClient, build_session
from ee_assets_tests.support.local_backend import PROJECT, TOKEN

BANDS = ["B2", "B3", "B4", "B8"]


def s2_grid(size: int, pixel_m: float) -> dict:
    t = s2_transform()
    return {"crsCode": "EPSG:32610", "dimensions": {"width": size, "height": size},
            "affineTransform": {"scaleX": pixel_m, "shearX": 0.0, "translateX": t.c, "shearY": 0.0,
                                "scaleY": -pixel_m, "translateY": t.f}}


def client_for(server: LocalServer, **kwargs) -> EERestClient:
    return EERestClient(build_session(auth.StaticTokenCredentials(TOKEN), refresh_on_401=False), server.url,
                        PROJECT, **kwargs)

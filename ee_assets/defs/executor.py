"""Where a run's steps execute: Dagster's default executor (each step in its own process on the run's machine), or
Celery workers when EE_CELERY_BROKER_URL names a broker.

    EE_CELERY_BROKER_URL   the broker the workers listen to, e.g. redis://host:6379/0 (`pip install
                           'ee_assets[celery]'`); unset: no Celery
    EE_CELERY_BACKEND_URL  where task results go; unset: the broker (a Redis broker is a good result backend too)

The executor reads both variables when a run starts (`{"env": ...}` config), so no URL — nor a password in it —
appears in the UI. Workers are started separately (`dagster-celery worker start`, see the README) with a
run-config-shaped celery.yaml naming the same broker, and the same environment as the code location (EE_*,
object-store credentials): each worker imports the code location and initializes Earth Engine in its own process.
"""

from __future__ import annotations

import os

import dagster as dg

from ee_assets.extras import require

CELERY_BROKER_ENV = "EE_CELERY_BROKER_URL"
CELERY_BACKEND_ENV = "EE_CELERY_BACKEND_URL"


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def celery_config() -> dict:
    """The Celery executor's config: broker and result backend read from the environment when a run starts."""
    backend = CELERY_BACKEND_ENV if _env(CELERY_BACKEND_ENV) else CELERY_BROKER_ENV
    return {"broker": {"env": CELERY_BROKER_ENV}, "backend": {"env": backend}}


@dg.definitions
def executor() -> dg.Definitions:
    """Celery when EE_CELERY_BROKER_URL is set, else Dagster's default executor."""
    if not _env(CELERY_BROKER_ENV):
        return dg.Definitions()
    require("celery", f"Running steps on Celery workers ({CELERY_BROKER_ENV} is set)",
            f"or unset {CELERY_BROKER_ENV} to run steps on this machine")
    from dagster_celery import celery_executor

    return dg.Definitions(executor=celery_executor.configured(celery_config(), name="celery"))

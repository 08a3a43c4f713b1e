"""Optional install extras: which extra brings which modules, and a clear error naming the extra when one is missing.

The base install talks to Earth Engine; the embedded local backend and the object-store and Redis clients come with
extras, so a production image carries only what it uses.
"""

from __future__ import annotations

import importlib.util

# extra -> the top-level modules it provides (import names, not distribution names)
EXTRAS: dict[str, tuple[str, ...]] = {
    "local": ("numba", "sklearn", "scipy", "orjson"),
    "s3": ("s3fs",),
    "gcs": ("gcsfs",),
    "redis": ("redis",),
    "celery": ("dagster_celery", "celery", "redis"),
}


class MissingExtraError(ImportError):
    """An optional extra that a feature needs is not installed."""


def missing_modules(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here."""
    missing = []
    for module in EXTRAS[extra]:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # a broken or blocked install counts as missing
            found = False
        if not found:
            missing.append(module)
    return missing


def require(extra: str, feature: str, alternative: str = "") -> None:
    """Raise MissingExtraError saying which extra to install when `feature` lacks the modules of `extra`."""
    missing = missing_modules(extra)
    if missing:
        hint = f" ({alternative})" if alternative else ""
        raise MissingExtraError(f"{feature} needs {', '.join(missing)}, which come with the [{extra}] extra: "
                                f"pip install 'ee_assets[{extra}]'{hint}.")

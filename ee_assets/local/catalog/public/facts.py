"""Read the shipped facts file: the public catalog's datasets as typed, immutable records.

The file is gzipped lines (a JSON header, then `<id>\\t<JSON>` per dataset in id order; see `build_facts`). It is
decompressed once (about 7 MB of text); a dataset's line is parsed only when it is asked for, and at most
`PARSED_CACHE` parsed datasets are kept.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FACTS_PATH = Path(__file__).with_name("facts.json.gz")
PARSED_CACHE = 256
_PUBLIC_PREFIX = re.compile(r"^projects/earthengine-public/assets/")


@dataclass(frozen=True)
class BitmaskPart:
    first_bit: int
    bit_count: int
    description: str
    values: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class BandFacts:
    name: str
    type: str  # numpy dtype name, inferred (see inference.py)
    gsd: float | None = None
    scale: float | None = None
    offset: float | None = None
    units: str | None = None
    wavelength: float | None = None  # centre wavelength, µm
    minimum: float | None = None  # documented range of stored values
    maximum: float | None = None
    estimated: bool | None = None
    display: tuple[float, float] | None = None
    classes: tuple[tuple[float, str, str | None], ...] = ()
    bits: int | None = None
    bitmask: tuple[BitmaskPart, ...] = ()

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.type)

    @property
    def value_range(self) -> tuple[float, float]:
        """The stored values a pixel may take: the class values' span, the bitmask's bits, the documented range
        (min..max), else the limits of the type."""
        if self.classes:
            values = [c[0] for c in self.classes]
            return float(min(values)), float(max(values))
        if self.bits:
            return 0.0, float(2 ** self.bits - 1)
        if self.minimum is not None and self.maximum is not None:
            return float(self.minimum), float(self.maximum)
        return _type_limits(self.dtype)

    @property
    def typical_range(self) -> tuple[float, float]:
        """Where values usually are (fields without a physical model are spread over it): the display range when
        it lies inside the documented range, else the documented range, else the display range, else physical
        0..1 (through scale/offset for integers), else 0..10000 for unscaled integers."""
        lo, hi = self.value_range
        if self.classes or self.bits:
            return lo, hi
        if self.display and self.display[0] < self.display[1] and lo <= self.display[0] and self.display[1] <= hi:
            return float(self.display[0]), float(self.display[1])
        if self.minimum is not None and self.maximum is not None:
            return lo, hi
        if self.dtype.kind in "iu":
            if self.scale is None and self.offset is None:
                return max(lo, 0.0), min(hi, 10000.0)
            scale, offset = self.scale or 1.0, self.offset or 0.0
            a, b = sorted(((0.0 - offset) / scale, (1.0 - offset) / scale))
            return max(lo, float(round(a))), min(hi, float(round(b)))
        return 0.0, 1.0


def _type_limits(dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    return -3.4e38, 3.4e38


@dataclass(frozen=True)
class PropertyFacts:
    name: str
    type: str  # INT, DOUBLE, STRING, *_LIST, GEOMETRY, DATETIME, RECORD(_LIST)
    units: str | None
    description: str


@dataclass(frozen=True)
class DatasetFacts:
    id: str
    type: str  # IMAGE, IMAGE_COLLECTION, TABLE, TABLE_COLLECTION, BIGQUERY_TABLE
    title: str
    start: str | None
    end: str | None
    bbox: tuple[float, float, float, float]
    status: str | None = None  # "deprecated" | "beta"
    successor: str | None = None
    removed: str | None = None  # date it left the catalog (EE removed the data too)
    cadence: dict | None = None
    gsd: float | None = None
    crs: str | None = None  # "EPSG:4326" | "UTM" | "SR-ORG:6974"
    scenes: str | None = None  # "WRS2" | "MGRS" | None
    platforms: tuple[str, ...] = ()
    bands: tuple[BandFacts, ...] = ()
    properties: tuple[PropertyFacts, ...] = ()
    geometry: str | None = None  # tables: "Polygon" | "Point" | "LineString"

    @property
    def deprecated(self) -> bool:
        return self.status == "deprecated" or self.removed is not None

    def band(self, name: str) -> BandFacts | None:
        return next((b for b in self.bands if b.name == name), None)

    def property_names(self) -> list[str]:
        return [p.name for p in self.properties]


def _band(d: dict) -> BandFacts:
    bitmask = d.get("bitmask") or {}
    parts = tuple(BitmaskPart(p[0], p[1], p[2], tuple((int(v[0]), v[1]) for v in p[3]))
                  for p in bitmask.get("parts", []))
    display = d.get("display")
    return BandFacts(
        name=d["name"], type=d["type"], gsd=d.get("gsd"), scale=d.get("scale"), offset=d.get("offset"),
        units=d.get("units"), wavelength=d.get("wavelength"), minimum=d.get("min"), maximum=d.get("max"),
        estimated=d.get("estimated"), display=tuple(display) if display else None,
        classes=tuple((c[0], c[1], c[2]) for c in d.get("classes", [])), bits=bitmask.get("bits"), bitmask=parts)


def _dataset(d: dict) -> DatasetFacts:
    return DatasetFacts(
        id=d["id"], type=d["type"], title=d.get("title", ""), start=d.get("start"), end=d.get("end"),
        bbox=tuple(d.get("bbox") or (-180, -90, 180, 90)), status=d.get("status"), successor=d.get("successor"),
        removed=d.get("removed"), cadence=d.get("cadence"), gsd=d.get("gsd"), crs=d.get("crs"), scenes=d.get("scenes"),
        platforms=tuple(d.get("platforms") or ()), bands=tuple(_band(b) for b in d.get("bands", [])),
        properties=tuple(PropertyFacts(p[0], p[1], p[2], p[3]) for p in d.get("properties", [])),
        geometry=d.get("geometry"))


class _Store:
    """The decompressed facts: header parsed, dataset lines indexed by id and parsed on demand."""

    def __init__(self, path: Path):
        lines = gzip.decompress(path.read_bytes()).split(b"\n")
        self.header = json.loads(lines[0])
        self.lines: dict[str, bytes] = {}
        for line in lines[1:]:
            if line:
                ds_id, _, entry = line.partition(b"\t")
                self.lines[ds_id.decode()] = entry
        self.parse = lru_cache(maxsize=PARSED_CACHE)(self._parse)

    def _parse(self, ds_id: str) -> DatasetFacts:
        return _dataset({"id": ds_id, **json.loads(self.lines[ds_id])})


@lru_cache(maxsize=1)
def _store() -> _Store:
    return _Store(FACTS_PATH)


def normalize_id(asset_id: str) -> str:
    """`projects/earthengine-public/assets/X` -> `X`; other ids as they are (without surrounding slashes)."""
    return _PUBLIC_PREFIX.sub("", str(asset_id).strip("/"))


def dataset_facts(asset_id: str) -> DatasetFacts | None:
    """The facts of a public dataset id, or None when the catalog does not have it."""
    store = _store()
    ds_id = normalize_id(asset_id)
    if ds_id not in store.lines:
        return None
    return store.parse(ds_id)


def dataset_ids() -> list[str]:
    """Every dataset id in the facts file, sorted."""
    return sorted(_store().lines)


def catalog_source() -> dict:
    """Where the facts came from: repository, license, commit and date, files that could not be read."""
    return dict(_store().header["source"])

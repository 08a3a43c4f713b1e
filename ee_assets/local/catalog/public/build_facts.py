"""Build `facts.json.gz`, the public Earth Engine catalog's facts that ship with the package.

The facts (dataset type, bands with inferred pixel types, scale/offset, ranges, classes, bitmasks, resolution,
temporal extent and cadence, bbox, property schemas, deprecation) come from google/earthengine-catalog
(Apache-2.0), whose STAC jsonnet is evaluated here with the `jsonnet` package. The synthetic public datasets
(`synthetic.py`) are generated from them.

Regenerate (about 6 minutes of one core; the output is byte-for-byte the same for the same catalog commit):

    git clone --bare https://github.com/google/earthengine-catalog /tmp/earthengine-catalog.git   # or any clone
    .venv/bin/pip install -e '.[catalog-build]'
    nice -n 10 .venv/bin/python -m ee_assets.local.catalog.public.build_facts \\
        --git-dir /tmp/earthengine-catalog.git [--commit REV] [--raw-cache /tmp/catalog-raw.json.gz]

`--raw-cache` keeps the evaluated jsonnet of that commit, so changing only how facts are compacted
reruns in seconds. Datasets deleted from the catalog in its history (Landsat Collection 1, …) are added
from the last commit that had them, marked `removed`, unless `--no-removed` is given.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from ee_assets.files import write_bytes_atomic
from ee_assets.local.catalog.public.compact import compact_dataset
from ee_assets.local.catalog.public.snapshot import Log, evaluate_commit, removed_files, resolve

FACTS_FORMAT = 2
DEFAULT_OUT = Path(__file__).with_name("facts.json.gz")


def evaluate(git_dir: Path, rev: str, with_removed: bool, log: Log) -> dict:
    """The evaluated Collections of `rev` (and of removed datasets), as one JSON-able document."""
    snap, docs = evaluate_commit(git_dir, rev, log)
    removed: dict[str, dict] = {}
    if with_removed:
        by_commit: dict[str, list[tuple[str, str]]] = {}
        for sha, date, path in removed_files(git_dir, snap.commit):
            by_commit.setdefault(sha, []).append((date, path))
        # Newest deletion first, so a dataset deleted twice keeps its last version.
        for sha, items in by_commit.items():
            parent_snap, parent_docs = evaluate_commit(git_dir, f"{sha}^", log, only={p for _, p in items})
            for ds_id, doc in sorted(parent_docs.items()):
                if ds_id not in docs and ds_id not in removed:
                    removed[ds_id] = {"doc": doc, "removed_in": sha, "removed_date": items[0][0][:10],
                                      "last_commit": parent_snap.commit}
    return {"commit": snap.commit, "commit_date": snap.commit_date, "missing": snap.missing,
            "failed": snap.failed, "docs": docs, "removed": removed}


def load_or_evaluate(git_dir: Path, rev: str, cache: Path | None, with_removed: bool, log: Log) -> dict:
    commit, _ = resolve(git_dir, rev)
    if cache is not None and cache.is_file():
        raw = json.loads(gzip.decompress(cache.read_bytes()))
        if raw["commit"] == commit and (raw["removed"] or not with_removed):
            log(f"using the evaluated catalog of {commit[:10]} in {cache}")
            return raw
    raw = evaluate(git_dir, commit, with_removed, log)
    if cache is not None:
        write_bytes_atomic(cache, gzip.compress(json.dumps(raw, sort_keys=True).encode(), mtime=0))
    return raw


def build(raw: dict) -> dict:
    """The facts document: provenance plus one compact entry per dataset id, sorted."""
    datasets = {ds_id: compact_dataset(doc) for ds_id, doc in raw["docs"].items()}
    for ds_id, item in raw["removed"].items():
        entry = compact_dataset(item["doc"])
        entry["removed"] = item["removed_date"]
        datasets[ds_id] = entry
    return {
        "format": FACTS_FORMAT,
        "source": {
            "repository": "https://github.com/google/earthengine-catalog",
            "license": "Apache-2.0",
            "commit": raw["commit"],
            "commit_date": raw["commit_date"],
            "missing_files": sorted(raw["missing"]),
            "failed_files": dict(sorted(raw["failed"].items())),
            "removed_from": {ds_id: raw["removed"][ds_id]["last_commit"] for ds_id in sorted(raw["removed"])},
        },
        "generated_by": "python -m ee_assets.local.catalog.public.build_facts",
        "datasets": dict(sorted(datasets.items())),
    }


def encode(facts: dict) -> bytes:
    """Gzipped lines: the header (everything but the datasets) as JSON, then one `<id>\\t<entry JSON>` line per
    dataset in id order, so a reader parses only the datasets it is asked for. Deterministic: sorted keys, no
    whitespace, gzip without a timestamp or file name."""
    def dump(obj: dict) -> str:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    header = {k: v for k, v in facts.items() if k != "datasets"}
    lines = [dump(header)] + [f"{ds_id}\t{dump(entry)}" for ds_id, entry in facts["datasets"].items()]
    return gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ee_assets.local.catalog.public.build_facts",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", type=Path, required=True,
                        help="a clone (its .git) or bare mirror of google/earthengine-catalog")
    parser.add_argument("--commit", default="HEAD", help="catalog revision to read (default HEAD)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"facts file (default {DEFAULT_OUT.name})")
    parser.add_argument("--raw-cache", type=Path, help="keep/reuse the evaluated jsonnet of this commit here")
    parser.add_argument("--no-removed", action="store_true", help="leave out datasets deleted from the catalog")
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    git_dir = args.git_dir / ".git" if (args.git_dir / ".git").is_dir() else args.git_dir
    raw = load_or_evaluate(git_dir, args.commit, args.raw_cache, not args.no_removed, log)
    facts = build(raw)
    data = encode(facts)
    write_bytes_atomic(args.out, data)
    n_removed = sum(1 for d in facts["datasets"].values() if "removed" in d)
    log(f"wrote {args.out}: {len(facts['datasets'])} datasets ({n_removed} removed from the catalog), "
        f"{len(data) / 1e6:.2f} MB, catalog commit {facts['source']['commit'][:10]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

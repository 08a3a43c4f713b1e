"""Evaluate the STAC jsonnet of one google/earthengine-catalog commit into plain Collection documents.

The catalog's git history is read directly (`git cat-file`), so a bare mirror is enough: no checkout, no
Bazel. Blobs the snapshot lacks (a mirror may leave out files of 4 MiB or more) are skipped and reported.
Only the build script uses this module; it needs the `jsonnet` package (`pip install -e '.[catalog-build]'`).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

Log = Callable[[str], object]


@dataclass
class Snapshot:
    """Where the catalog came from and what could not be read from it."""

    commit: str
    commit_date: str
    missing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", f"--git-dir={git_dir}", *args], input=data, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {git_dir}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def resolve(git_dir: Path, rev: str) -> tuple[str, str]:
    """(full commit sha, ISO commit date) of `rev`."""
    out = git(git_dir, "log", "-1", "--format=%H %cI", rev).decode().split()
    return out[0], out[1]


def extract_tree(git_dir: Path, commit: str, dest: Path, prefix: str = "catalog") -> list[str]:
    """Write every blob under `prefix` at `commit` below `dest`; return the paths whose blobs are missing."""
    listing = git(git_dir, "ls-tree", "-r", "-z", commit, "--", prefix).split(b"\0")
    entries = []
    for line in listing:
        if not line:
            continue
        meta, path = line.split(b"\t", 1)
        _mode, kind, sha = meta.split()
        if kind == b"blob":
            entries.append((sha.decode(), path.decode()))
    missing: list[str] = []
    batch = git(git_dir, "cat-file", "--batch", data=b"".join(f"{sha}\n".encode() for sha, _ in entries))
    pos = 0
    for sha, path in entries:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(batch[pos:pos + size])
        pos += size + 1  # the blob is followed by a newline
        assert header[0].decode() == sha
    return missing


def evaluate_files(root: Path, files: Iterable[Path], log: Log, failed: dict[str, str]) -> dict[str, dict]:
    """Evaluate each jsonnet file; keep the STAC Collections (not the per-provider Catalogs, not TEMPLATE)."""
    import _jsonnet  # the build-time extra; never needed at run time

    out: dict[str, dict] = {}
    files = sorted(files)
    for i, f in enumerate(files, 1):
        rel = f.relative_to(root).as_posix()
        try:
            doc = json.loads(_jsonnet.evaluate_file(str(f), jpathdir=[str(root / "catalog")]))
        except RuntimeError as e:
            failed[rel] = str(e).splitlines()[0]
            continue
        if i % 100 == 0 or i == len(files):
            log(f"  evaluated {i}/{len(files)} files")
        if doc.get("type") != "Collection" or f.parent.name == "TEMPLATE":
            continue
        out[doc["id"]] = doc
    return out


def evaluate_commit(git_dir: Path, rev: str, log: Log, only: set[str] | None = None) -> tuple[Snapshot, dict]:
    """All Collections of the catalog at `rev` (or only the files whose repository path is in `only`)."""
    commit, date = resolve(git_dir, rev)
    snap = Snapshot(commit, date)
    with tempfile.TemporaryDirectory(prefix="ee-catalog-") as tmp:
        root = Path(tmp)
        snap.missing = extract_tree(git_dir, commit, root)
        files = [p for p in (root / "catalog").rglob("*.jsonnet")
                 if only is None or p.relative_to(root).as_posix() in only]
        log(f"catalog {commit[:10]} ({date}): {len(files)} jsonnet files, {len(snap.missing)} blobs missing")
        docs = evaluate_files(root, files, log, snap.failed)
    return snap, docs


def removed_files(git_dir: Path, commit: str) -> list[tuple[str, str, str]]:
    """(deleting commit, its date, path) of every dataset jsonnet deleted before `commit`, newest first."""
    out = git(git_dir, "log", "--diff-filter=D", "--name-only", "--format=@@ %H %cI", commit, "--", "catalog").decode()
    rows = []
    current = ("", "")
    for line in out.splitlines():
        if line.startswith("@@ "):
            _, sha, date = line.split()
            current = (sha, date)
        elif line.endswith(".jsonnet") and not line.endswith("/catalog.jsonnet"):
            rows.append((current[0], current[1], line))
    return rows

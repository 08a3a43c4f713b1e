"""A copy of the project to change as a user would, the `dg` CLI run in it, and the README's instructions.

The copy holds what a fresh clone has (pyproject.toml, the YAML files, README.md and the ee_assets package), and
its `ee_assets` is imported instead of the repository's (it comes first on PYTHONPATH), so changing it leaves the
repository untouched. `dg` runs in subprocesses with the no-network guard, a tmp DAGSTER_HOME and tmp outputs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ee_assets_tests.support.defs import EE_ENV, REPO
from ee_assets_tests.support.no_network import subprocess_pythonpath

DG = Path(sys.executable).with_name("dg")
PROJECT_FILES = ("pyproject.toml", "workspace.yaml", "dagster.yaml", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.parts")


@dataclass(frozen=True)
class Project:
    """A project copy and the environment `dg` runs with in it."""

    root: Path
    env: dict[str, str]

    @property
    def defs(self) -> Path:
        return self.root / "ee_assets" / "defs"

    @property
    def outputs(self) -> Path:
        return Path(self.env["EE_OUTPUT_DIR"])

    @property
    def dagster_home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    def dg(self, *args: str, timeout_s: float = 900) -> subprocess.CompletedProcess:
        """Run `dg args...` in the project (output captured, not checked)."""
        return subprocess.run([str(DG), *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=timeout_s)


def copy_project(folder: Path, catalog: Path) -> Project:
    """Copy the project into `folder` and prepare the environment to run `dg` there on `catalog`."""
    root = folder / "project"
    root.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "ee_assets", root / "ee_assets", ignore=IGNORED)
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    guard = subprocess_pythonpath(folder / "guard")
    env = {k: v for k, v in os.environ.items() if k not in EE_ENV and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PYTHONPATH=os.pathsep.join([str(root), guard]), DAGSTER_HOME=str(home),
               EE_OUTPUT_DIR=str(folder / "outputs"), EE_LOCAL_CATALOG=str(catalog), DAGSTER_DISABLE_TELEMETRY="1")
    return Project(root, env)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative path -> bytes), caches excluded."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


# -- the README -------------------------------------------------------------------------------------------------
def readme_section(title: str, readme: Path = REPO / "README.md") -> str:
    """The text of the `## title` section, up to the next `## ` heading."""
    text = readme.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start: end if end > 0 else None]


FILE_BLOCK = re.compile(r"^`([^`\n]+)`:\n\n```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_files(section: str) -> dict[str, str]:
    """Files the section spells out: a line "`path`:" followed by a fenced block with the file's contents."""
    return {path: body for path, body in FILE_BLOCK.findall(section)}


def readme_commands(section: str, prefix: str = ".venv/bin/dg ") -> list[list[str]]:
    """The `dg` commands of the section's shell blocks, in order, as argument lists (after `dg`)."""
    commands = []
    for block in SHELL_BLOCK.findall(section):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(prefix):
                commands.append(line[len(prefix):].split())
    return commands

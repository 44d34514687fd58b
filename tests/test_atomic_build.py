"""Builds are reproducible, and a build killed part-way leaves the previous site exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run_kb
from tests.test_build import tree_digest


def site_files(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_of_the_same_data_are_identical(project):
    assert run_kb("build", cwd=project).returncode == 0
    first = site_files(project / "site")
    assert run_kb("build", cwd=project).returncode == 0
    second = site_files(project / "site")
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_a_build_killed_midway_leaves_the_previous_site_intact(project):
    assert run_kb("build", cwd=project).returncode == 0
    before = tree_digest(project / "site")
    builds = project / ".site-builds"
    existing = set(builds.iterdir())
    process = subprocess.Popen([sys.executable, "-m", "kb.cli", "build"], cwd=project, env=os.environ.copy(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (set(builds.iterdir()) - existing) and process.poll() is None:
        time.sleep(0.01)
    assert process.poll() is None, "the build finished before it could be interrupted"
    time.sleep(0.2)  # let MkDocs write part of the new site
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert tree_digest(project / "site") == before
    result = run_kb("build", cwd=project)  # and the next build still works, clearing the leftovers
    assert result.returncode == 0, result.stderr
    kept = [p.name for p in builds.iterdir() if not p.name.startswith(".")]  # not the lock file
    assert kept == [os.readlink(project / "site").split("/")[-1]]


def test_building_a_second_site_folder_next_to_the_first_keeps_the_first(project):
    assert run_kb("build", cwd=project).returncode == 0
    before = tree_digest(project / "site")
    result = run_kb("build", "--site-dir", "preview", cwd=project)
    assert result.returncode == 0, result.stderr
    assert tree_digest(project / "site") == before
    assert tree_digest(project / "preview") == before

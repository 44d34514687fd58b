"""Shared fixtures: a small valid data folder, a fixed clock, and a way to run ``kb`` as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# 2026-02-02: after every fixture's last_reviewed date, so nothing is "in the future" or stale.
FIXED_EPOCH = "1770000000"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "true")


def copy_fixture_data(root: Path) -> Path:
    """The small valid data set, with the real schemas, copied to ``root``."""
    shutil.copytree(FIXTURES / "valid", root)
    shutil.copytree(REPO / "data" / "schema", root / "schema")
    return root


def make_project(folder: Path) -> Path:
    """A project laid out like the repository (mkdocs.yml, docs/, scripts/kb, data/) with the fixture data."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(REPO / "docs", folder / "docs")
    (folder / "scripts").mkdir()
    (folder / "scripts" / "kb").symlink_to(REPO / "scripts" / "kb")
    if not (folder / "data").exists():
        copy_fixture_data(folder / "data")
    return folder


def mkdocs_build(project: Path, site: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of ``project`` into ``site``, with ``env`` added to the environment."""
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=project,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=600)


@dataclass(frozen=True)
class RealSiteBuild:
    site: Path
    result: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def real_site_build(tmp_path_factory: pytest.TempPathFactory) -> RealSiteBuild:
    """The real site, built once for the whole run from the repository's data by ``mkdocs build --strict``, on the
    real clock (the real data is reviewed up to today). Tests read it; none may change it."""
    site = tmp_path_factory.mktemp("real-site") / "site"
    result = mkdocs_build(REPO, site, {"NO_MKDOCS_2_WARNING": "true", "SOURCE_DATE_EPOCH": str(int(time.time()))})
    return RealSiteBuild(site, result)


@pytest.fixture(scope="session")
def real_site(real_site_build: RealSiteBuild) -> Path:
    """The folder of the real site (see real_site_build)."""
    assert real_site_build.result.returncode == 0, real_site_build.result.stderr
    return real_site_build.site


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A copy of the small valid data set, with the real schemas, that a test may break."""
    return copy_fixture_data(tmp_path / "data")


@pytest.fixture
def project(tmp_path: Path, data_root: Path) -> Path:
    """A project folder laid out like the repository, with the fixture data (the same folder as ``data_root``)."""
    return make_project(tmp_path)


def run_kb(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the ``kb`` command in a subprocess, exactly as a curator would."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

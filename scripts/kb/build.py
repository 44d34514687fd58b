"""``kb build``: validate, build the site into a fresh folder, then switch ``site`` to it in one step.

``site`` is a symbolic link to a folder under ``.site-builds/``; the switch is an atomic rename of a
new link over the old one, so an error or a kill at any moment leaves the previous site as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from kb.pipeline import handed_over, load_knowledge_base

BUILDS_FOLDER = ".site-builds"


class BuildFailed(Exception):
    """MkDocs refused the build (for example a broken link in strict mode)."""


def _data_root(config_file: Path) -> Path:
    return config_file.resolve().parent / os.environ.get("KB_DATA_DIR", "data")


def _switch_link(site_dir: Path, target: Path) -> None:
    """Point ``site_dir`` at ``target`` atomically (a real folder from a plain mkdocs build is moved aside)."""
    builds = target.parent
    if site_dir.exists() and not site_dir.is_symlink():
        site_dir.rename(builds / f"{site_dir.name}-previous-{time.time_ns()}")
    temporary_link = site_dir.with_name(f".{site_dir.name}.link-{os.getpid()}")
    if temporary_link.is_symlink():
        temporary_link.unlink()
    temporary_link.symlink_to(os.path.relpath(target, site_dir.parent))
    os.replace(temporary_link, site_dir)


def _remove_old_builds(builds: Path, keep: Path, site_name: str) -> None:
    """Every earlier build of this site; another site folder next to it keeps its own."""
    for folder in builds.iterdir():
        if folder != keep and folder.name.startswith(f"{site_name}-"):
            shutil.rmtree(folder, ignore_errors=True)


def build_site(config_file: Path, site_dir: Path, *, strict: bool = False) -> Path:
    """Build atomically; raise DataError (nothing written) or BuildFailed (previous site kept)."""
    data_root = _data_root(config_file)
    knowledge_base = load_knowledge_base(data_root, strict=strict, split=True)
    builds = site_dir.parent / BUILDS_FOLDER
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f"{site_dir.name}-build-{time.time_ns()}-{os.getpid()}"
    try:
        config = load_config(str(config_file), site_dir=str(staging.resolve()))
        config.plugins.on_startup(command="build", dirty=False)
        with handed_over(data_root, knowledge_base):  # the hook takes this model instead of reading it all again
            build(config)
    except (MkDocsException, SystemExit) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(str(exc) or "MkDocs reported warnings in strict mode") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch_link(site_dir, staging)
    _remove_old_builds(builds, staging, site_dir.name)
    logging.getLogger("kb").info("site switched to %s", staging)
    return staging


"""``kb build``: the whole build, step by step, in :func:`build_site`.

``site`` is a symbolic link to a folder under ``.site-builds/``. A build writes a new folder and then
switches the link to it with one atomic rename, so an error or a kill at any moment leaves the previous site
as it was. One build of a site runs at a time: a second one waits for the first to finish.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from kb.mkdocs.plugin import KnowledgeBasePlugin
from kb.model import load_knowledge_base
from kb.site.checks import UnsafeLink, check_built_site

BUILDS_FOLDER = ".site-builds"
log = logging.getLogger("kb")


class BuildFailed(Exception):
    """The site could not be built (MkDocs refused it, or the built pages failed a check)."""


def build_site(config_file: Path, site_dir: Path, *, strict: bool = False) -> Path:
    """Build the site into a new folder and switch ``site_dir`` to it. Raises DataError (nothing written),
    BuildFailed (the previous site kept) or OSError (a folder cannot be written; the previous site kept)."""
    data_root = config_file.resolve().parent / os.environ.get("KB_DATA_DIR", "data")
    knowledge_base = load_knowledge_base(data_root, strict=strict)  # 1. load, validate, model
    builds = site_dir.parent / BUILDS_FOLDER
    builds.mkdir(parents=True, exist_ok=True)
    with _one_build_at_a_time(builds / f".{site_dir.name}.lock"):  # 2. wait for any other build of this site
        staging = builds / f"{site_dir.name}-{time.time_ns()}-{os.getpid()}"
        try:
            config = load_config(str(config_file), site_dir=str(staging.resolve()))  # 3. MkDocs' configuration
            config.plugins.on_startup(command="build", dirty=False)
            _kb_plugin(config).handed_over = knowledge_base
            mkdocs_build(config)  # 4. MkDocs with the kb plugin: plan, render, convert and write every page
            check_built_site(staging, data_root)  # 5. the last line of defence: every link in the pages is safe
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, UnsafeLink):
                raise BuildFailed(str(exc)) from None
            if isinstance(exc, MkDocsException | SystemExit):
                raise BuildFailed(str(exc) or "MkDocs reported warnings in strict mode") from None
            raise
        _switch_link(site_dir, staging)  # 6. the new site, in one step
        _remove_earlier_builds(builds, staging, site_dir.name)
    log.info("site switched to %s", staging)
    return staging


@contextlib.contextmanager
def _one_build_at_a_time(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` for the block, waiting (and saying so) while another build holds
    it. The lock goes with the process, however it ends."""
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("kb build: another build of this site is running; waiting for it to finish", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _kb_plugin(config: object) -> KnowledgeBasePlugin:
    plugins = getattr(config, "plugins", {})
    plugin = next((p for p in plugins.values() if isinstance(p, KnowledgeBasePlugin)), None)
    if plugin is None:
        raise BuildFailed("mkdocs.yml does not load the kb plugin (plugins: - kb)")
    return plugin


def _switch_link(site_dir: Path, target: Path) -> None:
    """Point ``site_dir`` at ``target`` atomically (a real folder from a plain mkdocs build is moved aside)."""
    builds = target.parent
    if site_dir.exists() and not site_dir.is_symlink():
        site_dir.rename(builds / f"{site_dir.name}-{time.time_ns()}-previous")
    temporary_link = site_dir.with_name(f".{site_dir.name}.link-{os.getpid()}")
    if temporary_link.is_symlink():
        temporary_link.unlink()
    temporary_link.symlink_to(os.path.relpath(target, site_dir.parent))
    os.replace(temporary_link, site_dir)


def _remove_earlier_builds(builds: Path, keep: Path, site_name: str) -> None:
    """Every earlier build of this site (the lock is held: no other build of it is being written); the
    builds of another site folder next to it are left alone."""
    own = re.compile(rf"{re.escape(site_name)}-[0-9]+-([0-9]+|previous)")
    for folder in builds.iterdir():
        if folder != keep and folder.is_dir() and own.fullmatch(folder.name):
            shutil.rmtree(folder, ignore_errors=True)

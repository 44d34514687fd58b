"""``kb serve``: build the site in memory, serve it with live reload, and after each save build again only what
the change touches (:mod:`kb.serve_build`), from a watcher the system tells of every change at once.

Data errors do not stop the preview: they are printed as ``kb validate`` prints them and shown at the top of
every page, and the last good version of the site stays on screen until the file is fixed (the server starts
and shows the errors even when the data is broken from the start). The data folder is ``KB_DATA_DIR`` (or
``data``) next to ``mkdocs.yml``, as for ``kb build``; a change there rebuilds the pages it touches, a change to
``mkdocs.yml``, ``docs/`` or the page templates rebuilds everything. (A change to kb's Python code needs a
restart.)
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from kb.data.schemas import SchemaError
from kb.problems import DataError, Problem, one_line
from kb.serve_build import Preview, SiteFiles
from kb.serve_http import PreviewServer
from kb.site.render import TEMPLATES

SETTLE_SECONDS = 0.03  # an editor's save may be several events (write, rename): wait until they stop


class Watcher(FileSystemEventHandler):
    """Collects the paths that change under the watched folders, and waits for a batch of them."""

    def __init__(self, folders: list[Path]):
        self._changed: set[Path] = set()
        self._event = threading.Condition()
        self._observer = Observer()
        for folder in folders:
            if folder.exists():
                self._observer.schedule(self, str(folder), recursive=folder.is_dir())

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        with self._event:
            self._changed |= {Path(os.fsdecode(path)) for path in paths if path and not _is_scratch(path)}
            self._event.notify_all()

    def wait(self) -> set[Path]:
        """The paths changed since the last call, once they stop changing."""
        with self._event:
            self._event.wait_for(lambda: bool(self._changed))
            while self._event.wait(timeout=SETTLE_SECONDS):
                pass
            changed, self._changed = self._changed, set()
        return changed


def _is_scratch(path: bytes | str) -> bool:
    """An editor's backup, swap or temporary file."""
    name = os.path.basename(os.fsdecode(path))
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


def serve_site(config_file: Path, dev_addr: str) -> int:
    host, _, port = dev_addr.rpartition(":")
    project = config_file.resolve().parent
    data_root = project / os.environ.get("KB_DATA_DIR", "data")  # as kb build reads it
    preview = Preview(config_file, data_root)
    server = PreviewServer(host or "127.0.0.1", int(port), (project, data_root))
    watcher = Watcher([data_root, project / "docs", config_file.resolve(), TEMPLATES])
    server.start()
    watcher.start()
    print(f"Serving on {server.url} (watching {data_root}); press Ctrl+C to stop", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, _stop)  # a service manager's stop cleans up as Ctrl+C does
    try:
        _build(preview, server, everything=True)
        while True:
            changed = watcher.wait()
            everything = any(not path.is_relative_to(data_root) for path in changed)
            preview.checks.forget(changed)
            _build(preview, server, everything=everything)
    except KeyboardInterrupt:
        return 0
    finally:
        watcher.stop()
        server.stop()
        preview.close()


def _stop(signal_number: int, frame: object) -> None:
    """Stop serving, as Ctrl+C does."""
    raise KeyboardInterrupt


def _build(preview: Preview, server: PreviewServer, *, everything: bool) -> None:
    """Build (everything, or what changed) and publish; on errors, print and show them, keep the last site."""
    start = time.perf_counter()
    try:
        outcome = preview.build_all() if everything else preview.update()
    except (DataError, SchemaError) as exc:
        problems = exc.problems if isinstance(exc, DataError) else [exc.problem]
        _report(problems, kept=server.current().site is not None)
        server.publish(None, problems)
        return
    except Exception as exc:  # MkDocs, a template or the theme refused the site: the same, one line
        problem = Problem(str(preview.config_file), 1, 1, f"the site build failed: {type(exc).__name__}: "
                                                          f"{one_line(str(exc))}", code="build-failed")
        _report([problem], kept=server.current().site is not None)
        server.publish(None, [problem])
        return
    server.publish(outcome.site, [])
    print(f"built {outcome.pages} page(s) in {time.perf_counter() - start:.2f} s; browsers reload",
          file=sys.stderr, flush=True)
    outcome.site.search_index.add_done_callback(_report_search_index_failure)


def _report_search_index_failure(search_index: Future[SiteFiles]) -> None:
    """Say in the terminal why search does not answer, if the search index of a version could not be written."""
    error = search_index.exception()
    if error is not None:
        print(f"the search index could not be written: {type(error).__name__}: {one_line(str(error))}; search "
              "answers with an error until the next save", file=sys.stderr, flush=True)


def _report(problems: list[Problem], *, kept: bool) -> None:
    for problem in sorted(problems):
        print(problem, file=sys.stderr)
    still = "still showing the last good version" if kept else "no version of the site yet"
    print(f"{len(problems)} error(s); {still}: fix the file and save again", file=sys.stderr, flush=True)

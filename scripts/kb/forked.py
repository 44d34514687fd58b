"""Work done in a forked copy of this process, on the second core, with its result handed back.

A forked child starts with everything the parent has already built (schemas, model, templates, MkDocs'
configuration), so splitting a loop in two costs only the fork and handing the result back, which goes
through a temporary file rather than a pipe so that the child never waits for the busy parent. A child
that fails hands back nothing: the caller then does the work itself, and its errors are reported there.
Fork is only used where it exists and never from a process serving pages (a threaded server).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")
log = logging.getLogger("mkdocs.plugins.kb")
# Below this many items, a second process costs more than it saves.
ENOUGH_TO_SPLIT = 200
LEFT_BY_CHILD = 20  # one in this many of the child's items is done by the parent instead (see map_in_two_processes)


class Forked(Generic[T]):
    """The result of ``function()`` computed in a forked child; :meth:`result` waits for it once."""

    def __init__(self, pid: int, result_path: Path):
        self.pid, self.result_path = pid, result_path
        self._done = False
        self._result: T | None = None

    @classmethod
    def start(cls, function: Callable[[], T]) -> Forked[T] | None:
        """Run ``function`` in a child; None where fork is not available."""
        if not hasattr(os, "fork"):
            return None
        handle, name = tempfile.mkstemp(prefix="kb-forked-", suffix=".pickle")
        os.close(handle)
        # Frozen objects are left alone by the garbage collector, so the child does not write to (and so
        # copy) every memory page the parent's objects live on when it collects; the child, short-lived,
        # does not collect at all.
        gc.freeze()
        parent, pid = os.getpid(), -1
        try:
            pid = os.fork()
        except OSError as exc:
            log.debug("not forking: %s", exc)
            os.unlink(name)
            return None
        finally:
            if pid != 0:
                gc.unfreeze()
        if pid == 0:  # the child: compute, write, and leave without running the parent's exit handlers
            gc.disable()
            status = 1
            try:
                Path(name).write_bytes(pickle.dumps(function(), protocol=pickle.HIGHEST_PROTOCOL))
                status = 0
            finally:
                if status or os.getppid() != parent:  # failed, or nobody is left to read the result
                    Path(name).unlink(missing_ok=True)
                os._exit(status)
        return cls(pid, Path(name))

    def result(self) -> T | None:
        """What ``function`` returned, or None if the child failed."""
        if not self._done:
            self._done = True
            _, status = os.waitpid(self.pid, 0)
            try:
                if os.waitstatus_to_exitcode(status) == 0:
                    self._result = pickle.loads(self.result_path.read_bytes())
                else:
                    log.debug("a forked child failed; doing its work here")
            finally:
                self.result_path.unlink(missing_ok=True)
        return self._result

    def stop(self) -> None:
        """End the child if it still runs (the caller gave up) and remove its file."""
        if not self._done:
            self._done = True
            try:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.result_path.unlink(missing_ok=True)


def map_in_two_processes(function: Callable[[T], U], items: Sequence[T], *, split: bool = True) -> list[U]:
    """``[function(item) for item in items]``, every other item computed in a forked child when ``split``
    and there are enough items (alternate items, not halves: items of one kind tend to come together, and
    some kinds cost more). ``function`` must not rely on side effects: the child's are lost."""
    if not split or len(items) < ENOUGH_TO_SPLIT:
        return [function(item) for item in items]
    their_share = items[1::2]
    # The child leaves the last twentieth of its share to this process: handing its results back takes
    # about that long, time this process can use. (So callers put any few large items first.)
    handed_back = len(their_share) - len(their_share) // LEFT_BY_CHILD
    child = Forked.start(lambda: [function(item) for item in their_share[:handed_back]])
    try:
        results: list[U] = [function(item) for item in items[::2]]
        tail = [function(item) for item in their_share[handed_back:]]
    except BaseException:  # an error or Ctrl-C here: the child's work is not wanted any more
        if child is not None:
            child.stop()
        raise
    theirs = child.result() if child is not None else None
    if theirs is None:
        theirs = [function(item) for item in their_share[:handed_back]]
    theirs = theirs + tail
    merged: list[U] = [None] * len(items)  # type: ignore[list-item]
    merged[::2], merged[1::2] = results, theirs
    return merged

"""Work done in a forked copy of this process, on the second core, with its result handed back.

A forked child starts with everything the parent has already built (schemas, model, templates, MkDocs'
configuration), so splitting a loop in two costs only the fork and handing the result back, which goes
through a temporary file rather than a pipe so that the child never waits for the busy parent; a pipe only
says when the file is written. A result made only of plain values (str, int, float, bool, None, and lists,
tuples, dicts and sets of them) goes with ``marshal``, which writes and reads it several times faster than
``pickle``; anything else, with ``pickle``. A child that fails hands back nothing: the caller then does the
work itself, and its errors are reported there.
Fork is only used where it exists and never from a process serving pages (a threaded server).
"""

from __future__ import annotations

import gc
import logging
import marshal
import mmap
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")
log = logging.getLogger("mkdocs.plugins.kb")
# Below this many items, a second process costs more than it saves.
ENOUGH_TO_SPLIT = 200
LEFT_BY_CHILD = 40  # one in this many items is left to the parent alone (see map_in_two_processes)
# At most this many chunks of items: their numbers (of _TOKEN_BYTES each) must fit in a pipe's buffer at
# once, and the smallest buffer Linux gives a pipe is one page of 4,096 bytes.
MAX_CHUNKS = 1024
_TOKEN_BYTES = 4


class Forked(Generic[T]):
    """The result of ``function()`` computed in a forked child; :meth:`result` waits for it once."""

    def __init__(self, pid: int, result_path: Path, written: int):
        self.pid, self.result_path = pid, result_path
        self._written = written  # a pipe's read end: one byte once the result is in its file, nothing on failure
        self._done = False
        self._result: T | None = None

    @classmethod
    def start(cls, function: Callable[[], T]) -> Forked[T] | None:
        """Run ``function`` in a child; None where fork is not available."""
        if not hasattr(os, "fork"):
            return None
        handle, name = tempfile.mkstemp(prefix="kb-forked-", suffix=".result", dir=_result_folder())
        os.close(handle)
        written, say_written = os.pipe()
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
            os.close(written)
            os.close(say_written)
            return None
        finally:
            if pid != 0:
                gc.unfreeze()
        if pid == 0:  # the child: compute, write, and leave without running the parent's exit handlers
            gc.disable()
            os.close(written)
            status = 1
            try:
                with open(name, "wb") as file:
                    _write(function(), file)
                # Said before leaving: ending a process that shares its memory with the parent takes
                # milliseconds, which the parent need not wait for.
                os.write(say_written, b"1")
                status = 0
            finally:
                if status or os.getppid() != parent:  # failed, or nobody is left to read the result
                    Path(name).unlink(missing_ok=True)
                os._exit(status)
        os.close(say_written)
        return cls(pid, Path(name), written)

    def result(self) -> T | None:
        """What ``function`` returned, or None if the child failed."""
        if not self._done:
            self._done = True
            try:
                if os.read(self._written, 1) == b"1":  # nothing, once the child has ended without a result
                    self._result = _read(self.result_path)
                else:
                    log.debug("a forked child failed; doing its work here")
            finally:
                os.close(self._written)
                os.waitpid(self.pid, 0)
                self.result_path.unlink(missing_ok=True)
        return self._result

    def stop(self) -> None:
        """End the child if it still runs (the caller gave up) and remove its file."""
        if not self._done:
            self._done = True
            os.close(self._written)
            try:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.result_path.unlink(missing_ok=True)


def _result_folder() -> str | None:
    """Where a child writes its result: a memory-backed folder where there is one (a result can be tens of
    megabytes, which a disk-backed one would also queue for writing to disk), else the temporary folder."""
    shared_memory = "/dev/shm"
    if tempfile.gettempdir() == "/tmp" and os.path.isdir(shared_memory) and os.access(shared_memory, os.W_OK):
        return shared_memory
    return None


def _write(value: object, file: BinaryIO) -> None:
    """``value`` into ``file``: one byte that says how, then ``marshal``'s or ``pickle``'s encoding."""
    try:
        encoded, how = marshal.dumps(value), b"m"
    except ValueError:  # not only plain values (marshal refuses even a subclass of str or tuple)
        encoded, how = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), b"p"
    file.write(how)
    file.write(encoded)  # not joined to the byte first: that would copy tens of megabytes once more


def _read(path: Path) -> Any:
    """What :func:`_write` wrote to ``path``, decoded straight from the file's pages (mapped, not copied)."""
    with (open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
          memoryview(mapped) as view):
        return marshal.loads(view[1:]) if view[:1] == b"m" else pickle.loads(view[1:])


def map_in_two_processes(function: Callable[[T], U], items: Sequence[T], *, split: bool = True) -> list[U]:
    """``[function(item) for item in items]``, shared with a forked child when ``split`` and there are
    enough items. The two processes take the next chunk of items in turn, whichever is free first, so that
    neither waits for the other however much the items' costs vary. The last fortieth of the items is
    left to this process alone: it works on them while the child hands its results back (so callers put any
    few large items first). ``function`` must not rely on side effects: the child's are lost."""
    if not split or len(items) < ENOUGH_TO_SPLIT:
        return [function(item) for item in items]
    shared = len(items) - len(items) // LEFT_BY_CHILD
    size = -(-shared // MAX_CHUNKS)
    chunks = [range(start, min(start + size, shared)) for start in range(0, shared, size)]
    # The chunks' numbers wait in a pipe: each process reads the next one when it is free. A read takes
    # exactly one number (reads are serialised), so each chunk goes to exactly one process.
    read_end, write_end = os.pipe()
    try:
        tokens = b"".join(number.to_bytes(_TOKEN_BYTES, "little") for number in range(len(chunks)))
        while tokens:
            tokens = tokens[os.write(write_end, tokens):]
    finally:
        os.close(write_end)

    def take_chunks() -> dict[int, list[U]]:
        taken: dict[int, list[U]] = {}
        while token := os.read(read_end, _TOKEN_BYTES):
            number = int.from_bytes(token, "little")
            taken[number] = [function(items[index]) for index in chunks[number]]
        return taken

    try:
        child = Forked.start(take_chunks)
        try:
            mine = take_chunks()
            tail = [function(item) for item in items[shared:]]
        except BaseException:  # an error or Ctrl-C here: the child's work is not wanted any more
            if child is not None:
                child.stop()
            raise
    finally:
        os.close(read_end)
    theirs = (child.result() if child is not None else None) or {}
    results: list[U] = []
    for number, indexes in enumerate(chunks):
        done = mine.get(number, theirs.get(number))
        if done is None:  # taken by a child that failed
            done = [function(items[index]) for index in indexes]
        results.extend(done)
    return results + tail

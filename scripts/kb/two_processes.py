"""Work done in a second process forked from this one.

Forked, the second process starts with every object as it is here (the data, the schemas, the templates, the
build's configuration), with nothing copied or pickled on the way in; only its results come back pickled.

- :func:`forked` starts that process (a pool of one) with the objects it is handed; what it runs reads them
  with :func:`handed_over`. The page workers (:mod:`kb.mkdocs.page_workers`) use it directly.
- :func:`in_two_processes` does the work on a list in two processes: the second half in the forked one while
  this one does the first half. If the second fails (it could not start, or was killed), its half is done here:
  the result is the same either way. A fork copies only the thread that forks: while other threads run (a
  server's), a lock one of them holds would stay held in the copy, so then everything is done here.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def in_two_processes(work: Callable[[list[Item]], list[Result]], items: list[Item], *, from_items: int
                     ) -> list[Result]:
    """``work(items)``, one result per item in their order; in two processes from ``from_items`` items on."""
    if len(items) < from_items or threading.active_count() > 1:
        return work(items)
    half = len(items) // 2
    with forked(work, items[half:]) as worker:
        second_half = worker.submit(_work_handed_over)
        first_half = work(items[:half])
        try:
            return first_half + second_half.result()
        except Exception:  # the worker failed: its half is done here
            return first_half + work(items[half:])


def forked(*objects: Any) -> ProcessPoolExecutor:
    """One process forked from this one, which starts with ``objects`` as they are now: they are handed over as
    the initializer's arguments, which a fork does not copy or pickle."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_keep,
                               initargs=objects)


def handed_over() -> tuple[Any, ...]:
    """In a process started by :func:`forked`, the objects it was handed."""
    assert _HANDED, "runs in a process started by forked()"
    return _HANDED


_HANDED: tuple[Any, ...] = ()  # set in a forked process only


def _keep(*objects: Any) -> None:
    global _HANDED
    _HANDED = objects


def _work_handed_over() -> list[Any]:
    work, items = handed_over()
    return work(items)

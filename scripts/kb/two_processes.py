"""Work done in a second process forked from this one.

Forked, the second process starts with every object as it is here (the data, the schemas, the templates, the
build's configuration), with nothing copied or pickled on the way in; only its results come back pickled.

- :func:`forked` starts that process (a pool of one) with the objects it is handed; what it runs reads them
  with :func:`handed_over`. The page workers (:mod:`kb.mkdocs.page_workers`) use it directly.
- :func:`in_two_processes` does the work on a list in two processes: every other item in the forked one while
  this one does the rest (heavy items that sit together in a list, such as the files of one type, are shared
  out). If the second fails (it could not start, or was killed), its items are done here: the result is the same
  either way. A fork copies only the thread that forks: while other threads run (a server's), a lock one of them
  holds would stay held in the copy, so then everything is done here.
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
    mine, theirs = items[0::2], items[1::2]
    with forked(work, theirs) as worker:
        their_results = worker.submit(_work_handed_over)
        my_results = work(mine)
        try:
            other_results = their_results.result()
        except Exception:  # the worker failed: its items are done here
            other_results = work(theirs)
    results = my_results + other_results  # then put back in the items' order
    results[0::2], results[1::2] = my_results, other_results
    return results


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

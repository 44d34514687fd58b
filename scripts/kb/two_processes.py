"""Work on a list of items done in two processes: the second half in a process forked from this one while this
one does the first half.

Forked, the second process starts with every object as it is here (the data, the schemas, the templates), with
nothing copied or pickled on the way in; only its results come back pickled. If it fails (it could not start,
or was killed), its half is done here: the result is the same either way. A fork copies only the thread that
forks: while other threads run (a server's), a lock one of them holds would stay held in the copy, so then
everything is done here.
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
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_hand_over,
                             initargs=(work, items[half:])) as worker:
        second_half = worker.submit(_work_handed_over)
        first_half = work(items[:half])
        try:
            return first_half + second_half.result()
        except Exception:  # the worker failed: its half is done here
            return first_half + work(items[half:])


# What the forked process was handed (set in that process only): the work and its half of the items.
_WORKER_HALF: tuple[Callable[[list[Any]], list[Any]], list[Any]] | None = None


def _hand_over(work: Callable[[list[Any]], list[Any]], items: list[Any]) -> None:
    global _WORKER_HALF
    _WORKER_HALF = (work, items)


def _work_handed_over() -> list[Any]:
    assert _WORKER_HALF is not None, "runs in the process forked by in_two_processes"
    work, items = _WORKER_HALF
    return work(items)

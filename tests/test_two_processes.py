"""Work on a long list is shared by two processes and gives what one process gives."""

from __future__ import annotations

import os
import threading
import time

from kb.two_processes import in_two_processes


def squares(numbers: list[int]) -> list[int]:
    return [number * number for number in numbers]


def test_a_long_list_gives_one_result_per_item_in_the_items_order():
    numbers = list(range(1001))
    assert in_two_processes(squares, numbers, from_items=10) == squares(numbers)


def test_a_short_list_gives_the_same_results():
    assert in_two_processes(squares, [3, 1, 2], from_items=10) == [9, 1, 4]


def test_the_results_are_the_same_when_the_second_process_dies():
    parent = os.getpid()

    def squares_unless_forked(numbers: list[int]) -> list[int]:
        if os.getpid() != parent:
            os._exit(1)  # killed, as by the system running out of memory
        return squares(numbers)

    assert threading.active_count() == 1, "the test needs the second process"
    numbers = list(range(300))
    assert in_two_processes(squares_unless_forked, numbers, from_items=10) == squares(numbers)


def test_an_error_in_the_work_is_raised_as_in_one_process():
    def fails_on_seven(numbers: list[int]) -> list[int]:
        if 7 in numbers:
            raise ValueError("seven")
        return numbers

    for numbers in ([1, 7, 9] * 100, [1, 2, 3] * 100 + [7]):  # in the first half, then in the second
        try:
            in_two_processes(fails_on_seven, numbers, from_items=10)
        except ValueError as error:
            assert str(error) == "seven"
        else:
            raise AssertionError("no error")


def test_work_that_needs_a_lock_another_thread_holds_finishes_once_the_lock_is_released():
    # A fork copies a held lock as held, with no thread left in the copy to release it (kb serve's threads log,
    # and logging takes a lock): the second process would wait for ever, and this one for it.
    lock = threading.Lock()
    results = []

    def under_the_lock(numbers: list[int]) -> list[int]:
        with lock:
            return numbers

    lock.acquire()
    worker = threading.Thread(target=lambda: results.append(in_two_processes(under_the_lock, list(range(300)),
                                                                               from_items=10)))
    worker.start()
    time.sleep(0.5)  # the work starts while the lock is held
    lock.release()
    worker.join(timeout=10)
    assert not worker.is_alive(), "the work never finished"
    assert results == [list(range(300))]

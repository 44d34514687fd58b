"""Work on a long list is shared by two processes and gives what one process gives.

The work is forked only where no other thread runs, which in the test session (whose browser tests leave
Playwright's threads running) is a new Python process: ``alone`` runs a test's code in one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

from kb.two_processes import in_two_processes

from tests.conftest import REPO

SQUARES = """
from kb.two_processes import in_two_processes

def squares(numbers):
    return [number * number for number in numbers]
"""


def alone(code: str) -> str:
    """What ``code`` prints, run after SQUARES in a new Python process, where it is the only thread."""
    result = subprocess.run([sys.executable, "-c", SQUARES + textwrap.dedent(code)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO / "scripts")}, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_long_list_gives_one_result_per_item_in_the_items_order():
    assert alone("""
        numbers = list(range(1001))
        print(in_two_processes(squares, numbers, from_items=10) == squares(numbers))
    """) == "True"


def test_a_short_list_gives_the_same_results():
    assert alone("print(in_two_processes(squares, [3, 1, 2], from_items=10))") == "[9, 1, 4]"


def test_the_results_are_the_same_when_the_second_process_dies():
    assert alone("""
        import os
        parent = os.getpid()

        def squares_unless_forked(numbers):
            if os.getpid() != parent:
                os._exit(1)  # killed, as by the system running out of memory
            return squares(numbers)

        numbers = list(range(300))
        print(in_two_processes(squares_unless_forked, numbers, from_items=10) == squares(numbers))
    """) == "True"


def test_an_error_in_the_work_is_raised_as_in_one_process():
    assert alone("""
        def fails_on_seven(numbers):
            if 7 in numbers:
                raise ValueError("seven")
            return numbers

        for numbers in ([1, 7, 9] * 100, [1, 2, 3] * 100 + [7]):  # in the first half, then in the second
            try:
                in_two_processes(fails_on_seven, numbers, from_items=10)
            except ValueError as error:
                print(error)
    """) == "seven\nseven"


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

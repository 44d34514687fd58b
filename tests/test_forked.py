"""Work split between this process and a forked child gives the same result as doing it all here."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from kb.bench import generate_dataset
from kb.forked import ENOUGH_TO_SPLIT, LEFT_BY_CHILD, MAX_CHUNKS, Forked, map_in_two_processes
from kb.pipeline import check_data, load_knowledge_base
from kb.render import render_site_pages


def _pid_after_a_moment(_: object) -> int:
    time.sleep(0.002)  # long enough for the child to start before this process has taken every item
    return os.getpid()


def test_both_processes_take_items_but_the_last_few_are_left_to_this_one():
    pids = map_in_two_processes(_pid_after_a_moment, range(ENOUGH_TO_SPLIT))
    left = ENOUGH_TO_SPLIT // LEFT_BY_CHILD
    shared = pids[:-left]
    assert os.getpid() in shared and len(set(shared)) == 2
    assert set(pids[-left:]) == {os.getpid()}  # done here while the child hands its results back


def test_a_slow_process_takes_fewer_items():
    parent = os.getpid()

    def slow_here(_: object) -> int:
        time.sleep(0.006 if os.getpid() == parent else 0.001)
        return os.getpid()

    pids = map_in_two_processes(slow_here, range(ENOUGH_TO_SPLIT))
    assert pids.count(parent) < ENOUGH_TO_SPLIT // 2


def test_more_items_than_chunks_still_give_every_result_in_order():
    items = list(range(MAX_CHUNKS * 3 + 5))
    assert map_in_two_processes(lambda item: item + 1, items) == [item + 1 for item in items]


def test_the_results_keep_the_order_of_the_items():
    items = list(range(ENOUGH_TO_SPLIT + 7))  # an odd number: this process does one more
    assert map_in_two_processes(lambda item: item * item, items) == [item * item for item in items]


def test_few_items_are_not_split():
    assert set(map_in_two_processes(lambda _: os.getpid(), range(ENOUGH_TO_SPLIT - 1))) == {os.getpid()}


def test_nothing_is_split_when_not_asked():
    assert set(map_in_two_processes(lambda _: os.getpid(), range(ENOUGH_TO_SPLIT), split=False)) == {os.getpid()}


def test_when_the_child_fails_this_process_does_its_half():
    parent = os.getpid()

    def square_here_only(item: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child breaks")
        return item * item

    items = list(range(ENOUGH_TO_SPLIT))
    assert map_in_two_processes(square_here_only, items) == [item * item for item in items]


def test_a_failed_child_hands_back_none_and_leaves_no_file():
    def fail() -> None:
        raise RuntimeError("broken")

    child = Forked.start(fail)
    assert child is not None
    assert child.result() is None
    assert not child.result_path.exists()


def test_stopping_a_running_child_ends_it_and_removes_its_file():
    child = Forked.start(lambda: time.sleep(60))
    assert child is not None
    child.stop()
    assert not child.result_path.exists()
    assert not Path(f"/proc/{child.pid}").exists()


def test_rendering_in_two_processes_gives_the_same_pages(tmp_path):
    knowledge_base = load_knowledge_base(generate_dataset(tmp_path / "data", ENOUGH_TO_SPLIT))
    split = render_site_pages(knowledge_base, split=True)
    assert list(split.items()) == list(render_site_pages(knowledge_base).items())


def test_checking_in_two_processes_reports_the_same_problems_and_references(tmp_path):
    data_root = generate_dataset(tmp_path / "data", ENOUGH_TO_SPLIT)
    trials = sorted((data_root / "trials").glob("*.yaml"))[:4]  # neighbours: some checked by each process
    for index, path in enumerate(trials):
        text = path.read_text()
        if index % 2:
            text = text.replace("phase: ", "phase: [not, a, phase]\nold_phase: ", 1)
        else:
            text = text.replace("](id:synth-", "](id:missing-", 1)
        path.write_text(text)
    (data_root / "trials" / "broken-yaml.yaml").write_text("name: [unclosed\n")
    split_result, split_problems, _ = check_data(data_root, split=True)
    result, problems, _ = check_data(data_root)
    assert split_problems == problems
    assert len([p for p in problems if p.is_error]) >= 5
    assert split_result.links == result.links
    assert split_result.citations == result.citations


def test_an_error_in_this_process_stops_the_child_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    parent = os.getpid()

    def fail_here(item: int) -> int:
        if os.getpid() == parent:
            raise ValueError("broken here")
        time.sleep(0.01)
        return item

    with pytest.raises(ValueError, match="broken here"):
        map_in_two_processes(fail_here, range(ENOUGH_TO_SPLIT))
    assert list(tmp_path.iterdir()) == []

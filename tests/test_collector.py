"""The cycle collector is paused for a block, and what the block made is not left for the next collection."""

from __future__ import annotations

import gc

from kb.collector import cycle_collection_paused


def test_the_collector_is_off_inside_the_block_and_on_again_after_it():
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_the_block_made_joins_the_oldest_generation():
    with cycle_collection_paused():
        made = [{"n": [index]} for index in range(1000)]
    assert gc.get_count()[0] < 100  # nothing left pending for a young collection to walk
    oldest = {id(item) for item in gc.get_objects(generation=2)}
    assert all(id(item) in oldest for item in made[::100])


def test_the_collector_stays_off_after_the_block_if_it_was_off_before():
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

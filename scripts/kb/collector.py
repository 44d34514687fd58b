"""Python's cycle collector paused while loading and checking the data, building the model and rendering the
pages, which make no reference cycles, or few.

The collector is set off by every few hundred new containers and, every so often, walks every object the
process holds. Loading builds hundreds of thousands of dicts, lists and tuples; with the collector running,
walking the growing heap again and again was half of serial loading time at N = 1,000, and a share that
grows with N. Rendering keeps fewer new objects, but enough to set off one walk of the whole model in a fresh
process (0.3 s at N = 5,000); the few cycles Jinja leaves (some thousands of objects at N = 5,000) wait for
the next full collection instead. When the pause ends, what was made during it is moved straight to the oldest
generation, which is collected only rarely.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Run the block with the cycle collector off; it is switched back on (if it was on) however it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What the block made joins the oldest generation at once: left in the youngest, every object would
        # be walked by the collection the next allocation sets off, and again as it aged (a sixth of a
        # second per million objects, every time).
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()

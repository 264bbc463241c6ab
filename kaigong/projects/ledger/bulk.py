"""What lets a sheet of 10k rows check and write in seconds: queries in slices, progress every so many rows, and
the cycle collector paused while a sheet's objects pile up. Shared by the checker and the writer."""

import gc
from collections.abc import Callable
from functools import wraps

PROGRESS_EVERY = 250
ProgressCallback = Callable[[int, int], None]


def without_cycle_collection(method):
    """Run ``method`` with Python's cycle collector paused: a sheet makes some hundred thousand small objects
    (cells, values, plans, audit entries) that all live until the end, and the collector would scan them again
    and again (a tenth of the time of a 10k-row import). Cycles made meanwhile are collected afterwards."""

    @wraps(method)
    def run(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return run


def chunks(items: list, size: int = 2000):
    """``items`` in slices of ``size``: an IN list per query, well under the databases' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

"""Shared helpers of the Bytewax side of the Sluice benchmarks.

Each workload script is run as
``bench/.venv/bin/python bench/bytewax/<w>.py '<params json>'`` and prints
one JSON line: wall and CPU time of the measured run, peak RSS, items and a
check digest. Interpreter start-up, imports and reading the input are not
timed: only ``run_main`` (one worker, in this thread) is.
"""

import json
import resource
import sys
import time

from bytewax.outputs import DynamicSink, StatelessSinkPartition
from bytewax.testing import run_main


def params():
    """The JSON parameters in argv[1]."""
    return json.loads(sys.argv[1])


def read_lines(path):
    """The lines of a generated input file (it ends with a newline)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    lines.pop()
    return lines


class _NullPartition(StatelessSinkPartition):
    def __init__(self, sink):
        self._sink = sink

    def write_batch(self, items):
        self._sink.count += len(items)
        if self._sink.digest is not None:
            self._sink.digest(items)


class NullSink(DynamicSink):
    """Keeps nothing: counts items; ``digest`` (optional) sees each batch."""

    def __init__(self, digest=None):
        self.count = 0
        self.digest = digest

    def build(self, step_id, worker_index, worker_count):
        return _NullPartition(self)


def measure(items, warm, body, run_kwargs=None, warm_kwargs=None):
    """Run ``warm()`` (a flow over a smaller input, with ``warm_kwargs``),
    then time ``run_main`` of the flow ``body()`` returns as
    ``(flow, check)`` (with ``run_kwargs``); print the sample."""
    run_kwargs = run_kwargs or {}
    wflow, _ = warm()
    run_main(wflow, **(warm_kwargs or {}))
    flow, check = body()
    c0 = time.process_time()
    t0 = time.perf_counter()
    run_main(flow, **run_kwargs)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "wallMs": wall * 1000,
                "cpuMs": cpu * 1000,
                "peakRss": rss,
                "items": items,
                "check": check(),
            }
        )
    )

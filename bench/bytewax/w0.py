"""W0 on Bytewax: a SimplePollingSource waking every intervalMs for seconds
(one item per wake) into a null sink."""

from datetime import timedelta
import time

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.inputs import SimplePollingSource

from benchlib import NullSink, measure, params


def reading():
    return time.time()


class Ticks(SimplePollingSource):
    def __init__(self, interval_ms, polls):
        super().__init__(timedelta(milliseconds=interval_ms))
        self._polls = 0
        self._max = polls

    def next_item(self):
        self._polls += 1
        if self._polls > self._max:
            raise StopIteration()
        return reading()


def build(interval_ms, polls):
    sink = NullSink()
    flow = Dataflow("w0")
    s = op.input("in", flow, Ticks(interval_ms, polls))
    op.output("out", s, sink)
    return flow, lambda: f"{sink.count} items"


p = params()
polls = round(p["seconds"] * 1000 / p["intervalMs"])
# Warm-up: the same idle flow for 3 s (as the Node sides do).
warm = round(3000 / p["intervalMs"])
measure(polls, lambda: build(p["intervalMs"], warm), lambda: build(p["intervalMs"], polls))

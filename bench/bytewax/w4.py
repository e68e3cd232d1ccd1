"""W4 on Bytewax: events "key;epochMs;value" parsed, keyed, and summed per
key with fold_window on an EventClock waiting waitMs, over tumbling windows
lengthMs long, or (with offsetMs) sliding windows lengthMs long opening every
offsetMs; the input file read into memory first, then a TestingSource with
the given batch size."""

from datetime import datetime, timedelta, timezone

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.operators.windowing import EventClock, SlidingWindower, TumblingWindower, fold_window
from bytewax.testing import TestingSource

from benchlib import NullSink, measure, params, read_lines

EVENTS_START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def parse(line):
    k, ms, v = line.split(";")
    return (k, datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc), int(v))


def key_of(e):
    return e[0]


def ts_of(e):
    return e[1]


def zero():
    return 0


def add(acc, e):
    return acc + e[2]


def merge(a, b):
    return a + b


def windower_of(length_ms, offset_ms):
    length = timedelta(milliseconds=length_ms)
    if offset_ms is None:
        return TumblingWindower(length=length, align_to=EVENTS_START)
    return SlidingWindower(length=length, offset=timedelta(milliseconds=offset_ms), align_to=EVENTS_START)


def build(lines, batch, wait_ms, windower):
    total = [0]

    def digest(items):
        for _, (_, acc) in items:
            total[0] += acc

    sink = NullSink(digest)
    flow = Dataflow("w4")
    s = op.input("in", flow, TestingSource(lines, batch))
    s = op.map("parse", s, parse)
    keyed = op.key_on("key", s, key_of)
    clock = EventClock(ts_of, wait_for_system_duration=timedelta(milliseconds=wait_ms))
    out = fold_window("sum", keyed, clock, windower, zero, add, merge)
    op.output("out", out.down, sink)
    return flow, lambda: f"{sink.count} windows, sum {total[0]}"


p = params()
lines = read_lines(p["path"])
warm = lines[: len(lines) // 10]
windower = windower_of(p["lengthMs"], p.get("offsetMs"))
measure(len(lines), lambda: build(warm, p["batch"], p["waitMs"], windower), lambda: build(lines, p["batch"], p["waitMs"], windower))

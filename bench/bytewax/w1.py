"""W1 on Bytewax: integers through map, filter, flat_map, filter_map, map
into a sink that counts and sums them, from a TestingSource with the given batch size."""

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSource

from benchlib import NullSink, measure, params


def ident(x):
    return x


def keep(x):
    return x >= 0


def once(x):
    return [x]


def some(x):
    return x


def last(x):
    return x


def build(xs, batch):
    total = [0]

    def digest(items):
        total[0] += sum(items)

    sink = NullSink(digest)
    flow = Dataflow("w1")
    s = op.input("in", flow, TestingSource(xs, batch))
    s = op.map("map", s, ident)
    s = op.filter("filter", s, keep)
    s = op.flat_map("flat_map", s, once)
    s = op.filter_map("filter_map", s, some)
    s = op.map("last", s, last)
    op.output("out", s, sink)
    return flow, lambda: f"{sink.count} items, sum {total[0]}"


p = params()
n, batch = p["items"], p["batch"]
xs = list(range(n))
warm = xs[: n // 10]
measure(n, lambda: build(warm, batch), lambda: build(xs, batch))

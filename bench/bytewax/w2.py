"""W2 on Bytewax: lines lowercased, split on spaces, counted with
count_final; the input file read into memory first, then a TestingSource
with the given batch size."""

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSource

from benchlib import NullSink, measure, params, read_lines


def lower(line):
    return line.lower()


def tokenize(line):
    return line.split(" ")


def key(word):
    return word


def build(lines, batch):
    total = [0]

    def digest(kvs):
        for _, n in kvs:
            total[0] += n

    sink = NullSink(digest)
    flow = Dataflow("w2")
    s = op.input("in", flow, TestingSource(lines, batch))
    s = op.map("lower", s, lower)
    s = op.flat_map("tokenize", s, tokenize)
    s = op.count_final("count", s, key)
    op.output("out", s, sink)
    return flow, lambda: f"{sink.count} words, {total[0]} tokens"


p = params()
lines = read_lines(p["path"])
warm = lines[: len(lines) // 10]
measure(len(lines), lambda: build(warm, p["batch"]), lambda: build(lines, p["batch"]))

"""W3 (and W5) on Bytewax: rows "station;temperature" parsed, aggregated
with stateful_map (min, max, sum, count; emits the running mean) into a null
sink; the input file read into memory first, then a TestingSource with the
given batch size. With "recovery", snapshots go to a fresh recovery
directory every "epochSeconds"."""

import shutil
import tempfile
from datetime import timedelta

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.testing import TestingSource

from benchlib import NullSink, measure, params, read_lines


def parse(row):
    k, t = row.split(";")
    return (k, float(t))


def aggregate(s, t):
    # [min, max, sum, count]
    if s is None:
        return ([t, t, t, 1], t)
    if t < s[0]:
        s[0] = t
    if t > s[1]:
        s[1] = t
    s[2] += t
    s[3] += 1
    return (s, s[2] / s[3])


def build(rows, batch):
    total = [0.0]

    def digest(means):
        for _, m in means:
            total[0] += m

    sink = NullSink(digest)
    flow = Dataflow("w3")
    s = op.input("in", flow, TestingSource(rows, batch))
    s = op.map("parse", s, parse)
    s = op.stateful_map("agg", s, aggregate)
    op.output("out", s, sink)
    return flow, lambda: f"{sink.count} means, sum {int(round(total[0]))}"


p = params()
rows = read_lines(p["path"])
warm = rows[: len(rows) // 10]
kwargs = {}
if "epochSeconds" in p:
    kwargs["epoch_interval"] = timedelta(seconds=p["epochSeconds"])
warm_kwargs = dict(kwargs)
tmp = None
if p.get("recovery"):
    tmp = tempfile.mkdtemp(prefix="bytewax-bench-rec-")
    init_db_dir(tmp, 1)
    kwargs["recovery_config"] = RecoveryConfig(tmp)
try:
    measure(len(rows), lambda: build(warm, p["batch"]), lambda: build(rows, p["batch"]), kwargs, warm_kwargs)
finally:
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)

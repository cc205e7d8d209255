# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""[Regression model: found by the soundness generator at seed 404964, shrunk.]

`--preemption-bound 0` with DPOR reported no violation (2 executions), while the
unreduced search within the same bound finds the `exception` (4 executions): p1
spawns c0, which raises if x is 1, then waits until p0 (holding R) has made x 1.
The order that needs no preemption is p1, p0's run, then c0. Run first, p1's wait
blocks, so p0 runs without a preemption; after p0's run it would not block, and
c0 could then only run by preempting p1. p1's run was taken to commute with p0's
(its guard's read of x belonged to its next step), so p0 slept after p1 and the
order was never tried. With a bound, what decides whether a run ends where it does
(the guard it stops at) is now a read of the run.

    rasmodel check bounded_missed_exception.py --preemption-bound 0
    rasmodel check bounded_missed_exception.py --preemption-bound 0 --reduction none
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("bounded-missed-exception")


@model.build
def build(env):
    x = env.var("x", 0)
    y = env.var("y", 0)
    z = env.var("z", 0)
    Q = env.queue("Q")
    e0 = env.event("e0")
    e1 = env.event("e1")
    S = simpy.Store(env, capacity=2)
    R = simpy.Resource(env, capacity=1)
    C = simpy.Container(env, capacity=3, init=1)
    F = simpy.FilterStore(env, capacity=2)
    P = {}

    def c0():
        t = 0
        if x.value == 1:
            raise RuntimeError("x reached 1")
        yield env.pause()

    def p0():
        t = 0
        with R.request() as req:
            yield req
            x.value = x.value + 1
            yield env.pause()

    def p1():
        t = 0
        ch0 = env.process(c0())
        yield env.wait_until(lambda: x.value == 1, "x==1")
        try:
            t = yield ch0
        except (RuntimeError, simpy.Interrupt):
            t = 8
        t = t or 0

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    return types.SimpleNamespace(x=x, y=y, z=z, Q=Q, e0=e0, e1=e1, S=S, R=R, C=C)

# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""[Regression model, found by the soundness generator at seed 400639, shrunk.]

A wakeup-tree node whose step took a `choose` option covers only that option.

p0 writes x; p1 may write y (`env.maybe`); c0, spawned by p2, raises if x or y is 1.
Reversing p0's write after c0's read put the sequence "p2, c0" into the wakeup
tree after p0's first step, where a node "p1 choosing not to write" already was.
That node's step touches nothing the sequence touches, so the sequence was taken
as covered below it; but there p1 has chosen, and the executions in which p1
writes y only after c0 read it (c0 reads x = 0 and y = 0, p1 then writes y) were
explored nowhere: DPOR missed 1 of 5 Mazurkiewicz traces. Verdicts and final
states agreed with plain enumeration here; a missed trace can hide a violation.
Fixed: a step that chose covers no sequence it does not take part in
(`wakeup.WakeupSequence.after`).
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("chosen-cover")


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
        if y.value == 1:
            raise RuntimeError("y reached 1")
        if x.value == 1:
            raise RuntimeError("x reached 1")
        yield env.pause()

    def p0():
        t = 0
        x.value = len(R.users)
        yield env.pause()

    def p1():
        t = 0
        if env.maybe("flip"):
            y.value = 1
        yield env.pause()

    def p2():
        t = 0
        ch0 = env.process(c0())
        yield env.pause()

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    P["p2"] = env.process(p2(), name="p2")
    return types.SimpleNamespace(x=x, y=y, z=z, Q=Q, e0=e0, e1=e1, S=S, R=R, C=C)

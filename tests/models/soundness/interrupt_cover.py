# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""[Regression model, fixed: found by the soundness generator at seed 403473, shrunk.]

DPOR missed 1 of 6 Mazurkiewicz traces (verdicts and final states agreed with plain
enumeration; a missed trace can hide a violation elsewhere).

p0 interrupts p2 (uncaught: p2's step fails and ends the execution); p1 waits for
e0 or e1, p2 for e0, the daemon d0 for e1 (subscribing to an event writes it). The
missed trace: d0 subscribes before p1, p1 before p2, then p0 interrupts p2; its only
first step is d0. The reversal "d0 before p1" was taken as covered at the root by
p0, explored there and independent of d0's step; but p0's step interrupts p2, so
in p0's subtree p2's first step is the interrupt, not the subscription to e0, and
no execution there has p2 subscribe before the interrupt with d0 and p1 first.
Fixed: a step that wakes or interrupts another process covers no sequence it does
not take part in (`wakeup.WakeupSequence.after`).
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("interrupt-cover")


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

    def p0():
        t = 0
        if P["p2"].is_alive:
            P["p2"].interrupt("p2")
        yield env.pause()

    def p1():
        t = 0
        try:
            r = yield env.any_of([e0, e1])
        except ValueError:
            r = {}
        t = int(e0 in r) + 2 * int(e1 in r)

    def p2():
        t = 0
        try:
            t = yield e0
        except ValueError:
            t = 9

    def d0():
        t = 0
        try:
            t = yield e1
        except ValueError:
            t = 9

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    P["p2"] = env.process(p2(), name="p2")
    P["d0"] = env.process(d0(), name="d0", daemon=True)
    return types.SimpleNamespace(x=x, y=y, z=z, Q=Q, e0=e0, e1=e1, S=S, R=R, C=C)

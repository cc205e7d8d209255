"""[Regression model, fixed: a reversal skipped because a branch showed its guard false.]

Generated (tests/soundness, guards family, seed 5204). The rule of stop 23 skipped
a reversal when some later branch of the execution showed the guard's keys holding
the values the reversed order leaves, with the guard's process not enabled. The
reversed order then cannot run as a whole, but the run that follows it is what
reveals the orders in which the guard passes in between; with the rule, DPOR
explored 2 of the 46 Mazurkiewicz traces too few (the final states happened to be
reached by other traces). The rule is gone.

    rasmodel check blocked_reversal_values_seen.py
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("gen-5204")


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
        t = x.value
        x.value = 0
        yield env.pause()
        x.value = t
        yield env.pause()
        y.value = 0
        yield env.pause()

    def p1():
        t = 0
        y.value = 1
        yield env.pause()
        t = x.value
        x.value = 1
        yield env.pause()
        x.value = t
        yield env.pause()

    def g0():
        t = 0
        n = 0
        for _ in range(2):
            yield env.wait_until(
                lambda: x.value == n and y.value == 1, "x.value == n and y.value == 1"
            )
            n = (n + 1) % 3

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    P["g0"] = env.process(g0(), name="g0", daemon=True)
    return types.SimpleNamespace(x=x, y=y, z=z, Q=Q, e0=e0, e1=e1, S=S, R=R, C=C)


@model.invariant
def inv(s, params):
    return s.y.value + s.y.value != 2


@model.final
def fin(s, params):
    return s.y.value != 2

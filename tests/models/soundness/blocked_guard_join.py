# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""Found by the soundness generator (seed 308483, shrunk): DPOR misses 1 of 11
Mazurkiewicz traces (verdicts and final states still agree with plain enumeration).

p2 spawns c0, passes `wait_until(x == 0 or now >= 2)` and joins c0 in the same
step; p1 may write x. The missed trace: c0 finishes before p2's guard passes, p1
writes x after it, and p0 joins p2 only after p2 ended. A guard still blocked at
the end of an execution enters the race analysis only with the keys it read, not
with the join that follows it once it passes, so the reversal that puts c0's end
before the guard is matched to a wakeup-tree node it does not commute with.
Fixed: such a virtual step is `partial` (`happens_before.Access`): nothing is
shown to commute with it, and a wakeup-tree node built from one touches anything.
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("gen-308483")


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
        if not e0.triggered:
            e0.succeed(1)
        yield env.pause()

    def p0():
        t = 0
        try:
            yield P["p2"]
        except Exception:
            t = 7

    def p1():
        t = 0
        if env.maybe("flip"):
            x.value = 1
        yield env.pause()

    def p2():
        t = 0
        ch0 = env.process(c0())
        yield env.wait_until(lambda: x.value == 0 or env.now >= 2, "x or time")
        try:
            t = yield ch0
        except (RuntimeError, simpy.Interrupt):
            t = 8
        t = t or 0

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    P["p2"] = env.process(p2(), name="p2")
    return types.SimpleNamespace(x=x, y=y, z=z, Q=Q, e0=e0, e1=e1, S=S, R=R, C=C)

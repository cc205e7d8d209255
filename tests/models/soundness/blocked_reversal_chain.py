"""[Regression model, fixed: a guard race's reversal skipped because its guard is false there.]

Generated (tests/soundness, guards family, seed 4140). g0 waits twice, first until
`x == 0 and y == 1`, then until `x == 1 and y == 1`; p0 sets x to 2, 1 and back to
2, p1 sets y to 1, back to 0, then 2. g0 ends only if it passes its second wait
while p0 holds x at 1 and p1 still holds y at 1. In an execution where g0 waits
for the second time from early on, p0's write of x back to 2 races with g0's
guard; the reversed order runs p1's two later writes first (g0's guard read y
after them), and there the guard is false (x 1, y 2). A rule that skipped such
reversals (stop 23: when a branch showed those values; stop 24: when evaluating
the predicate on them gave false) lost the execution that follows that order:
it is pruned, but its own race analysis is what finds g0 enabled between p0's
two writes. DPOR then missed the final state where g0 finished. Both rules are
gone; following the reversal finds it.

    rasmodel check --cross-check blocked_reversal_chain.py   # the same final states
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("gen-4140")


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
        x.value = 2
        yield env.pause()
        t = x.value
        x.value = 1
        yield env.pause()
        x.value = t
        yield env.pause()

    def p1():
        t = 0
        t = y.value
        y.value = 1
        yield env.pause()
        y.value = t
        yield env.pause()
        y.value = 2
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


model.check(rm.after("a", "c"), name="t0_after")

"""[Regression model, fixed: a reversal skipped because a branch showed its guard false.]

Generated (tests/soundness, guards family, seed 5204; the objects it did not use
removed). The rule of stop 23 skipped a reversal when some later branch of the
execution showed the guard's keys holding the values the reversed order leaves, with
the guard's process not enabled. The reversed order then cannot run as a whole, but
the run that follows it is what reveals the orders in which the guard passes in
between; with the rule, DPOR explored 2 of the 46 Mazurkiewicz traces too few (the
final states happened to be reached by other traces). The rule is gone.

    rasmodel check blocked_reversal_values_seen.py
"""

import types

import rasmodel as rm

model = rm.Model("gen-5204")


@model.build
def build(env):
    x = env.var("x", 0)
    y = env.var("y", 0)

    def p0():
        t = x.value
        x.value = 0
        yield env.pause()
        x.value = t
        yield env.pause()
        y.value = 0
        yield env.pause()

    def p1():
        y.value = 1
        yield env.pause()
        t = x.value
        x.value = 1
        yield env.pause()
        x.value = t
        yield env.pause()

    def g0():
        n = 0
        for _ in range(2):
            yield env.wait_until(
                lambda: x.value == n and y.value == 1, "x.value == n and y.value == 1"
            )
            n = (n + 1) % 3

    env.process(p0(), name="p0")
    env.process(p1(), name="p1")
    env.process(g0(), name="g0", daemon=True)
    return types.SimpleNamespace(x=x, y=y)


@model.invariant
def inv(s, params):
    return s.y.value + s.y.value != 2


@model.final
def fin(s, params):
    return s.y.value != 2

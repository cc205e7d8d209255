"""[Regression model, fixed: a guard race's reversal skipped because its guard is false there.]

Generated (tests/soundness, guards family, seed 4140; the objects it did not use
removed). g0 waits twice, first until `x == 0 and y == 1`, then until
`x == 1 and y == 1`; p0 sets x to 2, 1 and back to 2, p1 sets y to 1, back to 0,
then 2. g0 ends only if it passes its second wait while p0 holds x at 1 and p1
still holds y at 1.
In an execution where g0 waits for the second time from early on, p0's write of x
back to 2 races with g0's guard; the reversed order runs p1's two later writes first
(g0's guard read y after them), and there the guard is false (x 1, y 2). A rule that
skipped such reversals (stop 23: when a branch showed those values; stop 24: when
evaluating the predicate on them gave false) lost the execution that follows that
order: it is pruned, but its own race analysis is what finds g0 enabled between p0's
two writes. DPOR then missed the final state where g0 finished. Both rules are gone;
following the reversal finds it.

    rasmodel check --cross-check blocked_reversal_chain.py   # the same final states
"""

import types

import rasmodel as rm

model = rm.Model("gen-4140")


@model.build
def build(env):
    x = env.var("x", 0)
    y = env.var("y", 0)

    def p0():
        x.value = 2
        yield env.pause()
        t = x.value
        x.value = 1
        yield env.pause()
        x.value = t
        yield env.pause()

    def p1():
        t = y.value
        y.value = 1
        yield env.pause()
        y.value = t
        yield env.pause()
        y.value = 2
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


model.check(rm.after("a", "c"), name="t0_after")

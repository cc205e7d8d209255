"""[Regression model, found by the random-program test at seed 303153.]

A step that raises covers nothing it commutes with.

p0 interrupts p1 (whose next step then raises the uncaught Interrupt) and later
fails if z is 1; p2 starts c0, which sets z to 1. With p1's failing step asleep
after it was explored, optimal DPOR took p1 as covering the order "c0 before
p0's second step" (p1 touches nothing of it, so p1 first and then that order is
the same trace). But p1's step ends the execution: no order in which it runs first
goes on to that failure of p0. The verdicts agreed; one Mazurkiewicz trace (p0
failing before p1 ever ran its interrupt) was never explored, which
tests/test_soundness.py checks against plain enumeration.
"""

import rasmodel as rm

model = rm.Model("failing-sleeper", params={})


@model.build
def build(env):
    z = env.var("z", 0)
    e0 = env.event("e0")
    e1 = env.event("e1")
    P = {}

    def c0():
        z.value = 1
        yield env.pause()

    def p0():
        if P["p1"].is_alive:
            P["p1"].interrupt("p1")
        yield e0 | env.timeout(0)
        if z.value == 1:
            raise RuntimeError("z reached 1")

    def p1():
        yield env.pause()

    def p2():
        env.process(c0())
        z.value = int(e1.processed)
        yield env.pause()

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    P["p2"] = env.process(p2(), name="p2")
    return z

"""[Regression model, found by the random-program test at seed 307057.]

A condition's check reads and writes the condition, also when it does not trigger.

p0 waits for `e0 & e1` (and then fails on `len` of the result); p1 triggers e0,
p0's child c0 triggers e1. SimPy's condition counts the events it has seen; that
count was untracked, so the check of the first event looked independent of the
second trigger, and the order in which c0 triggers e1 first was never explored
(the verdicts agreed; tests/test_soundness.py compares the traces).
"""

import rasmodel as rm

model = rm.Model("condition-count", params={})


@model.build
def build(env):
    e0 = env.event("e0")
    e1 = env.event("e1")

    def c0():
        if not e1.triggered:
            e1.succeed(1)
        yield env.pause()

    def p0():
        env.process(c0())
        r = yield e0 & e1
        len(r)

    def p1():
        if not e0.triggered:
            e0.succeed(0)
        yield env.pause()

    env.process(p0(), name="p0")
    env.process(p1(), name="p1")

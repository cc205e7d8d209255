# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""[Regression model, fixed: found by the soundness generator at seed 407842, shrunk.]

DPOR missed 3 of 19 Mazurkiewicz traces (verdicts and final states agreed with plain
enumeration; a missed trace can hide a violation elsewhere).

p0 checks `x != 1` and then subscribes to `e0 | e1` (a write of e0); p2 waits for e0
(a read of it); p1 and p3 write x. The missed traces run p2 first, then p0 while x
is still 0. They come from reversing the race of p1's write of x with p0's read in
an execution where p0 ran after p1, found x == 1 and failed at once: its step there
only read x. The reversal `p2, p0` was taken as covered by p0, already explored at
the root, because that failing step did not touch e0. But run before p1, p0's step
reads x == 0 and subscribes to e0, after p2: another trace. The reversed step of a
race reads other values once reversed, so what it touches is not known. Fixed: the
last step of a wakeup sequence counts as initial only when it is the first, and as
a node of the tree it covers nothing it does not take part in
(`wakeup.WakeupSequence.initial`, `chain`).
"""

import types

import rasmodel as rm

model = rm.Model("reversed-step-footprint")


@model.build
def build(env):
    x = env.var("x", 0)
    e0 = env.event("e0")
    e1 = env.event("e1")

    def c0():
        yield env.pause()

    def p0():
        assert x.value != 1, "x is 1"
        try:
            r = yield e0 | e1
        except ValueError:
            r = {}

    def p1():
        x.value = 1
        yield env.pause()
        x.value = 1 + 1

    def p2():
        try:
            t = yield e0
        except ValueError:
            t = 9
        env.process(c0(), name="child0")

    def p3():
        x.value = x.value + 1
        yield env.pause()

    env.process(p0(), name="p0")
    env.process(p1(), name="p1")
    env.process(p2(), name="p2")
    env.process(p3(), name="p3")
    return types.SimpleNamespace(x=x, e0=e0, e1=e1)

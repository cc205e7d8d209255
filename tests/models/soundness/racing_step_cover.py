# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""[Regression model, fixed: found by the soundness generator at seed 521099, shrunk.]

DPOR missed 1 of 5 Mazurkiewicz traces (verdicts and final states agreed with plain
enumeration; a missed trace can hide a violation elsewhere).

p1 writes y = 0, then, in its second step, y = 1; p0 writes x only while y is 0
(and then writes y); p2 reads x. (Shrunk by hand from the generated program, which
took p1's values from a SimPy Resource.) The missed trace runs p1's first step, then p2's
read of x, then p0's write of x, before p1's second step. It comes from reversing the
race of p0's write of x with p2's read in an execution where p0 ran right after p1's
first step. The reversal (p2 first) was taken as covered by p1, explored there
already, because p1's second step touched nothing p2's step touched. But run first,
p1's second step writes y, so p0 then writes no x and the race does not exist below
p1: in the paper's model a step always touches the same keys, here it depends on
what it reads. Fixed: a step that covers the reversal of a race must also leave the
race's first step alone (`wakeup.WakeupSequence.against`).
"""

import types

import rasmodel as rm

model = rm.Model("racing-step-cover")


@model.build
def build(env):
    x = env.var("x", 1)
    y = env.var("y", 0)

    def p0():
        if y.value == 0:
            x.value = 0
        y.value = 0
        yield env.pause()

    def p1():
        y.value = 0
        yield env.pause()
        y.value = 1

    def p2():
        t = x.value
        yield env.pause()

    env.process(p0(), name="p0")
    env.process(p1(), name="p1")
    env.process(p2(), name="p2")
    return types.SimpleNamespace(x=x, y=y)

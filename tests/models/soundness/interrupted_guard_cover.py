# ruff: noqa: F841 - generated code, kept as the generator shrank it
"""[Regression model, fixed: found by the soundness generator at seed 508815, shrunk.]

DPOR never reached the one final state (x == 1, y == 2, every process done): every
execution it ran ended with p1's uncaught Interrupt.

p1 waits until `y == 0 and x != 1`, which holds at the start; p0 writes x = 1 and p2
writes y = 2 (either makes the guard false for good), then interrupts p1 if it still
waits. p1 finishes only if it passes its guard before both. In the executions run,
p1 was always interrupted out of its wait_until: that step reads nothing, but its
guard read x and y. Reversing p2's write of y with it (p1 passing its guard first)
was taken as covered by p0, asleep there, because p0's write of x touched nothing
the step touched; but p0 first makes the guard false. Fixed: a guard a wakeup
sequence waits in counts as a read when deciding whether a sleeper or a node of the
tree covers it (`wakeup.WakeupSequence.untouched_by`).
"""

import types

import rasmodel as rm

model = rm.Model("interrupted-guard-cover")


@model.build
def build(env):
    x = env.var("x", 0)
    y = env.var("y", 0)
    P = {}

    def p0():
        x.value = x.value + 1
        yield env.pause()

    def p1():
        yield env.wait_until(lambda: y.value == 0 and x.value != 1, "y == 0 and x != 1")

    def p2():
        if y.value == 0:
            y.value = 2
        yield env.pause()
        if P["p1"].is_alive:
            P["p1"].interrupt("p1")

    P["p0"] = env.process(p0(), name="p0")
    P["p1"] = env.process(p1(), name="p1")
    P["p2"] = env.process(p2(), name="p2")
    return types.SimpleNamespace(x=x, y=y)

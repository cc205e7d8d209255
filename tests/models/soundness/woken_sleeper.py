"""[Regression model, found by the random-program test at seed 202978.]

A sleeping process's step changes when the process is woken.

p1 copies how many users R has into y, pauses, then zeroes x if y is 0; p0 takes R
and increments y; p2 copies C's level (1) into x. DPOR puts p1 to sleep after
one order and wakes it when p0 takes R: p1's first step then reads another value,
and its second step writes x where it did not before. The races of that new
write with p2's were found nowhere, so one final state was missed and
`--cross-check` failed.

    rasmodel check woken_sleeper.py --cross-check   # exit 2 before the fix
"""

import types

import simpy

import rasmodel as rm

model = rm.Model("woken-sleeper", params={})


@model.build
def build(env):
    x = env.var("x", 0)
    y = env.var("y", 0)
    R = simpy.Resource(env, capacity=1)
    C = simpy.Container(env, capacity=3, init=1)

    def p0():
        with R.request() as req:
            yield req
            y.value = y.value + 1
            yield env.pause()

    def p1():
        y.value = len(R.users)
        yield env.pause()
        if y.value == 0:
            x.value = 0

    def p2():
        x.value = int(C.level)
        yield env.pause()

    env.process(p0(), name="p0")
    env.process(p1(), name="p1")
    env.process(p2(), name="p2")
    return types.SimpleNamespace(x=x, y=y)


@model.final
def zeroed_only_before_p0(s, params):
    return not (s.x.value == 0 and s.y.value == 1)

"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 1 -- UNSOUND: DPOR misses a violation with `a | b` / env.any_of.

Class: DPOR misses a violation (unsound); final-state sets differ as well.

`w` waits for `e1 | e2`; t1 triggers e1, t2 triggers e2. Which event the condition's
value holds depends on which trigger ran first, but the two trigger steps touch
different keys (e1, e2) and the wake-up of `w` is ordered only after the step that
fired the condition (its `cause`), so the reduction treats t1 and t2 as independent
and never runs t2 first.

    rasmodel check finding_1.py --reduction dpor   # exit 0: first_wins holds, 1 execution
    rasmodel check finding_1.py --reduction none   # exit 1: first_wins VIOLATED, out=(False, True)
    rasmodel check finding_1.py --cross-check      # exit 2: verdicts differ

Same with env.any_of([e1, e2]), and with `e | env.timeout(0)` raced by a trigger.
"""

import rasmodel as rm

model = rm.Model("finding-1-anyof")


@model.build
def build(env):
    e1 = env.event("e1")
    e2 = env.event("e2")
    out = env.var("out", None)

    def w():
        r = yield e1 | e2
        out.value = (e1 in r, e2 in r)

    def t1():
        e1.succeed()
        yield env.pause()

    def t2():
        e2.succeed()
        yield env.pause()

    env.process(w(), name="w")
    env.process(t1(), name="t1")
    env.process(t2(), name="t2")
    return out


@model.final
def first_wins(out, params):
    assert out.value != (False, True), f"out={out.value}"

"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 2 -- UNSOUND: an invariant over two vars is missed when only the first
execution could see the race.

Class: DPOR misses a violation (unsound).

The reduction makes writes to keys an invariant reads conflict with each other
("@visible"), but it learns which keys invariants read (`Visibility.observed`) only
in `DporTree.finished()`, after the first execution's accesses were already built
(in `after_step`) without that mark, and the races of that execution are analysed
only once. Here p writes x, q writes y; the invariant fails only if q runs first.
The first execution runs p first, sees no race between p and q, and stops.
(tests/test_dpor.py has the mirror image, not_x_alone, which the first execution
already violates, so the test passes.)

    rasmodel check finding_2.py --reduction dpor   # exit 0: not_y_alone holds, 1 execution
    rasmodel check finding_2.py --reduction none   # exit 1: not_y_alone VIOLATED
"""

import rasmodel as rm

model = rm.Model("finding-2-invariant-first-execution")


@model.build
def build(env):
    x = env.var("x", 0)
    y = env.var("y", 0)

    def p():
        x.value = 1
        yield env.pause()

    def q():
        y.value = 1
        yield env.pause()

    env.process(p(), name="p")
    env.process(q(), name="q")
    return x, y


@model.invariant
def not_y_alone(system, params):
    x, y = system
    return not (y.value == 1 and x.value == 0)

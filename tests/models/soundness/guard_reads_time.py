"""[Regression model, fixed: a guard evaluated on another order's values, at the wrong time.]

p waits until `x == 1 and env.now < 5`; q sets x to 1 and back to 0; r sleeps until
time 10; w waits on something else from the start. In the first execution q runs
both steps, p starts waiting after them and is still waiting at time 10. The race
of q's second write with p's guard is reversed by running p between q's steps,
where x is 1 at time 0, and p passes. A rule of stop 24 skipped that reversal after
evaluating p's guard on the values the reversed order leaves, but at the time the
execution ended: `env.now` is 10 there (it is no tracked key), the guard came out
false, and DPOR ran one execution: `never_passes` held where plain enumeration
violates it. Skipping reversals whose guard is false turned out unsound on its own
(`blocked_reversal_chain.py`) and is gone.

    rasmodel check guard_reads_time.py   # never_passes violated
"""

import types

import rasmodel as rm

model = rm.Model("guard-reads-time")


@model.build
def build(env):
    x = env.var("x", 0)
    passed = env.var("passed", False)

    def w():
        yield env.wait_until(lambda: passed.value, "p passed")

    def q():
        x.value = 1
        yield env.pause()
        x.value = 0
        yield env.pause()

    def p():
        yield env.pause()
        yield env.wait_until(lambda: x.value == 1 and env.now < 5, "x set, early")
        passed.value = True

    def r():
        yield env.timeout(10)

    env.process(w(), name="w", daemon=True)
    env.process(q(), name="q")
    env.process(p(), name="p")
    env.process(r(), name="r")
    return types.SimpleNamespace(passed=passed)


@model.final
def never_passes(system, params):
    return not system.passed.value

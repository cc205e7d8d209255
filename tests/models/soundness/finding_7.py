"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 7 -- UNSOUND: waking a process is not a write to it, but an interrupt's
effect depends on whether its target has a wake-up pending.

Class: DPOR misses a violation (unsound); final-state sets differ as well.

`target` joins its child; `intr` interrupts `target`. If target took its join's
wake-up step and waits at its pause, the interrupt lands there: "interrupted after
joining". If intr runs first, or after the child finished but before target took
that step (since stop 27 an interrupt overtakes a pending wake-up, as in SimPy;
until then it was deferred to target's next yield), the join itself is
interrupted. The child's last step
only writes its own key (proc:child) and intr's step writes proc:target, so the two
are independent for the reduction, which therefore never runs the child to its end
before the interrupt. The same happens when the wake-up is an env.event() that a
third process succeeds (checked: --cross-check fails the same way); the wake-up is
ordered only by the woken step's `cause`, never as an access of the woken process.

    rasmodel check finding_7.py --reduction dpor   # exit 0: not_after_join holds (2 executions)
    rasmodel check finding_7.py --reduction none   # exit 1: not_after_join VIOLATED
    rasmodel check finding_7.py --cross-check      # exit 2

"""

import simpy

import rasmodel as rm

model = rm.Model("finding-7-wake-vs-interrupt")


@model.build
def build(env):
    got = env.var("got", None)
    procs = {}

    def child():
        yield env.pause()

    def target():
        ch = env.process(child(), name="child")
        try:
            yield ch
            got.value = "joined"
        except simpy.Interrupt:
            got.value = "interrupted while joining"
            return
        try:
            yield env.pause()
        except simpy.Interrupt:
            got.value = "interrupted after joining"

    def intr():
        if procs["target"].is_alive:
            procs["target"].interrupt("stop")
        yield env.pause()

    procs["intr"] = env.process(intr(), name="intr")
    procs["target"] = env.process(target(), name="target")
    return got


@model.final
def not_after_join(got, params):
    assert got.value != "interrupted after joining", got.value

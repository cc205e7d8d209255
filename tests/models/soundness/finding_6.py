"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

Finding 6 -- FALSE ALARM of --cross-check: final states depend on the order in
which processes (or vars, queues, resources) were created.

Class: verdicts agree but the sets of final states differ (a false alarm: the
model is fully tracked).

Env.snapshot() lists tracked state, resources and unfinished processes in creation
order (dicts/lists in insertion order). When two independent steps each create a
process, a var or a SimPy resource, the two orders give snapshots that differ only
in that order. DPOR (rightly) runs one order, plain enumeration both, so
--cross-check reports "1 final state(s) are reached only without reduction", and
blames untracked state.

    rasmodel check finding_6.py --cross-check          # exit 2: cross-check failed
    rasmodel check finding_6.py --reduction dpor       # exit 0, no violation
    rasmodel check finding_6.py --reduction none       # exit 0, no violation

Same with an `env.var(...)` created inside each of the two steps instead of the
children (and with SimPy resources created there whose contents then differ).
"""

import rasmodel as rm

model = rm.Model("finding-6-creation-order")


@model.build
def build(env):
    never = env.event("never")

    def parked():
        yield never

    def p(tag):
        env.process(parked(), name=f"{tag}/child", daemon=True)
        yield env.pause()

    env.process(p("a"), name="a")
    env.process(p("b"), name="b")

"""[Regression model, for the trace check: a guard step's dependence is what the
evaluation that let it pass read.]

g waits until `v1 == 0 or v0 == 2`; w0 sets v1 to 2 and puts it back, w1 sets v0
to 0. When g's guard is first evaluated while v1 is 2, that evaluation reads v0 as
well; when g then passes after w0 put v1 back, it passes on v1 alone. The step
records both keys (`WaitUntil.seen`: DPOR needs the false evaluation's reads to
reverse a write to v0 that would have let g pass earlier), so under that
dependence "w1 before g" and "w1 after g" are two traces, while nothing g does
depends on v0: the same step, with w1 moved across it. The trace check counted 3
traces of which DPOR's 2 executions covered 2 ("1 of 3 traces missed"), with the
same final states and verdicts; compared by the keys the passing evaluation read
(`Step.slack` left out), there are 2 traces and DPOR explores each once.

    rasmodel check passing_guard_reads.py   # holds: 2 executions
"""

import rasmodel as rm

model = rm.Model("passing-guard-reads")


@model.build
def build(env):
    v0 = env.var("v0", 1)
    v1 = env.var("v1", 0)

    def w0():
        old = v1.value
        v1.value = 2
        yield env.pause()
        v1.value = old
        yield env.pause()

    def w1():
        v0.value = 0
        yield env.pause()

    def g():
        yield env.wait_until(lambda: v1.value == 0 or v0.value == 2, "v1 == 0 or v0 == 2")

    env.process(w0(), name="w0")
    env.process(w1(), name="w1")
    env.process(g(), name="g")

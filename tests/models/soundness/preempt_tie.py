"""Found by a review (stop 27): a batch job holds a PreemptiveResource for 1 time
unit; an urgent job arrives at time 1 and preempts. Under SimPy's env.run() the batch
job can be preempted at the end of its slice; rasmodel always let it complete.

    rasmodel check preempt_tie.py --cross-check   # batch_completes VIOLATED (was: holds)
"""

import simpy

import rasmodel as rm

model = rm.Model("preempt-tie")


@model.build
def build(env):
    R = simpy.PreemptiveResource(env, capacity=1)
    out = env.var("out", None)

    def urgent():
        yield env.timeout(1)
        with R.request(priority=0, preempt=True) as req:
            yield req

    def batch():
        with R.request(priority=1) as req:
            yield req
            try:
                yield env.timeout(1)
                out.value = "completed"
            except simpy.Interrupt:
                out.value = "preempted"

    env.process(urgent(), name="urgent")
    env.process(batch(), name="batch")
    return out


@model.final
def batch_completes(out, params):
    assert out.value == "completed", f"batch {out.value}"

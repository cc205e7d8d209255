"""Found by a review (stop 27): low is granted a free PreemptiveResource; high asks
for it with preempt=True in the same instant. Under SimPy's env.run() low is
preempted before it runs a line of its critical section (the urgent interrupt
overtakes low's granted request); rasmodel let low enter first in every execution.

    rasmodel check preempt_grant.py --cross-check   # low_enters_before_preemption VIOLATED (was: holds)
"""

import simpy

import rasmodel as rm

model = rm.Model("preempt-grant")


@model.build
def build(env):
    R = simpy.PreemptiveResource(env, capacity=1)
    log = env.queue("log")

    def low():
        with R.request(priority=1) as req:
            try:
                yield req
                log.append("entered")
                yield env.timeout(1)
            except simpy.Interrupt:
                log.append("preempted")

    def high():
        with R.request(priority=0, preempt=True) as req:
            yield req

    env.process(low(), name="low")
    env.process(high(), name="high")
    return log


@model.final
def low_enters_before_preemption(log, params):
    assert log.items[0] == "entered", f"log = {log.items}"

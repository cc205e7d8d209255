"""[Regression model, fixed: a guard whose evaluations read different keys.]

A kernel scheduler's guard in miniature: g may take the CPU once woken, at once if
the CPU is free, else only while the running task a has IRQs on:

    woken and (owner is None or irqs_off == 0)

a wakes g, then masks IRQs, then unmasks them and gives up the CPU. In the first
execution a runs its three steps in a row; g's guard is true after the first (that
evaluation read woken, owner and irqs_off), false after the second, and true after
the third by an evaluation that stops at `owner is None`. DPOR took the guard to
read woken and owner only, so the write that masked IRQs was no race of g's step,
and g never ran between a's first two steps: `g_waited` held where plain
enumeration violates it. Found in the GHES model (models/ghes_kick_2020.py: the
kworker preempting a task between two steps).

    rasmodel check short_circuit_guard.py   # g_waited violated
"""

import rasmodel as rm

model = rm.Model("short-circuit-guard")


@model.build
def build(env):
    woken = env.var("woken", False)
    owner = env.var("owner", "a")
    irqs_off = env.var("irqs_off", 0)

    def g():
        yield env.wait_until(
            lambda: woken.value and (owner.value is None or irqs_off.value == 0), "schedule"
        )
        if owner.value is not None:
            env.emit("preempted", task=owner.value)
        owner.value, prev = "g", owner.value
        yield env.pause("g runs")
        owner.value = prev  # gives the CPU back

    def a():
        def mine():
            return owner.value == "a"

        yield env.wait_until(mine, "a runs")
        woken.value = True
        yield env.wait_until(mine, "a runs")
        irqs_off.value = 1
        yield env.wait_until(mine, "a runs")
        irqs_off.value = 0
        owner.value = None

    env.process(g(), name="g")
    env.process(a(), name="a")


model.check(rm.never("preempted"), name="g_waited")

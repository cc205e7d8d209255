"""Found by a review (stop 27): an interrupt never reached a process whose wake-up was
already due. A watchdog interrupts a worker at the instant the worker's sleep ends.
Under SimPy's env.run() the interrupt, an urgent event, reaches the worker before its
timeout is processed: "interrupted". rasmodel processed both timeouts with their
instant, then deferred the interrupt until the worker blocked again; it never did,
and the interrupt was dropped. An interrupt now overtakes a pending wake-up (see
`_DeferrableInterruption` in rasmodel/sim/env.py).

    rasmodel check tie_interrupt.py --cross-check   # never_cut_short VIOLATED (was: holds)
"""

import simpy

import rasmodel as rm

model = rm.Model("tie-interrupt")


@model.build
def build(env):
    out = env.var("out", None)
    P = {}

    def watchdog():
        yield env.timeout(1)
        if P["worker"].is_alive:
            P["worker"].interrupt("deadline")

    def worker():
        try:
            yield env.timeout(1)
            out.value = "finished"
        except simpy.Interrupt:
            out.value = "interrupted"

    env.process(watchdog(), name="watchdog")
    P["worker"] = env.process(worker(), name="worker")
    return out


@model.final
def never_cut_short(out, params):
    assert out.value == "finished", f"out = {out.value}"

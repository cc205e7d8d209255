"""Found by a review (stop 26), fixed in c5003ff: UNSOUND (DPOR): `Process.target` is read as `proc:NAME`, but the
target changes in the process's own steps, which only *read* that key.

rasmodel wraps SimPy's `Process.target` to record a read of the process key
(rasmodel/sim/env.py `Process.target`), but `Process._block_on` sets `_target` in
each step of the process, and those steps only read `proc:b` (`_run_step`:
`footprint.reads.add(proc.key)`); a read and a read commute. So `a` reading b's
target (Initialize before b started, the Pause after) is taken to commute with b's
start step, and DPOR explores only one order.

    rasmodel check process_target_read.py                    # exit 0: b_started_first holds (2 executions)
    rasmodel check process_target_read.py --reduction none   # exit 1: b_started_first VIOLATED
                                                   #   ("b's target was Initialize")
    rasmodel check process_target_read.py --cross-check      # exit 2

The same happens with a later target (p waits on pause "one", then "two": DPOR never
shows "one"), with an invariant reading `target`, and a wait_until guard reading
another process's `target` is never re-evaluated when it changes (only writes mark a
guard stale). Fix: setting `_target` in `_block_on` should write the process key
(or `target` should not be offered as tracked).
"""

import rasmodel as rm

model = rm.Model("finding-3-process-target")


@model.build
def build(env):
    seen = env.var("seen", None)

    def b():
        yield env.pause("b waits here")

    def a(pb):
        seen.value = type(pb.target).__name__
        yield env.pause()

    pb = env.process(b(), name="b")
    env.process(a(pb), name="a")
    return seen


@model.final
def b_started_first(seen, params):
    assert seen.value == "Pause", f"b's target was {seen.value}"

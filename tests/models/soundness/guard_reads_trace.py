"""Found by a review (stop 26), fixed in c5003ff: WRONG VERDICTS: a wait_until guard that reads `env.trace` is never
re-evaluated after an emit; DPOR then also misses a reachable assertion.

`w` waits until a "go" event is in `env.trace`; `a` emits "go" in its second step.
Whatever the order, w can pass once "go" is emitted, so the true verdicts are:
deadlock holds, assertion violated (w's assert after the guard). But the guard's
cached verdict is marked stale only by the step's `footprint.writes`
(rasmodel/sim/env.py `Env._run_step` -> `_mark_stale(writes)`); an emit adds to
`footprint.emits`, and the guard's read key `@events` (EVENTS_KEY) is never in any
step's writes. So once w's guard was evaluated before the emit, it stays false for
ever (the counterexample even shows `emit go` and then w blocked on 'go emitted').

    rasmodel check guard_reads_trace.py                   # exit 1: deadlock VIOLATED (false),
                                                  #   assertion holds (1 execution)
    rasmodel check guard_reads_trace.py --reduction none  # exit 1: deadlock VIOLATED (false),
                                                  #   assertion VIOLATED (3 executions)
    rasmodel check guard_reads_trace.py --cross-check     # exit 2: assertion holds vs violated

With `a` created before `w` (and no assert), DPOR says deadlock holds and
--reduction none says deadlock VIOLATED. Fix: a step that emits must mark guards that
read EVENTS_KEY stale (and the guard should race with emits: Visibility.events).
"""

import rasmodel as rm

model = rm.Model("finding-4-guard-reads-trace")


@model.build
def build(env):
    def a():
        yield env.pause()
        env.emit("go")

    def w():
        yield env.wait_until(lambda: any(e.kind == "go" for e in env.trace), "go emitted")
        assert False, "w passed"

    env.process(w(), name="w")
    env.process(a(), name="a")

"""Found by a review (stop 26), fixed in c5003ff: WRONG VERDICTS: a wait_until guard that reads `env.peek()` is never
re-evaluated when a step schedules a timer; DPOR then also misses a reachable
assertion.

`w` waits until the next timer is due at time 1; `a` creates `env.timeout(1)` in its
second step. Once a has run, w's guard is true (and stays true at time 0: nothing else
can run), so the true verdicts are deadlock holds, assertion violated. But `peek()`
reads `@timers` (TIMERS_KEY), and scheduling a timer only sets `footprint.timers`;
`Env._run_step` marks guards stale from `footprint.writes` alone, so a guard first
evaluated before a's step keeps its cached False.

    rasmodel check guard_reads_peek.py                   # exit 1: deadlock VIOLATED (false),
                                                  #   assertion holds (1 execution)
    rasmodel check guard_reads_peek.py --reduction none  # exit 1: deadlock VIOLATED (false),
                                                  #   assertion VIOLATED (3 executions)
    rasmodel check guard_reads_peek.py --cross-check     # exit 2: assertion holds vs violated

(`env.peek()` is named in the README: "Callbacks on timeouts ... (or calls
`env.peek()`)". rasmodel/sim/env.py `Env.peek` records the read of TIMERS_KEY.)
"""

import rasmodel as rm

model = rm.Model("finding-5-guard-reads-peek")


@model.build
def build(env):
    def a():
        yield env.pause()
        env.timeout(1)

    def w():
        yield env.wait_until(lambda: env.peek() == 1, "a timer is due at 1")
        assert False, "w passed"

    env.process(w(), name="w")
    env.process(a(), name="a")

"""Found by a review (stop 26), fixed in c5003ff: env.live / env.step_index (history reads, fixed for steps at
~01:20 UTC) are still untracked where no process is active: in an invariant; and a
wait_until guard that reads them is never re-evaluated.

(a) This model: the invariant reads `env.live`. `Env._read_history`
(rasmodel/sim/env.py) records HISTORY_KEY only `if self._active_proc is not None`, so
an invariant's read is recorded nowhere; b's exit (which changes `live`) only writes
proc:b, which the invariant does not read, and DPOR runs b's exit after a's write
only.

    rasmodel check invariant_reads_live.py                    # exit 0: b_outlives_x holds (1 execution)
    rasmodel check invariant_reads_live.py --reduction none   # exit 1: b_outlives_x VIOLATED
    rasmodel check invariant_reads_live.py --cross-check      # exit 2

(b) invariant_reads_live.py: `w` waits until `env.live == 1` (it is the last non-daemon
process). The guard reads HISTORY_KEY, which no step writes (`_mark_stale` gets
`footprint.writes` only), so after a exits the guard keeps its cached False: both
reductions report a false deadlock ("w waits for wait_until 'I am the last one'",
with a already exited in the trace).
"""

import rasmodel as rm

model = rm.Model("finding-10-invariant-reads-live")


@model.build
def build(env):
    x = env.var("x", 0)

    def a():
        yield env.pause()
        x.value = 1
        yield env.pause()

    def b():
        yield env.pause()

    pa = env.process(a(), name="a")
    env.process(b(), name="b")
    return {"x": x, "env": env, "pa": pa}


@model.invariant
def b_outlives_x(s, params):
    return not (s["x"].value == 1 and s["pa"].is_alive and s["env"].live == 1)

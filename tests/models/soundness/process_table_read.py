"""Found by a review (stop 26), fixed: UNSOUND (DPOR), lower severity (public but undocumented in
docs/api.md): `env.processes`, `env.live_processes()` and `Process.waiting_for()` /
`suspended_at()` read process state with no footprint.

Here `c` counts `env.processes` after `b` may have spawned a child: the spawn writes
only `proc:child`, which c's read does not touch, so DPOR runs one order.

    rasmodel check process_table_read.py                    # exit 0: procs holds (1 execution)
    rasmodel check process_table_read.py --reduction none   # exit 1: procs VIOLATED ("c saw 2 processes")
    rasmodel check process_table_read.py --cross-check      # exit 2: "1 final state(s) are reached only
                                                    #   without reduction"

Same (cross-check exit 2) for `len(env.live_processes())` after another process
exits (p17_liveprocs.py) and for `other.waiting_for()` (p18_waiting.py), and for
`repr(var)` / f"{var}" (Var.__repr__ reads `_value` unrecorded: p16_repr.py). Either
record them (as `Env._read_history` now does for env.live / env.steps) or rename them
private; `env.processes` is used by the kernel library, so a model author sees it.

Status: reproduces at 02:01 UTC.
"""

import rasmodel as rm

model = rm.Model("finding-15-env-processes")


@model.build
def build(env):
    seen = env.var("seen", None)

    def child():
        yield env.pause()

    def b():
        env.process(child(), name="child")
        yield env.pause()

    def c():
        seen.value = len(env.processes)
        yield env.pause()

    env.process(b(), name="b")
    env.process(c(), name="c")
    return seen


@model.final
def procs(seen, params):
    assert seen.value == 3, f"c saw {seen.value} processes"
